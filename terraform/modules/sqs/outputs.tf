output "queue_names" {
  description = "Work queue name per role: audit-logger, tracking, default."
  value       = { for k, q in aws_sqs_queue.this : k => q.name }
}

output "queue_arns" {
  description = "Work queue ARN per role."
  value       = { for k, q in aws_sqs_queue.this : k => q.arn }
}

output "dlq_names" {
  description = "Dead-letter queue name per role."
  value       = { for k, q in aws_sqs_queue.dlq : k => q.name }
}

output "dlq_arns" {
  description = "Dead-letter queue ARN per role."
  value       = { for k, q in aws_sqs_queue.dlq : k => q.arn }
}

output "queue_prefix" {
  description = "The prefix shared by the queue names (SQS_QUEUE_PREFIX)."
  value       = var.queue_prefix
}

output "visibility_timeout_seconds" {
  description = "Visibility timeout of the work queues (SQS_VISIBILITY_TIMEOUT)."
  value       = var.visibility_timeout_seconds
}
