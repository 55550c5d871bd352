variable "stage" {
  description = "dev, qa or prod."
  type        = string

  validation {
    condition     = contains(["dev", "qa", "prod"], var.stage)
    error_message = "The stage must be dev, qa or prod."
  }
}

variable "app_hosts" {
  description = "Host names the application is served on (first one is the admin's)."
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate in the environment's region covering app_hosts."
  type        = string
}

variable "pipeline_branch" {
  description = "Branch deployed by this environment's pipeline."
  type        = string
}

variable "availability_zones" {
  description = "The three availability zones of the environment's subnets."
  type        = list(string)
}

variable "vpc_cidr" {
  description = "VPC CIDR."
  type        = string
  default     = "10.9.0.0/16"
}

variable "nat_gateway_count" {
  description = "NAT gateways: 0 like the seed; >= 1 wherever MOK deliveries or Cognito login must work (see modules/network/README.md)."
  type        = number
  default     = 0
}

variable "enable_cognito_idp_endpoint" {
  description = "Interface endpoint for cognito-idp (incompatible with a pool that has a domain; see modules/network/README.md)."
  type        = bool
  default     = false
}

variable "mok_tracking_url" {
  description = "MOK's tracking endpoint (empty: delivery off)."
  type        = string
  default     = ""
}

variable "mail_domain" {
  description = "Domain verified in SES that guarantee-of-payment e-mails are sent from."
  type        = string
}

variable "exchange_rates_url" {
  description = "Where the periodic job downloads the exchange rates CSV; empty turns it off."
  type        = string
  default     = ""
}

variable "admin_password_login" {
  description = "Keep Django's password login next to Cognito's."
  type        = bool
  default     = false
}

variable "log_level" {
  description = "Application log level."
  type        = string
  default     = "INFO"
}

variable "log_retention_days" {
  description = "Retention of every CloudWatch log group and of the access logs."
  type        = number
  default     = 365
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "db_multi_az" {
  description = "RDS Multi-AZ standby."
  type        = bool
  default     = false
}

variable "db_backup_retention_days" {
  description = "RDS automated backup retention."
  type        = number
  default     = 7
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.micro"
}

variable "redis_num_cache_clusters" {
  description = "ElastiCache nodes (more than 1 adds a replica with failover)."
  type        = number
  default     = 1
}

variable "cognito_self_sign_up_enabled" {
  description = "Cognito self sign-up (the seed: enabled)."
  type        = bool
  default     = true
}

# Task sizes and counts: docs/capacity.md derives them from the storm benchmark's measured CPU per
# request (web) and per background message (worker). The defaults carry ~1 new case per second.
variable "web_cpu" {
  description = "Web task CPU units (1024 = 1 vCPU)."
  type        = number
  default     = 512
}

variable "web_memory" {
  description = "Web task memory (MiB); gunicorn's 2 workers x 4 threads measured 340-410 MB."
  type        = number
  default     = 1024
}

variable "worker_cpu" {
  description = "Worker task CPU units (1024 = 1 vCPU)."
  type        = number
  default     = 512
}

variable "worker_memory" {
  description = "Worker task memory (MiB); the worker with 2 pool processes measured ~430 MB."
  type        = number
  default     = 1024
}

variable "web_min_count" {
  description = "Minimum web tasks."
  type        = number
  default     = 2
}

variable "web_max_count" {
  description = "Maximum web tasks."
  type        = number
  default     = 6
}

variable "worker_min_count" {
  description = "Minimum worker tasks."
  type        = number
  default     = 1
}

variable "worker_max_count" {
  description = "Maximum worker tasks."
  type        = number
  default     = 4
}

variable "waf_rate_limit_per_5_minutes" {
  description = "Requests per IP per 5 minutes before WAF blocks it."
  type        = number
  default     = 2000
}

variable "waf_blocked_country_codes" {
  description = "Countries blocked by WAF (ISO alpha-2; empty: none)."
  type        = list(string)
  default     = []
}

variable "alarm_emails" {
  description = "E-mail addresses receiving the alarms."
  type        = list(string)
  default     = []
}

variable "notification_emails" {
  description = "E-mail addresses subscribed to the tracking notification topic."
  type        = list(string)
  default     = []
}
