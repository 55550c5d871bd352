variable "name_prefix" {
  description = "Resource name prefix, e.g. bigtree-assist-dev."
  type        = string
}

# --- Network -------------------------------------------------------------------------------------

variable "vpc_id" {
  description = "VPC of the services."
  type        = string
}

variable "public_subnet_ids" {
  description = "Subnets of the load balancer."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Subnets of the tasks."
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate (same region) for the HTTPS listener, covering app_hosts."
  type        = string
}

variable "app_hosts" {
  description = "Host names the application answers on (DJANGO_ALLOWED_HOSTS, CSRF origins)."
  type        = list(string)
}

variable "log_bucket_name" {
  description = "Bucket receiving the ALB access logs (prefix alb/)."
  type        = string
}

variable "deletion_protection" {
  description = "Protect the load balancer from deletion (true in prod)."
  type        = bool
  default     = true
}

# --- What the application is wired to ------------------------------------------------------------

variable "kms_key_arn" {
  description = "Environment KMS key (secrets, logs, image repository, notification topic)."
  type        = string
}

variable "database" {
  description = "RDS outputs: host, port, name, username, secret_arn (JSON with a password key), security_group_id, instance_id."
  type = object({
    host              = string
    port              = number
    name              = string
    username          = string
    secret_arn        = string
    security_group_id = string
    instance_id       = string
  })
}

variable "redis_url_secret_arn" {
  description = "Secret holding REDIS_URL."
  type        = string
}

variable "redis_security_group_id" {
  description = "Security group of the Redis cluster (egress rule target)."
  type        = string
}

variable "bucket_names" {
  description = "Bucket name per seed bucket: file, datasourcemaster, assists, issuance-mok-docs."
  type        = map(string)
}

variable "bucket_arns" {
  description = "Bucket ARN per seed bucket."
  type        = map(string)
}

variable "queues" {
  description = "SQS outputs: prefix, visibility timeout, and names/ARNs of the work and dead-letter queues keyed by role."
  type = object({
    prefix                     = string
    visibility_timeout_seconds = number
    names                      = map(string)
    arns                       = map(string)
    dlq_names                  = map(string)
    dlq_arns                   = map(string)
  })
}

variable "notification_topic_arn" {
  description = "SNS topic of tracking notifications."
  type        = string
}

variable "alarm_topic_arn" {
  description = "SNS topic receiving the alarms."
  type        = string
}

variable "cognito" {
  description = "Cognito outputs: user_pool_id, user_pool_arn, domain, admin_client_id, admin_client_secret_arn, frontend_client_ids."
  type = object({
    user_pool_id            = string
    user_pool_arn           = string
    domain                  = string
    admin_client_id         = string
    admin_client_secret_arn = string
    frontend_client_ids     = list(string)
  })
}

# --- Application settings that differ per environment ---------------------------------------------

variable "mok_tracking_url" {
  description = "MOK's tracking endpoint; empty turns delivery off (messages stay pending). Needs NAT egress."
  type        = string
  default     = ""
}

variable "mail_domain" {
  description = "Domain verified in SES (this region) that guarantee-of-payment e-mails are sent from (gop@<domain>)."
  type        = string
}

variable "exchange_rates_url" {
  description = "Where the periodic job downloads the exchange rates CSV; empty turns it off. Needs NAT egress."
  type        = string
  default     = ""
}

variable "admin_password_login" {
  description = "Keep the Django password login next to Cognito's (false in prod)."
  type        = bool
  default     = false
}

variable "usage_plan_on_redis_error" {
  description = "When Redis is unreachable: local (per-process limits), open (no limits) or closed (503)."
  type        = string
  default     = "local"

  validation {
    condition     = contains(["local", "open", "closed"], var.usage_plan_on_redis_error)
    error_message = "The usage_plan_on_redis_error must be local, open or closed."
  }
}

variable "log_level" {
  description = "Django and Celery log level."
  type        = string
  default     = "INFO"
}

variable "operator_time_zone" {
  description = "Time zone the operators see (times are stored in UTC)."
  type        = string
  default     = "America/Argentina/Buenos_Aires"
}

