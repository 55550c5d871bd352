variable "name_prefix" {
  description = "Resource name prefix, e.g. bigtree-assist-dev."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cache."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the cache."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 6379 (the ECS tasks)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for data at rest and the URL secret."
  type        = string
}

variable "engine_version" {
  description = "Redis engine version."
  type        = string
  default     = "7.1"
}

variable "parameter_group_name" {
  description = "Parameter group matching engine_version."
  type        = string
  default     = "default.redis7"
}

variable "node_type" {
  description = "Cache node type."
  type        = string
  default     = "cache.t4g.micro"
}

variable "num_cache_clusters" {
  description = "Nodes (1 primary + replicas). Above 1, failover and Multi-AZ are on."
  type        = number
  default     = 1
}

variable "snapshot_retention_days" {
  description = "Daily snapshots kept."
  type        = number
  default     = 1
}
