"""Project-wide guarantees: settings per environment, the schema, the demo bootstrap."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 64 + "-a-long-random-value-for-the-check-only",
    "DJANGO_ALLOWED_HOSTS": "assist.example.com",
    "DATABASE_HOST": "db.internal",
    "DATABASE_NAME": "bigtree",
    "DATABASE_USER": "bigtree",
    "DATABASE_PASSWORD": "unused-in-this-check",
    "S3_FILE_BUCKET": "file",
    "S3_DATASOURCE_BUCKET": "datasourcemaster",
    "S3_ASSISTS_BUCKET": "assists",
    "S3_ISSUANCE_BUCKET": "issuance-mok-docs",
    "COGNITO_DOMAIN": "https://auth.assist.example.com",
    "COGNITO_USER_POOL_ID": "us-east-2_Example1",
    "OIDC_RP_CLIENT_ID": "example-admin-client",
    "OIDC_RP_CLIENT_SECRET": "unused-in-this-check",
    "SQS_QUEUE_URL_BASE": "https://sqs.us-east-2.amazonaws.com/123456789012/",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "PUBLIC_BASE_URL": "https://assist.example.com",
    "DEFAULT_FROM_EMAIL": "Bigtree Assist <gop@assist.example.com>",
}


def _manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "S3_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_the_deploy_check():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        "DJANGO_SECRET_KEY",
        "DATABASE_PASSWORD",
        "DJANGO_ALLOWED_HOSTS",
        "SQS_QUEUE_URL_BASE",
        "REDIS_URL",
        "PUBLIC_BASE_URL",
        "DEFAULT_FROM_EMAIL",
    ],
)
def test_production_has_no_default_for_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_debug_is_off_and_cookies_secure():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER[0],"
        " s.STORAGES['assists']['BACKEND'])"
    )
    result = _manage("shell", "--verbosity", "0", "-c", code, env=PRODUCTION_ENV)
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "HTTP_X_FORWARDED_PROTO",
        "storages.backends.s3.S3Storage",
    ]


@pytest.mark.django_db
def test_schema_is_public_and_describes_the_catalog_paths(client):
    response = client.get("/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = set(schema["paths"])
    assert {
        "/v1/masters/categories",
        "/v1/masters/event-statuses",
        "/v1/masters/eventprovider-statuses",
        "/v1/masters/voucher-statuses",
        "/v1/masters/countries",
        "/v1/masters/countries/{iso2}/cities",
    } <= paths
    assert client.get("/v1/docs/").status_code == 200


@pytest.mark.django_db
def test_bootstrap_demo_is_refused_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="local development only"):
        call_command("bootstrap_demo")


@pytest.mark.django_db
def test_bootstrap_demo_creates_working_accounts(settings, capsys, client):
    settings.DEBUG = True
    call_command("bootstrap_demo")
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "operator@bigtree.local" in line)
    password = line.split("password:")[1].strip()
    assert client.login(username="operator@bigtree.local", password=password)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"MOK_TRACKING_URL": "http://mok.example.com/t", "MOK_TRACKING_SECRET": "s"}, "https://"),
        ({"MOK_TRACKING_URL": "https://mok.example.com/t"}, "MOK_TRACKING_SECRET"),
    ],
)
def test_production_mok_delivery_is_signed_and_over_tls(extra, message):
    result = _manage("check", env={**PRODUCTION_ENV, **extra})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_queues_are_predefined():
    code = (
        "from django.conf import settings as s;"
        "print(sorted(s.CELERY_BROKER_TRANSPORT_OPTIONS['predefined_queues'].items())[0])"
    )
    result = _manage("shell", "-c", code, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "https://sqs.us-east-2.amazonaws.com/123456789012/bigtree-assist-local-audit-logger" in result.stdout


def test_api_docs_load_nothing_from_outside_the_server(client):
    """/v1/docs/ works without internet: every script, stylesheet and icon is one of our static files."""
    import re

    from django.conf import settings
    from django.contrib.staticfiles import finders

    page = client.get("/v1/docs/").content.decode()
    references = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
    assets = [ref for ref in references if not ref.startswith(("#", "/v1/"))]
    assert assets, "the page loads Swagger UI from somewhere"
    assert not [ref for ref in references if "//" in ref.split("?")[0]], "nothing from another host"
    for ref in assets:
        assert ref.startswith(settings.STATIC_URL), ref
        assert finders.find(ref.removeprefix(settings.STATIC_URL).split("?")[0]), f"{ref} is not a static file"


def test_apps_respect_the_layers():
    """No app imports a module of an app above it except through that app's services or selectors
    (README, Layout; the contract is in pyproject.toml). The output names each broken import."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    print(result.stdout, result.stderr)  # noqa: T201 - shown when the test fails, and with -s
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_links_are_https():
    result = _manage("check", env={**PRODUCTION_ENV, "PUBLIC_BASE_URL": "http://assist.example.com"})
    assert result.returncode != 0
    assert "PUBLIC_BASE_URL" in result.stderr
