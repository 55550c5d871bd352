# Least privilege: one execution role (pull the image, write logs, read the five secrets) and one task
# role per container role, each limited to the buckets, queues, topic and pool that role touches.

locals {
  queue_arns  = values(var.queues.arns)
  dlq_arns    = values(var.queues.dlq_arns)
  bucket_arns = values(var.bucket_arns)

  secret_arns = [
    aws_secretsmanager_secret.django_secret_key.arn,
    aws_secretsmanager_secret.mok_tracking_secret.arn,
    var.database.secret_arn,
    var.cognito.admin_client_secret_arn,
    var.redis_url_secret_arn,
  ]

  ecs_tasks_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:ecs:${local.region}:${local.account_id}:*" }
      }
    }]
  })

  s3_statements = [
    {
      Sid      = "ListBuckets"
      Effect   = "Allow"
      Action   = ["s3:ListBucket", "s3:GetBucketLocation"]
      Resource = local.bucket_arns
    },
    {
      Sid      = "ReadWriteObjects"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"]
      Resource = [for arn in local.bucket_arns : "${arn}/*"]
    },
  ]

  send_statement = {
    Sid      = "SendToQueues"
    Effect   = "Allow"
    Action   = ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
    Resource = local.queue_arns
  }

  # The queues are encrypted with the environment key; SQS uses it on the caller's behalf only.
  queue_key_statement = {
    Sid       = "QueueEncryption"
    Effect    = "Allow"
    Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
    Resource  = [var.kms_key_arn]
    Condition = { StringEquals = { "kms:ViaService" = "sqs.${local.region}.amazonaws.com" } }
  }

  # Guarantee letters are e-mailed by the web tasks (an operator's send) and the worker (reminders),
  # from the one SES identity of the environment only.
  ses_statement = {
    Sid      = "SendGuaranteeMail"
    Effect   = "Allow"
    Action   = ["ses:SendRawEmail", "ses:SendEmail"]
    Resource = ["arn:${local.partition}:ses:${local.region}:${local.account_id}:identity/${var.mail_domain}"]
  }

  task_policies = {
    web = [
      local.s3_statements[0],
      local.s3_statements[1],
      local.send_statement,
      local.queue_key_statement,
      local.ses_statement,
      {
        # GET /v1/users (the seed's ListUsers) reads operators and their groups.
        Sid      = "ReadUserPool"
        Effect   = "Allow"
        Action   = ["cognito-idp:ListUsers", "cognito-idp:ListUsersInGroup", "cognito-idp:ListGroups", "cognito-idp:AdminListGroupsForUser", "cognito-idp:AdminGetUser"]
        Resource = [var.cognito.user_pool_arn]
      },
    ]
    worker = [
      local.s3_statements[0],
      local.s3_statements[1],
      {
        Sid      = "ConsumeQueues"
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
        Resource = local.queue_arns
      },
      {
        # The dead-letter management command (run as a one-off worker task) shows and re-drives them.
        Sid      = "InspectAndRedriveDeadLetters"
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:StartMessageMoveTask", "sqs:ListMessageMoveTasks", "sqs:CancelMessageMoveTask"]
        Resource = local.dlq_arns
      },
      local.queue_key_statement,
      local.ses_statement,
      {
        Sid      = "PublishNotifications"
        Effect   = "Allow"
        Action   = ["sns:Publish"]
        Resource = [var.notification_topic_arn]
      },
      {
        # The topic is encrypted with the environment key; SNS uses it on the publisher's behalf.
        Sid       = "EncryptForTopic"
        Effect    = "Allow"
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = [var.kms_key_arn]
        Condition = { StringEquals = { "kms:ViaService" = "sns.${local.region}.amazonaws.com" } }
      },
    ]
    beat = [local.send_statement, local.queue_key_statement]
    # migrate talks to MySQL only.
    migrate = []
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name_prefix}-ecs-execution"
  assume_role_policy = local.ecs_tasks_trust
}

resource "aws_iam_role_policy" "execution" {
  name = "pull-log-secrets"
  role = aws_iam_role.execution.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # GetAuthorizationToken has no resource-level permission: "*" is the only valid resource.
        Sid      = "EcrLogin"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = "*"
      },
      {
        Sid      = "PullImage"
        Effect   = "Allow"
        Action   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
        Resource = [aws_ecr_repository.this.arn]
      },
      {
        Sid      = "WriteLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = [for g in aws_cloudwatch_log_group.role : "${g.arn}:*"]
      },
      {
        Sid      = "ReadSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = local.secret_arns
      },
      {
        Sid       = "DecryptSecretsAndImage"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = [var.kms_key_arn]
        Condition = { StringEquals = { "kms:ViaService" = ["secretsmanager.${local.region}.amazonaws.com", "ecr.${local.region}.amazonaws.com"] } }
      },
    ]
  })
}

resource "aws_iam_role" "task" {
  for_each = local.roles

  name               = "${var.name_prefix}-${each.key}-task"
  assume_role_policy = local.ecs_tasks_trust
}

resource "aws_iam_role_policy" "task" {
  for_each = { for role, statements in local.task_policies : role => statements if length(statements) > 0 }

  name = "${each.key}-least-privilege"
  role = aws_iam_role.task[each.key].id

  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = each.value
  })
}
