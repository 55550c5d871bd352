"""Local default (`make run`): no external services. SQLite and files under the ignored var/."""

from config.env import BASE_DIR, env

from .base import *  # noqa: F403
from .base import build_logging, local_storages

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A throwaway key is acceptable only here: local data is disposable and never served publicly.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="local-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
STORAGES = local_storages(VAR_DIR / "media")
# Guarantee e-mails are written as .log files under var/mail/ (one per message, attachments included).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"

# Without a broker, Celery runs tasks in-process: the same code path, no queue.
# The AWS stand-in the tests and local work may point at (see base.py).
AWS_ENDPOINT_URL = env.str("AWS_ENDPOINT_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)

# HTTP Basic on the API is a local convenience for the demo operators; partners' tokens work as everywhere.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.clients.authentication.CognitoAccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
}

# Partner API without Cognito: `manage.py mint_local_token` signs access tokens with a key pair kept
# in var/ (never committed), whose JWKS this server publishes at /local-cognito/.well-known/jwks.json;
# the API verifies them like Cognito's. Serving on another host or port: set COGNITO_ISSUER to match.
LOCAL_TOKEN_KEY_PATH = VAR_DIR / "local-token-key.pem"
COGNITO_ISSUER = env.str("COGNITO_ISSUER", default="http://127.0.0.1:8000/local-cognito")
# The operators' front end, locally: `mint_local_token --operator EMAIL` signs a user access token of this
# app client for a demo operator, which the API takes as that operator (as the seed's browser front end).
COGNITO_FRONTEND_CLIENT_IDS = env.list("COGNITO_FRONTEND_CLIENT_IDS", default=["local-console"])

LOGGING = build_logging(env.str("DJANGO_LOG_FORMAT", default="text"), env.str("DJANGO_LOG_LEVEL", default="INFO"))

# WhiteNoise warns at start-up when the collected-static folder is missing.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Operator sign-in: the password form stays on locally; OIDC is offered too once a provider is set
# (COGNITO_DOMAIN + COGNITO_USER_POOL_ID, or the OIDC_OP_* endpoints, and the client id/secret).
ADMIN_PASSWORD_LOGIN = env.bool("ADMIN_PASSWORD_LOGIN", default=True)
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
