"""Production (ECS Fargate behind an ALB): everything from the environment, nothing insecure by default."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env

from .base import *  # noqa: F403
from .base import FILE_STORAGE_ALIASES, MYSQL_OPTIONS, broker_transport

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY")  # no default: start-up fails loudly without it
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# RDS MySQL 8.0. ECS injects the Secrets Manager secret's fields as separate variables.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.mysql",
        "HOST": env.str("DATABASE_HOST"),
        "PORT": env.int("DATABASE_PORT", default=3306),
        "NAME": env.str("DATABASE_NAME"),
        "USER": env.str("DATABASE_USER"),
        "PASSWORD": env.str("DATABASE_PASSWORD"),
        "CONN_MAX_AGE": env.int("DATABASE_CONN_MAX_AGE", default=60),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {**MYSQL_OPTIONS, **({"ssl_mode": "REQUIRED"} if env.bool("DATABASE_TLS", default=True) else {})},
    }
}

# S3 buckets of the seed, one storage each. Credentials come from the ECS task role.
_BUCKET_ENV = {
    "default": "S3_FILE_BUCKET",
    "datasource": "S3_DATASOURCE_BUCKET",
    "assists": "S3_ASSISTS_BUCKET",
    "issuance": "S3_ISSUANCE_BUCKET",
}
STORAGES = {
    alias: {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str(_BUCKET_ENV[alias]),
            "region_name": env.str("AWS_REGION", default="us-east-2"),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("S3_PRESIGNED_EXPIRY_SECONDS", default=300),
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"},
        },
    }
    for alias in FILE_STORAGE_ALIASES
}
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}

# Behind the ALB: TLS ends at the balancer, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The ALB appends the client's address to X-Forwarded-For: the last entry is the one it saw.
TRUSTED_PROXY_COUNT = 1
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The ALB health check speaks plain HTTP to the task; it is answered before any redirect.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="sqs://")
CELERY_BROKER_TRANSPORT = broker_transport(CELERY_BROKER_URL)
# Required: the queues are predefined from their URLs, so workers never list or create queues and
# their IAM role needs no sqs:ListQueues/CreateQueue.
SQS_QUEUE_URL_BASE = env.str("SQS_QUEUE_URL_BASE")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "predefined_queues": {name: {"url": SQS_QUEUE_URL_BASE + name} for name in CELERY_WORKER_QUEUES},
}
# Required: the usage plans' shared counters (ElastiCache). Without it each process would count alone.
REDIS_URL = env.str("REDIS_URL")
# MOK delivery is optional per environment (it needs egress); when on, it must be signed and over TLS.
if MOK_TRACKING_URL:
    if not MOK_TRACKING_URL.startswith("https://"):
        raise ImproperlyConfigured("MOK_TRACKING_URL must be an https:// URL in production.")
    if not MOK_TRACKING_SECRET:
        raise ImproperlyConfigured("MOK_TRACKING_SECRET is required when MOK_TRACKING_URL is set.")

# Required: links in letters and e-mails (https://<the public host>), and the sender SES knows.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL").rstrip("/")
# https wherever the site itself is (the local compose stack turns the redirect off and serves HTTP).
if SECURE_SSL_REDIRECT and not PUBLIC_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured("PUBLIC_BASE_URL must be an https:// URL in production.")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL")
# Amazon SES (django-ses, SendRawEmail with the task role's credentials, in the deployment's region).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django_ses.SESBackend")
AWS_SES_REGION_NAME = env.str("AWS_REGION", default="us-east-2")
AWS_SES_REGION_ENDPOINT = f"email.{AWS_SES_REGION_NAME}.amazonaws.com"
# No GetSendQuota call before each message (the role is not granted it; guarantee mail is a trickle).
AWS_SES_AUTO_THROTTLE = None

# Production API does not offer the browsable HTML renderer.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_RENDERER_CLASSES": ["apps.core.renderers.JSONRenderer"],
}

# Operators sign in through Cognito's hosted UI only; the password form is off unless re-enabled on purpose.
ADMIN_PASSWORD_LOGIN = env.bool("ADMIN_PASSWORD_LOGIN", default=False)
# Required: base derives the OIDC endpoints from these; reading them again here without a default makes
# a missing one fail at start-up instead of leaving the admin without a way in.
COGNITO_DOMAIN = env.str("COGNITO_DOMAIN").rstrip("/")
COGNITO_USER_POOL_ID = env.str("COGNITO_USER_POOL_ID")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET")