variable "hsts_seconds" {
  description = "Strict-Transport-Security max-age."
  type        = number
  default     = 31536000
}

variable "hsts_preload" {
  description = "Ask browsers to preload HSTS for the host."
  type        = bool
  default     = true
}

variable "issuance_document_max_bytes" {
  description = "Largest MOK policy PDF accepted."
  type        = number
  default     = 10485760
}

variable "consultation_file_max_bytes" {
  description = "Largest phone-consultation file accepted."
  type        = number
  default     = 26214400
}

# --- Image and sizing ----------------------------------------------------------------------------

variable "image_tag" {
  description = "Image tag the task definitions are created with; the pipeline deploys newer tags."
  type        = string
  default     = "bootstrap"
}

variable "images_kept" {
  description = "Images kept in the repository."
  type        = number
  default     = 30
}

variable "force_delete" {
  description = "Let terraform delete the image repository with its images (never in prod)."
  type        = bool
  default     = false
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64 (must match the image the pipeline builds)."
  type        = string
  default     = "X86_64"
}

variable "web_cpu" {
  description = "Web task CPU units."
  type        = number
  default     = 512
}

variable "web_memory" {
  description = "Web task memory (MiB)."
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

variable "web_stop_timeout" {
  description = "Seconds between SIGTERM and SIGKILL for web (gunicorn's graceful timeout is 5 s less)."
  type        = number
  default     = 30
}

variable "gunicorn_workers" {
  description = "Gunicorn worker processes per web task."
  type        = number
  default     = 2
}

variable "gunicorn_threads" {
  description = "Threads per gunicorn worker (gthread)."
  type        = number
  default     = 4
}

variable "worker_cpu" {
  description = "Worker task CPU units."
  type        = number
  default     = 512
}

variable "worker_memory" {
  description = "Worker task memory (MiB)."
  type        = number
  default     = 1024
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

variable "worker_backlog_per_task" {
  # docs/capacity.md: a worker drains ~170 messages/s per vCPU (5.9 ms of CPU each, bench/storm.py),
  # so 100 waiting per task is well under a second of work, far from the 10 s lag the storm allows.
  description = "Visible messages per worker task the autoscaler aims at."
  type        = number
  default     = 100
}

variable "web_cpu_target" {
  # docs/capacity.md: the web tier saturates on CPU (20 ms per request, bench/storm.py). At 50 % a task
  # absorbs a surge that doubles before the next tasks serve (scale-out cooldown 60 s + ~90 s to start).
  description = "Average web CPU (%) the autoscaler aims at."
  type        = number
  default     = 50

  validation {
    condition     = var.web_cpu_target >= 20 && var.web_cpu_target <= 80
    error_message = "Between 20 and 80 (%): above, a surge saturates the tasks before new ones start."
  }
}

variable "worker_stop_timeout" {
  description = "Seconds between SIGTERM and SIGKILL for the worker (Fargate allows up to 120); Celery's soft shutdown gets 10 s less."
  type        = number
  default     = 30

  validation {
    condition     = var.worker_stop_timeout > 10 && var.worker_stop_timeout <= 120
    error_message = "The worker_stop_timeout must be between 11 and 120 seconds."
  }
}

variable "beat_cpu" {
  description = "Beat task CPU units."
  type        = number
  default     = 256
}

variable "beat_memory" {
  description = "Beat task memory (MiB)."
  type        = number
  default     = 512
}

variable "migrate_cpu" {
  description = "Migrate task CPU units."
  type        = number
  default     = 512
}

variable "migrate_memory" {
  description = "Migrate task memory (MiB)."
  type        = number
  default     = 1024
}

# --- Logs and alarms -----------------------------------------------------------------------------

variable "log_retention_days" {
  description = "Retention of the container logs."
  type        = number
  default     = 365
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can be restored (0 deletes at once, for throw-away environments)."
  type        = number
  default     = 30
}

variable "http_5xx_threshold" {
  description = "5xx answers in 5 minutes that raise the alarm."
  type        = number
  default     = 10
}

variable "queue_age_threshold_seconds" {
  description = "Age of the oldest queued message that raises the alarm."
  type        = number
  default     = 600
}
