variable "name_prefix" {
  description = "Resource name prefix, e.g. bigtree-assist-dev."
  type        = string
}

variable "cidr_block" {
  description = "VPC CIDR (the seed uses 10.9.0.0/16 in every environment)."
  type        = string
  default     = "10.9.0.0/16"
}

variable "availability_zones" {
  description = "The three availability zones (by name) of the subnets, as the seed's 3 AZs."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 3
    error_message = "The seed's network spans exactly three availability zones."
  }
}

variable "subnet_newbits" {
  description = "Bits added to the VPC prefix for each subnet: 3 turns the /16 into /19 subnets."
  type        = number
  default     = 3
}

variable "nat_gateway_count" {
  description = "NAT gateways (0 like the seed). Needed (>= 1) for egress outside AWS: MOK's tracking endpoint and Cognito's hosted login/token endpoints. See README.md."
  type        = number
  default     = 0

  validation {
    condition     = var.nat_gateway_count >= 0 && var.nat_gateway_count <= 3
    error_message = "The nat_gateway_count must be between 0 and 3 (one per availability zone at most)."
  }
}

variable "interface_endpoint_services" {
  description = "AWS services reached through interface endpoints from the private subnets."
  type        = list(string)
  default     = ["ecr.api", "ecr.dkr", "sqs", "sns", "secretsmanager", "logs"]
}

variable "enable_cognito_idp_endpoint" {
  description = "Add a cognito-idp interface endpoint. Off: a user pool with a domain (ours, for the hosted login) cannot be used through PrivateLink; see README.md."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the flow log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the VPC flow logs."
  type        = number
  default     = 365
}
