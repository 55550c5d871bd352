"""Settings shared by every runtime configuration (local, test, production).

Only values that are the same everywhere, or safe defaults that the environment overrides, live
here. Secrets never have a default in this module.
"""

from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, env

# --- Core ---------------------------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

DJANGO_APPS = [
    "apps.core.apps.ConsoleAdminConfig",  # django.contrib.admin, with the console's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and ReDoc as pinned static files served by the app (/v1/docs/ works offline and
    # never follows a CDN's @latest).
    "drf_spectacular_sidecar",
    "storages",
    # request.htmx: the console's live parts (the queue) answer fragments to htmx requests.
    "django_htmx",
]
LOCAL_APPS = [
    "apps.core",
    "apps.accounts",
    "apps.audit",
    "apps.masters",
    "apps.providers",
    "apps.vouchers",
    "apps.issuance",
    "apps.assistances",
    "apps.guarantees",
    "apps.claims",
    "apps.tracking",
    "apps.consultations",
    "apps.clients",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# Messages are kept in the session (server side), not in the signed but readable messages cookie:
# the admin shows a new API key's plaintext once, in a message, and it must never reach a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

MIDDLEWARE = [
    # Request id first so every later log line (and the health answers) carry it.
    "apps.core.middleware.RequestIdMiddleware",
    # Errors under /v1/ that no DRF view answered (no route, DEBUG's HTML pages) become problem details.
    "apps.core.middleware.ApiProblemMiddleware",
    # Health checks answer before host validation: the ALB probes tasks by private IP.
    "apps.core.middleware.HealthCheckMiddleware",
    # /v1/... with a trailing slash is served as the route without it (partners' clients vary).
    "apps.core.middleware.ApiTrailingSlashMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Operators signed in through OIDC are re-authenticated silently when their ID token is due.
    "apps.accounts.oidc.OperatorSessionRefresh",
    "apps.core.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Writes the usage-plan fields (remaining monthly quota) that the API throttle left on the request.
    "apps.clients.throttling.UsagePlanHeadersMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
# Each configuration sets DATABASES; MySQL options shared by test and production live here.

MYSQL_OPTIONS = {
    "charset": "utf8mb4",
    # Strict mode: MySQL must reject bad data instead of truncating it silently.
    "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
}

# --- Authentication -----------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# Password backend first: sessions it opens (local work, tests) are never sent to the OIDC refresh.
AUTHENTICATION_BACKENDS = [
    "apps.accounts.backends.PasswordBackend",
    "apps.accounts.oidc.OperatorOIDCBackend",
]
# The e-mail + password form of the admin. Production turns it off: operators sign in with Cognito.
ADMIN_PASSWORD_LOGIN = env.bool("ADMIN_PASSWORD_LOGIN", default=False)

# --- Operator sign-in: OpenID Connect against Amazon Cognito (mozilla-django-oidc) ---------------
# COGNITO_DOMAIN is the hosted UI's base URL (https://<prefix>.auth.<region>.amazoncognito.com or a
# custom domain); the endpoints derive from it and from the pool id. Each OIDC_OP_* can be set
# directly for another provider (the end-to-end tests run node's oidc-provider on loopback).
COGNITO_DOMAIN = env.str("COGNITO_DOMAIN", default="").rstrip("/")
COGNITO_USER_POOL_ID = env.str("COGNITO_USER_POOL_ID", default="")
COGNITO_REGION = env.str("AWS_REGION", default="us-east-2")
_cognito_issuer = (
    f"https://cognito-idp.{COGNITO_REGION}.amazonaws.com/{COGNITO_USER_POOL_ID}" if COGNITO_USER_POOL_ID else ""
)


def _cognito_url(path: str) -> str:
    return f"{COGNITO_DOMAIN}{path}" if COGNITO_DOMAIN else ""


OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default=_cognito_url("/oauth2/authorize"))
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default=_cognito_url("/oauth2/token"))
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default=_cognito_url("/oauth2/userInfo"))
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default=_cognito_url("/logout"))
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default=_cognito_issuer)
OIDC_OP_JWKS_ENDPOINT = env.str(
    "OIDC_OP_JWKS_ENDPOINT", default=f"{_cognito_issuer}/.well-known/jwks.json" if _cognito_issuer else ""
)
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
# OIDC_RP_CLIENT_SECRET is set by each environment's module (production requires it).
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
# Cognito authenticates confidential clients at its token endpoint with HTTP Basic.
OIDC_TOKEN_USE_BASIC_AUTH = True
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
# Kept for the provider's logout (id_token_hint); the access token is not needed after sign-in.
OIDC_STORE_ID_TOKEN = True
OIDC_CALLBACK_CLASS = "apps.accounts.views.OperatorCallbackView"
OIDC_OP_LOGOUT_URL_METHOD = env.str("OIDC_OP_LOGOUT_URL_METHOD", default="apps.accounts.oidc.cognito_logout_url")
# How long a sign-in stands before the silent refresh re-checks it (and the groups) with the provider:
# the longest time an operator removed from a Cognito group keeps access.
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env.int("OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS", default=15 * 60)
OIDC_EXEMPT_URLS = ["admin:login", "operator_logout", "set_language"]

