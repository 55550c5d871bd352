# The seed's WafStack, on the ALB: AWS managed common rules, known bad inputs, SQL injection, a
# per-IP rate limit and optional geo-blocking. Requests are logged (with credentials redacted) to
# CloudWatch Logs.

locals {
  managed_rule_groups = {
    common = {
      priority = 10
      name     = "AWSManagedRulesCommonRuleSet"
      # Rules switched to count: the common set blocks bodies over 8 KB, which every policy PDF and
      # consultation file upload exceeds; size limits are enforced by the application instead.
      count_only = var.common_rule_set_count_only
    }
    known_bad_inputs = {
      priority   = 20
      name       = "AWSManagedRulesKnownBadInputsRuleSet"
      count_only = []
    }
    sqli = {
      priority   = 30
      name       = "AWSManagedRulesSQLiRuleSet"
      count_only = []
    }
  }
}

resource "aws_wafv2_web_acl" "this" {
  name        = var.name_prefix
  description = "Bigtree Assist ${var.name_prefix}: managed rules, per-IP rate limit, geo-blocking"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  dynamic "rule" {
    for_each = length(var.blocked_country_codes) > 0 ? [1] : []

    content {
      name     = "geo-block"
      priority = 0

      action {
        block {}
      }

      statement {
        geo_match_statement {
          country_codes = var.blocked_country_codes
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name_prefix}-geo-block"
        sampled_requests_enabled   = true
      }
    }
  }

  dynamic "rule" {
    for_each = local.managed_rule_groups

    content {
      name     = rule.value.name
      priority = rule.value.priority

      override_action {
        none {}
      }

      statement {
        managed_rule_group_statement {
          name        = rule.value.name
          vendor_name = "AWS"

          dynamic "rule_action_override" {
            for_each = rule.value.count_only

            content {
              name = rule_action_override.value

              action_to_use {
                count {}
              }
            }
          }
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name_prefix}-${rule.key}"
        sampled_requests_enabled   = true
      }
    }
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 40

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit              = var.rate_limit_per_5_minutes
        aggregate_key_type = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name_prefix}-rate-limit"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = var.name_prefix
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "alb" {
  resource_arn = var.alb_arn
  web_acl_arn  = aws_wafv2_web_acl.this.arn
}

# WAF requires the log group name to start with aws-waf-logs-.
resource "aws_cloudwatch_log_group" "waf" {
  name              = "aws-waf-logs-${var.name_prefix}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  resource_arn            = aws_wafv2_web_acl.this.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]

  # Tokens, API keys and session cookies never reach the logs.
  redacted_fields {
    single_header {
      name = "authorization"
    }
  }

  redacted_fields {
    single_header {
      name = "x-api-key"
    }
  }

  redacted_fields {
    single_header {
      name = "cookie"
    }
  }
}
