# The seed's four buckets (file, datasourcemaster, assists, issuance-mok-docs), plus the log bucket
# that receives their server access logs and the load balancer's access logs. Names carry the
# account id because bucket names are global and qa and prod share an account.

data "aws_caller_identity" "current" {}
data "aws_elb_service_account" "current" {}

locals {
  suffix = data.aws_caller_identity.current.account_id

  buckets = {
    file              = { infrequent_access_after_days = 90 }
    datasourcemaster  = { infrequent_access_after_days = null }
    assists           = { infrequent_access_after_days = 90 }
    issuance-mok-docs = { infrequent_access_after_days = 90 }
  }
}

module "logs_bucket" {
  source = "../private_bucket"

  bucket_name     = "${var.name_prefix}-logs-${local.suffix}"
  force_destroy   = var.force_destroy
  expiration_days = var.log_retention_days
  # A log bucket does not log into itself; CloudTrail data events cover it if needed.
  access_log_bucket = null
  extra_policy_json = data.aws_iam_policy_document.logs_delivery.json
}

data "aws_iam_policy_document" "logs_delivery" {
  statement {
    sid       = "S3ServerAccessLogs"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::${var.name_prefix}-logs-${local.suffix}/s3/*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.suffix]
    }
  }

  # us-east-1 and us-east-2 predate the log-delivery service principal: ALB logs are written by the
  # region's Elastic Load Balancing account.
  statement {
    sid       = "LoadBalancerAccessLogs"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::${var.name_prefix}-logs-${local.suffix}/alb/AWSLogs/${local.suffix}/*"]

    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.current.arn]
    }
  }
}

module "bucket" {
  source   = "../private_bucket"
  for_each = local.buckets

  bucket_name                  = "${var.name_prefix}-${each.key}-${local.suffix}"
  force_destroy                = var.force_destroy
  access_log_bucket            = module.logs_bucket.id
  noncurrent_version_days      = var.noncurrent_version_days
  infrequent_access_after_days = each.value.infrequent_access_after_days
}
