variable "name_prefix" {
  description = "Resource name prefix, e.g. bigtree-assist-dev."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting both topics."
  type        = string
}

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic (each must confirm)."
  type        = list(string)
  default     = []
}

variable "notification_emails" {
  description = "E-mail addresses subscribed to the notification topic (each must confirm)."
  type        = list(string)
  default     = []
}
