# One role per actor, each limited to this environment's pipeline, repository, cluster and roles.

locals {
  codebuild_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "codebuild.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  artifact_statements = [
    {
      Sid      = "Artifacts"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:GetBucketLocation", "s3:ListBucket"]
      Resource = [module.artifacts.arn, "${module.artifacts.arn}/*"]
    },
    {
      Sid      = "ArtifactAndLogEncryption"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncrypt*", "kms:DescribeKey"]
      Resource = [var.kms_key_arn]
    },
  ]

  task_family_arns = [for family in values(var.task_families) : "arn:${local.partition}:ecs:${local.region}:${local.account_id}:task-definition/${family}:*"]
  service_arns     = [for service in values(var.service_names) : "arn:${local.partition}:ecs:${local.region}:${local.account_id}:service/${var.cluster_name}/${service}"]
}

# --- Build: checks, then push the image ------------------------------------------------------------

resource "aws_iam_role" "build" {
  name               = "${var.name_prefix}-codebuild-build"
  assume_role_policy = local.codebuild_trust
}

resource "aws_iam_role_policy" "build" {
  name = "checks-and-image"
  role = aws_iam_role.build.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(local.artifact_statements, [
      {
        Sid      = "Logs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.codebuild["build"].arn}:*"]
      },
      {
        # GetAuthorizationToken has no resource-level permission: "*" is the only valid resource.
        Sid      = "EcrLogin"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = "*"
      },
      {
        Sid      = "PushImage"
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:DescribeImages"]
        Resource = [var.ecr_repository_arn]
      },
    ])
  })
}

# --- Deploy: register revisions, run migrate, roll services ---------------------------------------

resource "aws_iam_role" "deploy" {
  name               = "${var.name_prefix}-codebuild-deploy"
  assume_role_policy = local.codebuild_trust
}

resource "aws_iam_role_policy" "deploy" {
  #checkov:skip=CKV_AWS_290:ecs:RegisterTaskDefinition and ecs:DescribeTaskDefinition have no resource-level permissions; RunTask, UpdateService and PassRole are scoped below.
  #checkov:skip=CKV_AWS_355:Same statement: the two task-definition actions only accept "*".
  name = "migrate-and-roll"
  role = aws_iam_role.deploy.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(local.artifact_statements, [
      {
        Sid      = "Logs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.codebuild["deploy"].arn}:*"]
      },
      {
        Sid      = "TaskDefinitions"
        Effect   = "Allow"
        Action   = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
        Resource = "*"
      },
      {
        Sid      = "TagNewRevisions"
        Effect   = "Allow"
        Action   = ["ecs:TagResource"]
        Resource = local.task_family_arns
      },
      {
        Sid       = "RunMigrate"
        Effect    = "Allow"
        Action    = ["ecs:RunTask"]
        Resource  = local.task_family_arns
        Condition = { ArnEquals = { "ecs:cluster" = var.cluster_arn } }
      },
      {
        Sid       = "FollowTasks"
        Effect    = "Allow"
        Action    = ["ecs:DescribeTasks", "ecs:StopTask"]
        Resource  = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:task/${var.cluster_name}/*"]
        Condition = { ArnEquals = { "ecs:cluster" = var.cluster_arn } }
      },
      {
        Sid      = "RollServices"
        Effect   = "Allow"
        Action   = ["ecs:UpdateService", "ecs:DescribeServices"]
        Resource = local.service_arns
      },
      {
        Sid       = "PassTaskRoles"
        Effect    = "Allow"
        Action    = ["iam:PassRole"]
        Resource  = concat([var.execution_role_arn], values(var.task_role_arns))
        Condition = { StringEquals = { "iam:PassedToService" = "ecs-tasks.amazonaws.com" } }
      },
    ])
  })
}

# --- Pipeline ----------------------------------------------------------------------------------------

resource "aws_iam_role" "pipeline" {
  name = "${var.name_prefix}-codepipeline"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "codepipeline.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
}

resource "aws_iam_role_policy" "pipeline" {
  name = "run-pipeline"
  role = aws_iam_role.pipeline.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(local.artifact_statements, [
      {
        Sid      = "UseGitHubConnection"
        Effect   = "Allow"
        Action   = ["codestar-connections:UseConnection", "codeconnections:UseConnection"]
        Resource = [aws_codestarconnections_connection.github.arn]
      },
      {
        Sid      = "StartBuilds"
        Effect   = "Allow"
        Action   = ["codebuild:StartBuild", "codebuild:BatchGetBuilds"]
        Resource = [aws_codebuild_project.build.arn, aws_codebuild_project.deploy.arn]
      },
    ])
  })
}
