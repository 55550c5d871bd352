# dev: us-east-1, deployed from the `develop` branch.

locals {
  stage = "dev"
}

module "stack" {
  source = "../../modules/stack"

  stage              = local.stage
  availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
  app_hosts          = var.app_hosts
  certificate_arn    = var.certificate_arn
  pipeline_branch    = "develop"

  nat_gateway_count    = var.nat_gateway_count
  mok_tracking_url     = var.mok_tracking_url
  exchange_rates_url   = var.exchange_rates_url
  mail_domain          = var.mail_domain
  admin_password_login = var.admin_password_login
  alarm_emails         = var.alarm_emails

  db_instance_class         = var.db_instance_class
  db_multi_az               = var.db_multi_az
  waf_blocked_country_codes = var.waf_blocked_country_codes
}
