variable "name_prefix" {
  description = "Resource name prefix, e.g. bigtree-assist-dev."
  type        = string
}

variable "alb_arn" {
  description = "Load balancer the web ACL protects."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the WAF log group."
  type        = string
}

variable "rate_limit_per_5_minutes" {
  description = "Requests one IP may send in any 5-minute window before being blocked."
  type        = number
  default     = 2000
}

variable "blocked_country_codes" {
  description = "ISO 3166-1 alpha-2 codes blocked outright (empty: no geo-blocking)."
  type        = list(string)
  default     = []
}

variable "common_rule_set_count_only" {
  description = "Rules of AWSManagedRulesCommonRuleSet that only count instead of blocking."
  type        = list(string)
  default     = ["SizeRestrictions_BODY"]
}

variable "log_retention_days" {
  description = "Retention of the WAF logs."
  type        = number
  default     = 365
}