# --- Internationalisation -----------------------------------------------------------------------
# Stored in UTC; shown in the operators' zone (configurable per deployment).

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("OPERATOR_TIME_ZONE", default="America/Argentina/Buenos_Aires")

# --- Static and media files ---------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "var" / "media"

# One named storage per bucket of the seed. Local and test use folders; production swaps in S3.
FILE_STORAGE_ALIASES = ("default", "datasource", "assists", "issuance")


def local_storages(root):
    """Folder-backed storages, one sub-folder per bucket, for local work and tests."""
    storages = {
        alias: {
            # Private like the S3 buckets: signed, expiring download links (apps/core/files/local.py).
            "BACKEND": "apps.core.files.local.LocalPrivateStorage",
            "OPTIONS": {"location": str(root / alias), "alias": alias},
        }
        for alias in FILE_STORAGE_ALIASES
    }
    storages["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    return storages


# Where `import_geo --file` looks: a name inside the data-source storage.
GEO_DATA_STORAGE_ALIAS = "datasource"

# --- Security defaults (production tightens further) --------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Maximum request body kept in memory; uploads have their own limits per feature.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ISSUANCE_DOCUMENT_MAX_BYTES = env.int("ISSUANCE_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
CONSULTATION_FILE_MAX_BYTES = env.int("CONSULTATION_FILE_MAX_BYTES", default=25 * 1024 * 1024)

# --- Django REST framework ----------------------------------------------------------------------

REST_FRAMEWORK = {
    # Partners: Cognito access token + API key (first, so 401s challenge with Bearer); operators: session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.clients.authentication.CognitoAccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Authenticated, and the model's view/add/change/delete permission (from the operator's group).
    # Partner clients: the token's scope (read for GET/HEAD/OPTIONS, write otherwise) instead.
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "apps.clients.permissions.TokenScopePermission",
        "apps.core.permissions.ModelPermissions",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "apps.core.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["apps.core.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "apps.core.filters.DjangoFilterBackend",
        "apps.core.filters.SearchFilter",
        "apps.core.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "apps.core.exceptions.problem_exception_handler",
    # drf-spectacular's, describing nullable read-only defaults and blank e-mails as they answer.
    "DEFAULT_SCHEMA_CLASS": "apps.core.openapi.AutoSchema",
    "SEARCH_PARAM": "q",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_VERSIONING_CLASS": None,
    # API clients' usage plans (rate, burst, monthly quota); requests without a plan pass untouched.
    "DEFAULT_THROTTLE_CLASSES": ["apps.clients.throttling.UsagePlanThrottle"],
}

# Failed partner authentication, per client address (apps/clients/auth_guard.py): a burst of 20
# refusals, then one every 2 seconds: a mistyped key is retried comfortably, a guesser gets at most
# ~43,000 tries a day instead of thousands a second.
AUTH_FAILURE_BURST = 20
AUTH_FAILURE_RATE = 0.5
# Proxies in front of the application whose X-Forwarded-For entry is trusted (production: the ALB).
TRUSTED_PROXY_COUNT = 0

# Hard ceiling of page_size for every list; asking for more is a 400, not a silent cut.
API_MAX_PAGE_SIZE = 200

# --- Partner API authentication (apps/clients/authentication.py) --------------------------------
# Access tokens must come from the pool's issuer, https://cognito-idp.<AWS_REGION>.amazonaws.com/
# <COGNITO_USER_POOL_ID>. COGNITO_ISSUER replaces it (local work: the local issuer; tests) and
# COGNITO_JWKS_URL where its keys are fetched (default <issuer>/.well-known/jwks.json).
COGNITO_ISSUER = env.str("COGNITO_ISSUER", default="")
# App clients of the operators' browser front end (the seed's frontend-assistences): their *user*
# access tokens authenticate the operator (groups from cognito:groups), without an API key.
COGNITO_FRONTEND_CLIENT_IDS = env.list("COGNITO_FRONTEND_CLIENT_IDS", default=[])
COGNITO_JWKS_URL = env.str("COGNITO_JWKS_URL", default="")
# How long the pool's keys are trusted before a refresh (a token with an unknown kid refreshes sooner).
COGNITO_JWKS_CACHE_SECONDS = env.int("COGNITO_JWKS_CACHE_SECONDS", default=3600)

# --- API usage plans (apps/clients/usage.py) -----------------------------------------------------
# Shared state of the limits in Redis (redis:// or rediss://). Unset: per-process limits, with a warning.
REDIS_URL = env.str("REDIS_URL", default=None)
USAGE_PLAN_KEY_PREFIX = env.str("USAGE_PLAN_KEY_PREFIX", default="bigtree:usage:")
# When Redis is unreachable: "local" (per-process limits), "open" (no limits) or "closed" (503).
USAGE_PLAN_ON_REDIS_ERROR = env.str("USAGE_PLAN_ON_REDIS_ERROR", default="local")
# Seconds; kept short so a slow Redis costs little before the outage policy applies.
USAGE_PLAN_REDIS_TIMEOUT = env.float("USAGE_PLAN_REDIS_TIMEOUT", default=0.25)
USAGE_PLAN_REDIS_RETRY_SECONDS = env.float("USAGE_PLAN_REDIS_RETRY_SECONDS", default=5.0)

SPECTACULAR_SETTINGS = {
    "TITLE": "Bigtree Assist API",
    "DESCRIPTION": (
        "Travel-assistance platform API for partner systems (KOM, MOK). Errors are RFC 9457 problem details "
        "(`application/problem+json`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # The docs page loads Swagger UI from our own static files (drf-spectacular-sidecar, pinned in
    # requirements/base.txt), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents the problem-details errors the shared API machinery can answer.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.openapi.document_error_responses",
        "apps.core.openapi.document_contract",
    ],
}

# --- Celery on Amazon SQS ------------------------------------------------------------------------
# Broker `sqs://` in production: credentials come from the ECS task role, so no keys appear here.
# Locally there is no broker and tasks run eagerly (same code path, run in-process).

AWS_REGION = env.str("AWS_REGION", default="us-east-2")
# An AWS stand-in (moto, LocalStack) instead of AWS's own endpoints: never in a deployment, so only
# the local and test settings read AWS_ENDPOINT_URL. Empty: boto3 picks the endpoint (and still
# honours the variable itself where a client is built without this setting).
AWS_ENDPOINT_URL = ""
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://localhost/")


def broker_transport(url: str) -> str | None:
    """kombu's SQS transport without busy polling and with batched deletes (apps/core/sqs.py)."""
    return "apps.core.sqs:Transport" if url.startswith("sqs://") else None


CELERY_BROKER_TRANSPORT = broker_transport(CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None

# Queues are named per environment (terraform creates them with their dead-letter queues).
SQS_QUEUE_PREFIX = env.str("SQS_QUEUE_PREFIX", default="bigtree-assist-local-")
# e.g. https://sqs.us-east-2.amazonaws.com/123456789012/ — when set, the queues are "predefined":
# the worker never lists or creates queues, so its IAM role needs no sqs:CreateQueue/ListQueues.
SQS_QUEUE_URL_BASE = env.str("SQS_QUEUE_URL_BASE", default="")
CELERY_AUDIT_QUEUE = f"{SQS_QUEUE_PREFIX}audit-logger"
CELERY_TRACKING_QUEUE = f"{SQS_QUEUE_PREFIX}tracking"
CELERY_TASK_DEFAULT_QUEUE = f"{SQS_QUEUE_PREFIX}default"
CELERY_WORKER_QUEUES = [CELERY_AUDIT_QUEUE, CELERY_TRACKING_QUEUE, CELERY_TASK_DEFAULT_QUEUE]
# The audit queue is read in batches by a consumer step of the worker (apps/audit/consumer.py), on
# a channel of its own; Celery's task consumer (`celery worker -Q`) reads the other queues. Off:
# the task consumer reads the audit queue too, one task per message.
AUDIT_BATCH_CONSUMER = env.bool("AUDIT_BATCH_CONSUMER", default=True)
CELERY_WORKER_TASK_QUEUES = [q for q in CELERY_WORKER_QUEUES if not (AUDIT_BATCH_CONSUMER and q == CELERY_AUDIT_QUEUE)]
CELERY_TASK_ROUTES = {
    "audit.write_entry": {"queue": CELERY_AUDIT_QUEUE},
    "tracking.deliver": {"queue": CELERY_TRACKING_QUEUE},
}

# The SQS visibility timeout (300 s, as in the seed): a received message that is not deleted within
# it is delivered again. Every time limit, countdown and retry delay must stay below it, or a task
# still running would be handed to a second worker (the `celery_timing` system check enforces this).
SQS_VISIBILITY_TIMEOUT = env.int("SQS_VISIBILITY_TIMEOUT", default=300)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "region": AWS_REGION,
    "visibility_timeout": SQS_VISIBILITY_TIMEOUT,
    "wait_time_seconds": 20,  # long polling: fewer empty receives, lower cost
    # kombu sleeps this long between receives even while messages are waiting (measured: 1 s gave
    # 4 audit rows/s and 10 s latency). Long polling already waits on an empty queue, so: no sleep.
    "polling_interval": 0,
    # botocore's defaults (60 s timeouts, legacy retries) could hold a request or a shutdown for
    # minutes on a degraded network; the read timeout must exceed the long-polling wait.
    "client-config": {"connect_timeout": 5, "read_timeout": 30, "retries": {"mode": "standard", "max_attempts": 3}},
}
if SQS_QUEUE_URL_BASE:
    CELERY_BROKER_TRANSPORT_OPTIONS["predefined_queues"] = {
        name: {"url": SQS_QUEUE_URL_BASE + name} for name in CELERY_WORKER_QUEUES
    }

# At-least-once: a message is deleted only after its task finished. A task that fails is rejected
# without being deleted, so SQS delivers it again and, after the queue's maxReceiveCount, moves it to
# the dead-letter queue; a worker killed mid-task leaves its message to be redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = False
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Prefork (hard time limits need it), 4 children: 517 MB RSS summed over the 5 processes, 311 MB
# PSS; with the audit batch consumer, 226 audit rows/s against moto on a 2-core machine, 0.75× a
# bare boto3 receive/batch-delete loop (bench/audit_pipeline.py). Celery's default (the CPU count)
# would read the host's CPUs on Fargate.
CELERY_WORKER_CONCURRENCY = 4
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
CELERY_TASK_DEFAULT_RETRY_DELAY = 30
# ECS stops a task with SIGTERM, then SIGKILL after the stop timeout (30 s in terraform). Soft
# shutdown lets running tasks finish for this long; whatever is still running is redelivered.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=20.0)
# No ETA tasks here, so an idle worker has nothing to wait for and exits at once.
CELERY_WORKER_ENABLE_SOFT_SHUTDOWN_ON_IDLE = False
# SQS has no broadcast: remote control and events would need extra queues nobody reads.
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Malformed messages are rejected (not acked) so they reach the dead-letter queue, with their id logged.
CELERY_WORKER_CONSUMER = "apps.core.celery:Consumer"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Long waits are periodic scans of timestamps, never long ETAs (SQS visibility timeout is 5 minutes).
CELERY_BEAT_SCHEDULE = {
    "revert-due-status-switches": {"task": "assistances.revert_due_switches", "schedule": 60.0},
    "flag-sla-breaches": {"task": "assistances.flag_sla_breaches", "schedule": 60.0},
    # Dispatch: offers expire and cascade within a minute of their time; late arrivals are flagged.
    "expire-offers": {"task": "assistances.expire_offers", "schedule": 30.0},
    "flag-eta-breaches": {"task": "assistances.flag_eta_breaches", "schedule": 60.0},
    # The search's reliability ranking reads these figures (last 90 days of offers), rewritten hourly.
    "refresh-provider-reliability": {"task": "assistances.refresh_provider_reliability", "schedule": 3600.0},
    "expire-drafts": {"task": "assistances.expire_drafts", "schedule": 3600.0},
    "sweep-audit-outbox": {"task": "audit.sweep_outbox", "schedule": 60.0},
    "dispatch-due-tracking": {"task": "tracking.dispatch_due", "schedule": 30.0},
    # Does nothing unless EXCHANGE_RATES_URL is set; upserting the same rates again changes nothing.
    "fetch-exchange-rates": {"task": "masters.fetch_exchange_rates", "schedule": 6 * 3600.0},
    "remind-unanswered-guarantees": {"task": "guarantees.remind_unanswered", "schedule": 300.0},
    "expire-guarantees": {"task": "guarantees.expire", "schedule": 3600.0},
    # Last month's bordereau of every active source, once missing (so on the 1st), one task per source;
    # also retries the partners' notices that failed.
    "generate-bordereaux": {"task": "claims.generate_bordereaux", "schedule": 3600.0},
}

# Audit batches: at most one ReceiveMessage each (SQS returns at most 10); two batches in flight,
# so the next receive overlaps the store of the previous one; a time limit per batch (soft at 80 %,
# then hard). A batch may first wait for a free pool process, at most CELERY_TASK_TIME_LIMIT: both
# together stay below the visibility timeout, which the celery_timing check enforces.
AUDIT_BATCH_SIZE = 10
AUDIT_BATCH_PREFETCH = 2 * AUDIT_BATCH_SIZE
AUDIT_BATCH_TIME_LIMIT = 30.0

# Audit outbox: entries not confirmed by the worker after this long are published again.
AUDIT_OUTBOX_REPUBLISH_AFTER_SECONDS = env.int("AUDIT_OUTBOX_REPUBLISH_AFTER_SECONDS", default=120)
# Publishing happens after the response's transaction committed: keep the wait for a broken broker
# short (the outbox keeps the entry and the sweeper sends it later).
AUDIT_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}

