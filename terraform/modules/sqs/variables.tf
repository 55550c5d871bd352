variable "queue_prefix" {
  description = "Queue name prefix, bigtree-assist-{stage}- (the application's SQS_QUEUE_PREFIX)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting the queues."
  type        = string
}

variable "retention_seconds" {
  description = "Message retention of the work queues (the seed: 4 days)."
  type        = number
  default     = 345600
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout (the seed: 5 minutes). Every Celery time limit and countdown stays below it."
  type        = number
  default     = 300
}

variable "dlq_retention_seconds" {
  description = "Message retention of the dead-letter queues (14 days, the SQS maximum)."
  type        = number
  default     = 1209600
}

variable "max_receive_count" {
  description = "Deliveries before a message moves to the dead-letter queue."
  type        = number
  default     = 5
}
