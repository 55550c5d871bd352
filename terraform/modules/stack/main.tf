# Everything one environment runs, wired together. The roots in envs/{dev,qa,prod} only choose the
# region, the state location, the tags and the values below; the order of the seed's stacks
# (Networking, Database, Cognito, WAF, S3, SQS, ..., Main) is terraform's dependency graph here.

locals {
  name_prefix  = "bigtree-assist-${var.stage}"
  queue_prefix = "bigtree-assist-${var.stage}-"
  is_prod      = var.stage == "prod"
}

module "kms" {
  source = "../kms"

  name_prefix = local.name_prefix
}

module "network" {
  source = "../network"

  name_prefix                 = local.name_prefix
  availability_zones          = var.availability_zones
  cidr_block                  = var.vpc_cidr
  nat_gateway_count           = var.nat_gateway_count
  enable_cognito_idp_endpoint = var.enable_cognito_idp_endpoint
  kms_key_arn                 = module.kms.key_arn
  log_retention_days          = var.log_retention_days
}

module "database" {
  source = "../database"

  name_prefix               = local.name_prefix
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = [module.ecs.tasks_security_group_id]
  kms_key_arn               = module.kms.key_arn
  instance_class            = var.db_instance_class
  multi_az                  = var.db_multi_az
  backup_retention_days     = var.db_backup_retention_days
  deletion_protection       = local.is_prod
}

module "cognito" {
  source = "../cognito"

  name_prefix          = local.name_prefix
  stage                = var.stage
  app_hosts            = var.app_hosts
  self_sign_up_enabled = var.cognito_self_sign_up_enabled
  kms_key_arn          = module.kms.key_arn
  deletion_protection  = local.is_prod
}

module "s3" {
  source = "../s3"

  name_prefix        = local.name_prefix
  force_destroy      = !local.is_prod
  log_retention_days = var.log_retention_days
}

module "sqs" {
  source = "../sqs"

  queue_prefix = local.queue_prefix
  kms_key_arn  = module.kms.key_arn
}

module "sns" {
  source = "../sns"

  name_prefix         = local.name_prefix
  kms_key_arn         = module.kms.key_arn
  alarm_emails        = var.alarm_emails
  notification_emails = var.notification_emails
}

module "redis" {
  source = "../redis"

  name_prefix               = local.name_prefix
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = [module.ecs.tasks_security_group_id]
  kms_key_arn               = module.kms.key_arn
  node_type                 = var.redis_node_type
  num_cache_clusters        = var.redis_num_cache_clusters
}

module "ecs" {
  source = "../ecs"

  name_prefix         = local.name_prefix
  vpc_id              = module.network.vpc_id
  public_subnet_ids   = module.network.public_subnet_ids
  private_subnet_ids  = module.network.private_subnet_ids
  certificate_arn     = var.certificate_arn
  app_hosts           = var.app_hosts
  log_bucket_name     = module.s3.log_bucket_name
  deletion_protection = local.is_prod
  force_delete        = !local.is_prod
  kms_key_arn         = module.kms.key_arn

  database = {
    host              = module.database.address
    port              = module.database.port
    name              = module.database.database_name
    username          = module.database.username
    secret_arn        = module.database.secret_arn
    security_group_id = module.database.security_group_id
    instance_id       = module.database.instance_id
  }
  redis_url_secret_arn    = module.redis.url_secret_arn
  redis_security_group_id = module.redis.security_group_id
  bucket_names            = module.s3.bucket_names
  bucket_arns             = module.s3.bucket_arns
  queues = {
    prefix                     = module.sqs.queue_prefix
    visibility_timeout_seconds = module.sqs.visibility_timeout_seconds
    names                      = module.sqs.queue_names
    arns                       = module.sqs.queue_arns
    dlq_names                  = module.sqs.dlq_names
    dlq_arns                   = module.sqs.dlq_arns
  }
  notification_topic_arn = module.sns.notification_topic_arn
  alarm_topic_arn        = module.sns.alarm_topic_arn
  cognito = {
    user_pool_id            = module.cognito.user_pool_id
    user_pool_arn           = module.cognito.user_pool_arn
    domain                  = module.cognito.domain
    admin_client_id         = module.cognito.admin_client_id
    admin_client_secret_arn = module.cognito.admin_client_secret_arn
    frontend_client_ids     = [module.cognito.frontend_client_id]
  }

  mok_tracking_url            = var.mok_tracking_url
  exchange_rates_url          = var.exchange_rates_url
  mail_domain                 = var.mail_domain
  admin_password_login        = var.admin_password_login
  log_level                   = var.log_level
  log_retention_days          = var.log_retention_days
  secret_recovery_window_days = local.is_prod ? 30 : 0
  web_cpu                     = var.web_cpu
  web_memory                  = var.web_memory
  worker_cpu                  = var.worker_cpu
  worker_memory               = var.worker_memory
  web_min_count               = var.web_min_count
  web_max_count               = var.web_max_count
  worker_min_count            = var.worker_min_count
  worker_max_count            = var.worker_max_count
}

module "waf" {
  source = "../waf"

  name_prefix              = local.name_prefix
  alb_arn                  = module.ecs.alb_arn
  kms_key_arn              = module.kms.key_arn
  rate_limit_per_5_minutes = var.waf_rate_limit_per_5_minutes
  blocked_country_codes    = var.waf_blocked_country_codes
  log_retention_days       = var.log_retention_days
}

module "pipeline" {
  source = "../pipeline"

  name_prefix             = local.name_prefix
  branch                  = var.pipeline_branch
  require_approval        = local.is_prod
  kms_key_arn             = module.kms.key_arn
  log_bucket_name         = module.s3.log_bucket_name
  log_retention_days      = var.log_retention_days
  ecr_repository_url      = module.ecs.ecr_repository_url
  ecr_repository_arn      = module.ecs.ecr_repository_arn
  cluster_name            = module.ecs.cluster_name
  cluster_arn             = module.ecs.cluster_arn
  task_families           = module.ecs.task_families
  service_names           = module.ecs.service_names
  execution_role_arn      = module.ecs.execution_role_arn
  task_role_arns          = module.ecs.task_role_arns
  private_subnet_ids      = module.network.private_subnet_ids
  tasks_security_group_id = module.ecs.tasks_security_group_id
}
