# THE one place that decides what the containers see. Every variable the Django settings
# (config/settings/base.py, production.py), docker/gunicorn.conf.py and docker/entrypoint.sh read is
# set here, and nothing else: tests/deploy/test_terraform.py compares both lists. To add a setting,
# add one line to app_environment (plain value) or app_secrets (Secrets Manager reference) — every
# role gets it — or to role_environment when only one role reads it.
#
# Values are strings: ECS passes everything as text and django-environ parses it.

locals {
  cognito_base_url = "https://${var.cognito.domain}"
  cognito_issuer   = "https://cognito-idp.${local.region}.amazonaws.com/${var.cognito.user_pool_id}"

  app_environment = {
    # Django core
    DJANGO_DEBUG                = "false"
    DJANGO_ALLOWED_HOSTS        = join(",", var.app_hosts)
    DJANGO_CSRF_TRUSTED_ORIGINS = join(",", [for host in var.app_hosts : "https://${host}"])
    DJANGO_LOG_LEVEL            = var.log_level
    DJANGO_LOG_FORMAT           = "json"
    DJANGO_SECURE_SSL_REDIRECT  = "true"
    DJANGO_SECURE_HSTS_SECONDS  = tostring(var.hsts_seconds)
    DJANGO_SECURE_HSTS_PRELOAD  = var.hsts_preload ? "true" : "false"
    OPERATOR_TIME_ZONE          = var.operator_time_zone

    # RDS MySQL (password from Secrets Manager, below)
    DATABASE_HOST         = var.database.host
    DATABASE_PORT         = tostring(var.database.port)
    DATABASE_NAME         = var.database.name
    DATABASE_USER         = var.database.username
    DATABASE_CONN_MAX_AGE = "60"
    DATABASE_TLS          = "true"

    # S3: the seed's four buckets, reached with the task role's credentials
    AWS_REGION                  = local.region
    S3_FILE_BUCKET              = var.bucket_names["file"]
    S3_DATASOURCE_BUCKET        = var.bucket_names["datasourcemaster"]
    S3_ASSISTS_BUCKET           = var.bucket_names["assists"]
    S3_ISSUANCE_BUCKET          = var.bucket_names["issuance-mok-docs"]
    S3_PRESIGNED_EXPIRY_SECONDS = "300"
    ISSUANCE_DOCUMENT_MAX_BYTES = tostring(var.issuance_document_max_bytes)
    CONSULTATION_FILE_MAX_BYTES = tostring(var.consultation_file_max_bytes)

    # Celery on SQS: predefined queues (no ListQueues/CreateQueue needed by the roles)
    CELERY_BROKER_URL                    = "sqs://"
    SQS_QUEUE_PREFIX                     = var.queues.prefix
    SQS_QUEUE_URL_BASE                   = "https://sqs.${local.region}.amazonaws.com/${local.account_id}/"
    SQS_VISIBILITY_TIMEOUT               = tostring(var.queues.visibility_timeout_seconds)
    AUDIT_OUTBOX_REPUBLISH_AFTER_SECONDS = "120"
    AUDIT_BATCH_CONSUMER                 = "true" # audit queue read in batches (apps/audit/consumer.py)

    # MOK tracking delivery and the notification topic
    MOK_TRACKING_URL             = var.mok_tracking_url
    MOK_TRACKING_TIMEOUT_SECONDS = "10"
    TRACKING_MAX_ATTEMPTS        = "8"
    TRACKING_RETRY_BASE_SECONDS  = "15"
    TRACKING_RETRY_MAX_SECONDS   = "240"
    SNS_NOTIFICATION_TOPIC_ARN   = var.notification_topic_arn

    # Exchange rates downloaded by the beat job (CSV, apps/masters/exchange_rates.py); empty: off
    EXCHANGE_RATES_URL             = var.exchange_rates_url
    EXCHANGE_RATES_TIMEOUT_SECONDS = "30"

    # Guarantees of payment: links in letters and e-mails, and the e-mail sent through SES (django-ses)
    PUBLIC_BASE_URL            = "https://${var.app_hosts[0]}"
    EMAIL_BACKEND              = "django_ses.SESBackend"
    DEFAULT_FROM_EMAIL         = "Bigtree Assist <gop@${var.mail_domain}>"
    GOP_REMINDER_AFTER_MINUTES = "60"

    # Cognito: operators' OIDC login (mozilla-django-oidc) and partners' access tokens. The settings
    # could derive the endpoints from the domain and pool id; they are spelled out so the URLs the
    # tasks call (and that need NAT egress: see modules/network/README.md) are visible here.
    COGNITO_USER_POOL_ID               = var.cognito.user_pool_id
    COGNITO_DOMAIN                     = local.cognito_base_url
    COGNITO_ISSUER                     = local.cognito_issuer
    COGNITO_JWKS_URL                   = "${local.cognito_issuer}/.well-known/jwks.json"
    COGNITO_JWKS_CACHE_SECONDS         = "3600"
    OIDC_RP_CLIENT_ID                  = var.cognito.admin_client_id
    COGNITO_FRONTEND_CLIENT_IDS        = join(",", var.cognito.frontend_client_ids) # operators' browser front end
    OIDC_OP_ISSUER                     = local.cognito_issuer
    OIDC_OP_JWKS_ENDPOINT              = "${local.cognito_issuer}/.well-known/jwks.json"
    OIDC_OP_AUTHORIZATION_ENDPOINT     = "${local.cognito_base_url}/oauth2/authorize"
    OIDC_OP_TOKEN_ENDPOINT             = "${local.cognito_base_url}/oauth2/token"
    OIDC_OP_USER_ENDPOINT              = "${local.cognito_base_url}/oauth2/userInfo"
    OIDC_OP_LOGOUT_ENDPOINT            = "${local.cognito_base_url}/logout"
    OIDC_OP_LOGOUT_URL_METHOD          = "apps.accounts.oidc.cognito_logout_url"
    OIDC_TIMEOUT                       = "10"
    OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = "900" # longest time a user removed from a group keeps access
    ADMIN_PASSWORD_LOGIN               = var.admin_password_login ? "true" : "false"

    # API usage plans: counters shared by every web task in ElastiCache (REDIS_URL, a secret)
    USAGE_PLAN_KEY_PREFIX          = "bigtree:usage:"
    USAGE_PLAN_ON_REDIS_ERROR      = var.usage_plan_on_redis_error
    USAGE_PLAN_REDIS_TIMEOUT       = "0.25"
    USAGE_PLAN_REDIS_RETRY_SECONDS = "5"
  }

  app_secrets = {
    DJANGO_SECRET_KEY     = aws_secretsmanager_secret.django_secret_key.arn
    DATABASE_PASSWORD     = "${var.database.secret_arn}:password::"
    MOK_TRACKING_SECRET   = aws_secretsmanager_secret.mok_tracking_secret.arn
    OIDC_RP_CLIENT_SECRET = var.cognito.admin_client_secret_arn
    REDIS_URL             = var.redis_url_secret_arn
  }

  # Read by one role's start-up only (gunicorn.conf.py, entrypoint.sh, the worker's shutdown).
  role_environment = {
    web = {
      PORT                      = tostring(local.web_port)
      GUNICORN_BIND             = "0.0.0.0:${local.web_port}"
      GUNICORN_KEEPALIVE        = tostring(local.alb_idle_timeout + 15) # the ALB closes idle connections first
      GUNICORN_WORKERS          = tostring(var.gunicorn_workers)
      GUNICORN_THREADS          = tostring(var.gunicorn_threads)
      GUNICORN_TIMEOUT          = "30"
      GUNICORN_GRACEFUL_TIMEOUT = tostring(var.web_stop_timeout - 5) # finish requests before ECS's SIGKILL
      GUNICORN_MAX_REQUESTS     = "2000"
    }
    worker = {
      CELERY_LOG_LEVEL                    = var.log_level
      CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = tostring(var.worker_stop_timeout - 10) # then redelivery
    }
    beat = {
      CELERY_LOG_LEVEL          = var.log_level
      CELERY_BEAT_SCHEDULE_FILE = "/tmp/celerybeat-schedule" # the task's scratch volume: the root is read-only
    }
    migrate = {}
  }
}
