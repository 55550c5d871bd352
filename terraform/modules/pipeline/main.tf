# Delivery as in the seed's pipeline (one per environment, branch develop → dev, qa → qa, main → prod):
# Source (GitHub through a CodeStar connection) → Build (buildspec.yml at the repository root: the
# checks of .ci/run, then the image, pushed to ECR with the commit id as tag) → [manual approval,
# prod] → Deploy (deployspec.yml here: new task definition revisions with that image, migrate as a
# one-off task, then web, worker and beat rolled and waited for).
#
# Infrastructure changes are not applied by the pipeline: terraform is run by a person per
# environment (README), so a push can never change the network or the database.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition
}

# Created PENDING: an administrator completes the GitHub handshake once in the console (README).
resource "aws_codestarconnections_connection" "github" {
  name          = "${var.name_prefix}-github"
  provider_type = "GitHub"
}

module "artifacts" {
  source = "../private_bucket"

  bucket_name       = "${var.name_prefix}-pipeline-${local.account_id}"
  force_destroy     = true # only build artifacts, reproducible from git
  kms_key_arn       = var.kms_key_arn
  access_log_bucket = var.log_bucket_name
  expiration_days   = 30
}

resource "aws_cloudwatch_log_group" "codebuild" {
  for_each = toset(["build", "deploy"])

  name              = "/codebuild/${var.name_prefix}-${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_codebuild_project" "build" {
  #checkov:skip=CKV_AWS_316:Privileged mode is how CodeBuild runs Docker: the build runs the checks in a container and builds the image.
  name           = "${var.name_prefix}-build"
  description    = "Checks of .ci/run, then the image pushed to ECR"
  service_role   = aws_iam_role.build.arn
  build_timeout  = 90
  encryption_key = var.kms_key_arn

  source {
    type      = "CODEPIPELINE"
    buildspec = "buildspec.yml"
  }

  artifacts {
    type = "CODEPIPELINE"
  }

  environment {
    type            = "LINUX_CONTAINER"
    compute_type    = var.build_compute_type
    image           = var.codebuild_image
    privileged_mode = true

    environment_variable {
      name  = "ECR_REPOSITORY_URL"
      value = var.ecr_repository_url
    }
  }

  logs_config {
    cloudwatch_logs {
      group_name = aws_cloudwatch_log_group.codebuild["build"].name
    }
  }
}

resource "aws_codebuild_project" "deploy" {
  name           = "${var.name_prefix}-deploy"
  description    = "Migrate as a one-off task, then roll web, worker and beat"
  service_role   = aws_iam_role.deploy.arn
  build_timeout  = 90
  encryption_key = var.kms_key_arn

  source {
    type      = "CODEPIPELINE"
    buildspec = "terraform/modules/pipeline/deployspec.yml"
  }

  artifacts {
    type = "CODEPIPELINE"
  }

  environment {
    type         = "LINUX_CONTAINER"
    compute_type = "BUILD_GENERAL1_SMALL"
    image        = var.codebuild_image

    environment_variable {
      name  = "CLUSTER"
      value = var.cluster_name
    }

    environment_variable {
      name  = "NAME_PREFIX"
      value = var.name_prefix
    }

    environment_variable {
      name  = "ECR_REPOSITORY_URL"
      value = var.ecr_repository_url
    }

    environment_variable {
      name  = "SUBNETS"
      value = join(",", var.private_subnet_ids)
    }

    environment_variable {
      name  = "SECURITY_GROUP"
      value = var.tasks_security_group_id
    }
  }

  logs_config {
    cloudwatch_logs {
      group_name = aws_cloudwatch_log_group.codebuild["deploy"].name
    }
  }
}

resource "aws_codepipeline" "this" {
  name     = var.name_prefix
  role_arn = aws_iam_role.pipeline.arn

  artifact_store {
    type     = "S3"
    location = module.artifacts.id

    encryption_key {
      id   = var.kms_key_arn
      type = "KMS"
    }
  }

  stage {
    name = "Source"

    action {
      name             = "Source"
      category         = "Source"
      owner            = "AWS"
      provider         = "CodeStarSourceConnection"
      version          = "1"
      output_artifacts = ["source"]

      configuration = {
        ConnectionArn        = aws_codestarconnections_connection.github.arn
        FullRepositoryId     = var.repository
        BranchName           = var.branch
        OutputArtifactFormat = "CODE_ZIP"
      }
    }
  }

  stage {
    name = "Build"

    action {
      name             = "ChecksAndImage"
      category         = "Build"
      owner            = "AWS"
      provider         = "CodeBuild"
      version          = "1"
      input_artifacts  = ["source"]
      output_artifacts = ["image"]

      configuration = {
        ProjectName = aws_codebuild_project.build.name
      }
    }
  }

  dynamic "stage" {
    for_each = var.require_approval ? [1] : []

    content {
      name = "Approve"

      action {
        name     = "Approve"
        category = "Approval"
        owner    = "AWS"
        provider = "Manual"
        version  = "1"

        configuration = {
          CustomData = "Deploy this build to ${var.name_prefix}?"
        }
      }
    }
  }

  stage {
    name = "Deploy"

    action {
      name            = "MigrateAndRoll"
      category        = "Build"
      owner           = "AWS"
      provider        = "CodeBuild"
      version         = "1"
      input_artifacts = ["source", "image"]

      configuration = {
        ProjectName   = aws_codebuild_project.deploy.name
        PrimarySource = "source"
      }
    }
  }
}
