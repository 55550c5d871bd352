"""Test settings: MySQL protocol (MariaDB on 127.0.0.1:3306), like production."""

from config.env import BASE_DIR, env

from .base import *  # noqa: F403
from .base import MYSQL_OPTIONS, local_storages

DEBUG = False
SECRET_KEY = "test-only-key-not-secret"  # noqa: S105 - the test database is throwaway
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

_db = env.db("TEST_DATABASE_URL", default="mysql://root@127.0.0.1:3306/bigtree")
if _db["ENGINE"] == "django.db.backends.mysql":
    _db["OPTIONS"] = {**MYSQL_OPTIONS, **_db.get("OPTIONS", {})}
    _db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
# (The geo search is also run on SQLite by `make test`, since `make run` uses SQLite.)
DATABASES = {"default": _db}

STORAGES = local_storages(BASE_DIR / "var" / "test-media")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True

# WhiteNoise warns at start-up when the collected-static folder is missing.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
