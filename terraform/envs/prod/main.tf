# prod: us-east-2, deployed from the `main` branch.

locals {
  stage = "prod"
}

module "stack" {
  source = "../../modules/stack"

  stage              = local.stage
  availability_zones = ["us-east-2a", "us-east-2b", "us-east-2c"]
  app_hosts          = var.app_hosts
  certificate_arn    = var.certificate_arn
  pipeline_branch    = "main"

  nat_gateway_count    = var.nat_gateway_count
  mok_tracking_url     = var.mok_tracking_url
  exchange_rates_url   = var.exchange_rates_url
  mail_domain          = var.mail_domain
  admin_password_login = var.admin_password_login
  alarm_emails         = var.alarm_emails

  # Sized for a storm of 100 new cases per second with its partner and operator traffic
  # (docs/capacity.md, from bench/storm.py): ~31 web tasks of 1 vCPU at the 50 % CPU target,
  # ~6 worker tasks of 1 vCPU. Two of each at least, one per availability zone in use.
  web_cpu          = 1024
  web_memory       = 2048
  worker_cpu       = 1024
  worker_memory    = 2048
  web_min_count    = 2
  web_max_count    = 32
  worker_min_count = 2
  worker_max_count = 6

  db_instance_class         = var.db_instance_class
  db_multi_az               = var.db_multi_az
  waf_blocked_country_codes = var.waf_blocked_country_codes
}
