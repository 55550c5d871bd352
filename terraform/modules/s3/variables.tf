variable "name_prefix" {
  description = "Resource name prefix, e.g. bigtree-assist-dev."
  type        = string
}

variable "force_destroy" {
  description = "Let terraform delete non-empty buckets (true outside prod only)."
  type        = bool
  default     = false
}

variable "noncurrent_version_days" {
  description = "Days an overwritten or deleted file version stays recoverable."
  type        = number
  default     = 90
}

variable "log_retention_days" {
  description = "Days access logs are kept in the log bucket."
  type        = number
  default     = 365
}
