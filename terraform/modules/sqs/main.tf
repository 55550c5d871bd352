# The Celery queues on SQS. The seed had one queue (AssistancesLoggerSQS: 4 days retention, 5 minutes
# visibility, KMS managed); the rebuild keeps those settings for every queue the application routes
# to: ${prefix}audit-logger, ${prefix}tracking and ${prefix}default, prefix = bigtree-assist-{stage}-.
# Each has a dead-letter queue that keeps failed messages longer (14 days, the SQS maximum) and
# receives a message after maxReceiveCount failed deliveries. Encryption uses the environment's
# customer-managed key (the seed used the AWS-managed SQS key): its policy is ours to read and audit,
# and the task roles get kms:GenerateDataKey/Decrypt on it only through SQS.

locals {
  queues = toset(["audit-logger", "tracking", "default"])
}

resource "aws_sqs_queue" "dlq" {
  for_each = local.queues

  name                              = "${var.queue_prefix}${each.key}-dlq"
  message_retention_seconds         = var.dlq_retention_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_sqs_queue" "this" {
  for_each = local.queues

  name                       = "${var.queue_prefix}${each.key}"
  message_retention_seconds  = var.retention_seconds
  visibility_timeout_seconds = var.visibility_timeout_seconds
  receive_wait_time_seconds  = 20 # long polling
  kms_master_key_id          = var.kms_key_arn
  # Longer reuse = fewer KMS calls; 300 s is the maximum.
  kms_data_key_reuse_period_seconds = 300

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = var.max_receive_count
  })
}

# A dead-letter queue accepts redriven messages from its own queue only.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  for_each = local.queues

  queue_url = aws_sqs_queue.dlq[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this[each.key].arn]
  })
}

locals {
  all_queues = merge(
    { for k, q in aws_sqs_queue.this : k => { arn = q.arn, url = q.id } },
    { for k, q in aws_sqs_queue.dlq : "${k}-dlq" => { arn = q.arn, url = q.id } },
  )
}

data "aws_iam_policy_document" "tls_only" {
  for_each = local.all_queues

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  for_each = local.all_queues

  queue_url = each.value.url
  policy    = data.aws_iam_policy_document.tls_only[each.key].json
}