# --- MOK tracking delivery ------------------------------------------------------------------------
# The endpoint is configuration, never request data. Empty: delivery is off (messages stay pending).
MOK_TRACKING_URL = env.str("MOK_TRACKING_URL", default="")
MOK_TRACKING_SECRET = env.str("MOK_TRACKING_SECRET", default="")
MOK_TRACKING_TIMEOUT_SECONDS = env.float("MOK_TRACKING_TIMEOUT_SECONDS", default=10.0)

# Exchange rates: a CSV (apps/masters/exchange_rates.py's format) fetched by a periodic job; empty = off.
EXCHANGE_RATES_URL = env.str("EXCHANGE_RATES_URL", default="")
EXCHANGE_RATES_TIMEOUT_SECONDS = env.float("EXCHANGE_RATES_TIMEOUT_SECONDS", default=30.0)
TRACKING_MAX_ATTEMPTS = env.int("TRACKING_MAX_ATTEMPTS", default=8)
TRACKING_RETRY_BASE_SECONDS = env.float("TRACKING_RETRY_BASE_SECONDS", default=15.0)
TRACKING_RETRY_MAX_SECONDS = env.float("TRACKING_RETRY_MAX_SECONDS", default=240.0)
SNS_NOTIFICATION_TOPIC_ARN = env.str("SNS_NOTIFICATION_TOPIC_ARN", default="")

