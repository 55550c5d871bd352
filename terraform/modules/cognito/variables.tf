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
