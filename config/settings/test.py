"""Test settings: MySQL protocol (MariaDB on 127.0.0.1:3306), like production."""

from config.env import BASE_DIR, env

from .base import *  # noqa: F403
from .base import MYSQL_OPTIONS, local_storages

DEBUG = False
SECRET_KEY = "test-only-key-not-secret"  # noqa: S105 - the test database is throwaway  # nosec B105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

_db = env.db("TEST_DATABASE_URL", default="mysql://root@127.0.0.1:3306/bigtree")
if _db["ENGINE"] == "django.db.backends.mysql":
    _db["OPTIONS"] = {**MYSQL_OPTIONS, **_db.get("OPTIONS", {})}
    _db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
# (The geo search is also run on SQLite by `make test`, since `make run` uses SQLite.)
DATABASES = {"default": _db}

STORAGES = local_storages(BASE_DIR / "var" / "test-media")

# The AWS stand-in the tests and local work may point at (see base.py).
AWS_ENDPOINT_URL = env.str("AWS_ENDPOINT_URL", default="")
# Django's test runner and pytest-django switch to locmem anyway; said here so nothing else is ever used.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PUBLIC_BASE_URL = "http://testserver"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In-process tasks run eagerly; the worker processes of the integration tests set this to false.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)

# WhiteNoise warns at start-up when the collected-static folder is missing.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Short SQS timings so the tests with real workers run in seconds (production keeps 300 s). The
# worker processes the tests start read these same settings.
SQS_VISIBILITY_TIMEOUT = 4
CELERY_TASK_SOFT_TIME_LIMIT = 2.5
CELERY_TASK_TIME_LIMIT = 3
CELERY_TASK_DEFAULT_RETRY_DELAY = 1
AUDIT_BATCH_TIME_LIMIT = 0.9  # with CELERY_TASK_TIME_LIMIT, below the visibility timeout
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=3.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": SQS_VISIBILITY_TIMEOUT,
    "wait_time_seconds": 1,
    "polling_interval": 0,
    "is_secure": False,  # moto's server on loopback speaks plain HTTP
    "client-config": {"connect_timeout": 1, "read_timeout": 5, "retries": {"mode": "standard", "max_attempts": 2}},
}
AUDIT_OUTBOX_REPUBLISH_AFTER_SECONDS = 2
MOK_TRACKING_TIMEOUT_SECONDS = 1.0
TRACKING_RETRY_BASE_SECONDS = 0.5
TRACKING_RETRY_MAX_SECONDS = 2.0

# Operator sign-in: password login on (fixtures log in with it); the end-to-end tests point OIDC at
# the oidc-provider they start on loopback, with a client secret generated per run.
ADMIN_PASSWORD_LOGIN = True
OIDC_RP_CLIENT_SECRET = ""  # nosec B105  # empty: no identity provider unless a test sets one