# --- Guarantees of payment: e-mail, the provider's link, the verification page -------------------------
# The absolute base of links that leave the application (the letter's verification URL and QR code,
# the provider's answer link in e-mails sent by API requests and by the worker alike): from settings,
# never from a request's Host header, so a letter generated once carries the same URL wherever it
# was generated. Production requires it.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Django's e-mail API: each environment picks its backend (local: files under var/mail/; tests:
# locmem; production: Amazon SES through django-ses, with the task role's credentials).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Bigtree Assist <gop@localhost>")
# A hung mail server must not hold a request (or the guarantee's row lock) for long.
EMAIL_TIMEOUT = 15
# A letter sent and not answered after this many minutes is sent again once (the beat job).
GOP_REMINDER_AFTER_MINUTES = env.int("GOP_REMINDER_AFTER_MINUTES", default=60)
# Requests per minute per client address on /verify/ and /gop/ (a burst of this many, then refilled
# evenly): a hospital checks a few letters; a code guesser gets nowhere (codes carry ~59 bits).
GOP_PUBLIC_PAGES_PER_MINUTE = 30
# Our own generated PDFs: the shared file layer's size check still applies.
GUARANTEE_LETTER_MAX_BYTES = 5 * 1024 * 1024
# A provider's bill (PDF), entered in the console or uploaded through the provider's link.
# A fixed limit, like the letters' and bordereaux': not something a deployment tunes.
BILL_FILE_MAX_BYTES = 15 * 1024 * 1024
# The monthly claims report's files (100,000 cases make a CSV of about 20 MB).
BORDEREAU_MAX_BYTES = 200 * 1024 * 1024

# --- Dispatch: the provider's job link (/job/<token>) ---------------------------------------------
# Requests per minute per client address on the provider's job link (a burst, then refilled evenly).
DISPATCH_LINK_PAGES_PER_MINUTE = 30
# A proof of service sent through the link (a photo or a signed PDF).
ASSIGNMENT_PROOF_MAX_BYTES = 10 * 1024 * 1024

# --- Logging: one JSON object per line, with the request id -------------------------------------

LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="json")


def build_logging(log_format: str, level: str) -> dict:
    formatters = {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC
        },
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "apps.core.logging.RequestIdFilter"}},
        "formatters": formatters,
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            "botocore": {"level": "WARNING"},
            "urllib3": {"level": "WARNING"},
        },
    }


LOGGING = build_logging(LOG_FORMAT, LOG_LEVEL)
