variable "name_prefix" {
  description = "Resource name prefix, e.g. bigtree-assist-dev."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the DB subnet group."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 3306 (the ECS tasks)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for storage and the credentials secret."
  type        = string
}

variable "engine_version" {
  description = "MySQL engine version (major 8.0 as the seed; a minor such as 8.0.39 pins it)."
  type        = string
  default     = "8.0"
}

variable "instance_class" {
  description = "Instance class (the seed runs db.t4g.micro)."
  type        = string
  default     = "db.t4g.micro"
}

variable "database_name" {
  description = "Schema created at launch."
  type        = string
  default     = "bigtree"
}

variable "master_username" {
  description = "Master user name (the application and its migrations use it)."
  type        = string
  default     = "bigtree"
}

variable "allocated_storage" {
  description = "Initial storage in GiB."
  type        = number
  default     = 20
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling in GiB."
  type        = number
  default     = 100
}

variable "multi_az" {
  description = "Standby in a second zone (the seed: false)."
  type        = bool
  default     = false
}

variable "backup_retention_days" {
  description = "Automated backup retention in days."
  type        = number
  default     = 7
}

variable "deletion_protection" {
  description = "Protect the instance and take a final snapshot on destroy (true in prod)."
  type        = bool
  default     = true
}
