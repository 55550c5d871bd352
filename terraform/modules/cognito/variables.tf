variable "name_prefix" {
  description = "Resource name prefix, e.g. bigtree-assist-dev."
  type        = string
}

variable "stage" {
  description = "dev, qa or prod (domain solution-assist-{stage})."
  type        = string
}

variable "pool_name" {
  description = "User pool name (the seed's)."
  type        = string
  default     = "solution-assist-cognito-pool"
}

variable "self_sign_up_enabled" {
  description = "Allow users to sign themselves up (the seed: enabled)."
  type        = bool
  default     = true
}

variable "groups" {
  description = "User pool groups and their descriptions; the application maps them to Django groups."
  type        = map(string)
  default = {
    "assistances-admin" = "Assistance administrators"
    "assistances-tmo"   = "TMO operators"
  }
}

variable "app_hosts" {
  description = "Host names the admin is served on (callback https://HOST/oidc/callback/)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for the client secret."
  type        = string
}

variable "deletion_protection" {
  description = "Protect the pool from deletion (true in prod)."
  type        = bool
  default     = true
}

variable "partner_clients" {
  description = "Partner systems' app clients (client credentials), by source code: name, resource servers, scopes."
  type = map(object({
    name             = string
    resource_servers = list(string)
    scopes           = list(string)
  }))
  default = {
    KOM = { name = "Kom-client", resource_servers = ["kom-services", "assistences-services"], scopes = ["read", "write"] }
    MOK = { name = "Mok-client", resource_servers = ["assistences-services"], scopes = ["read", "write"] }
  }

  validation {
    condition = alltrue([
      for c in values(var.partner_clients) :
      length(c.resource_servers) > 0 && alltrue([for s in c.resource_servers : contains(["assistences-services", "kom-services"], s)]) && alltrue([for s in c.scopes : contains(["read", "write"], s)])
    ])
    error_message = "Resource servers are assistences-services and kom-services; scopes are read and write."
  }
}
