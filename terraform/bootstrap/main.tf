# Run once per AWS account, with local state, before the first `terraform init` of an environment:
# the S3 bucket that holds the environments' state and the DynamoDB table that locks it.
#   terraform init && terraform apply -var region=us-east-2
# qa and prod share an account (one bucket, one table, different keys); dev has its own.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.83"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project = "bigtree-assist"
      Purpose = "terraform-state"
    }
  }
}

variable "region" {
  description = "Region of the state bucket and lock table (the region of the account's environments)."
  type        = string
}

data "aws_caller_identity" "current" {}

locals {
  bucket = "bigtree-assist-tfstate-${data.aws_caller_identity.current.account_id}"
}

resource "aws_kms_key" "state" {
  description             = "Terraform state of bigtree-assist"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministration"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_144:State is versioned; replicating it to another region is not worth a second bucket per account.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to state writes.
  #checkov:skip=CKV_AWS_18:Access to the state is recorded by CloudTrail; a separate access-log bucket per account is not kept for it.
  bucket = local.bucket

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "old-state-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 365
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  depends_on = [aws_s3_bucket_public_access_block.state]
}

resource "aws_dynamodb_table" "lock" {
  name         = "bigtree-assist-tfstate-lock"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"

  attribute {
    name = "LockID"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.state.arn
  }

  deletion_protection_enabled = true
}

output "backend_config" {
  description = "Put these two lines in envs/<env>/backend.hcl."
  value       = "bucket         = \"${aws_s3_bucket.state.id}\"\ndynamodb_table = \"${aws_dynamodb_table.lock.name}\""
}
