variable "bucket_name" {
  description = "Globally unique bucket name."
  type        = string
}

variable "force_destroy" {
  description = "Let terraform destroy the bucket with its objects (never in prod)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "KMS key for default encryption; null keeps SSE-S3 (AES256)."
  type        = string
  default     = null
}

variable "access_log_bucket" {
  description = "Bucket receiving the server access logs; null for the log bucket itself."
  type        = string
  default     = null
}

variable "noncurrent_version_days" {
  description = "Days an overwritten or deleted version is kept."
  type        = number
  default     = 90
}

variable "expiration_days" {
  description = "Delete current objects after this many days (null: never)."
  type        = number
  default     = null
}

variable "infrequent_access_after_days" {
  description = "Move current objects to STANDARD_IA after this many days (null: never)."
  type        = number
  default     = null
}

variable "extra_policy_json" {
  description = "Additional bucket policy statements (JSON policy document), merged with the TLS-only rule."
  type        = string
  default     = null
}
