"""OIDC settings per environment: Cognito endpoints derived from the domain and pool, no secret defaults."""

import json
import os

import pytest

from tests.test_project import PRODUCTION_ENV, _manage

PRINT_OIDC = (
    "import json; from django.conf import settings as s;"
    "print(json.dumps({n: getattr(s, n) for n in ("
    "'OIDC_OP_AUTHORIZATION_ENDPOINT', 'OIDC_OP_TOKEN_ENDPOINT', 'OIDC_OP_USER_ENDPOINT',"
    "'OIDC_OP_LOGOUT_ENDPOINT', 'OIDC_OP_JWKS_ENDPOINT', 'OIDC_OP_ISSUER', 'OIDC_RP_SIGN_ALGO',"
    "'OIDC_USE_PKCE', 'OIDC_USE_NONCE', 'OIDC_RP_SCOPES', 'ADMIN_PASSWORD_LOGIN')}))"
)


@pytest.fixture(autouse=True)
def _no_outer_oidc_environment(monkeypatch):
    # The subprocess inherits this process's environment; only the variables under test may count.
    for name in [name for name in os.environ if name.startswith(("OIDC_", "COGNITO_", "ADMIN_PASSWORD_LOGIN"))]:
        monkeypatch.delenv(name)


def _oidc_settings(env: dict) -> dict:
    result = _manage("shell", "--verbosity", "0", "-c", PRINT_OIDC, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_derives_cognito_endpoints_and_turns_password_login_off():
    env = {**PRODUCTION_ENV, "AWS_REGION": "us-east-2", "COGNITO_DOMAIN": "https://login.assist.example.com/"}

    oidc = _oidc_settings(env)

    issuer = f"https://cognito-idp.us-east-2.amazonaws.com/{PRODUCTION_ENV['COGNITO_USER_POOL_ID']}"
    assert oidc == {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.assist.example.com/oauth2/authorize",
        "OIDC_OP_TOKEN_ENDPOINT": "https://login.assist.example.com/oauth2/token",
        "OIDC_OP_USER_ENDPOINT": "https://login.assist.example.com/oauth2/userInfo",
        "OIDC_OP_LOGOUT_ENDPOINT": "https://login.assist.example.com/logout",
        "OIDC_OP_JWKS_ENDPOINT": f"{issuer}/.well-known/jwks.json",
        "OIDC_OP_ISSUER": issuer,
        "OIDC_RP_SIGN_ALGO": "RS256",
        "OIDC_USE_PKCE": True,
        "OIDC_USE_NONCE": True,
        "OIDC_RP_SCOPES": "openid email profile",
        "ADMIN_PASSWORD_LOGIN": False,
    }


@pytest.mark.parametrize("missing", ["OIDC_RP_CLIENT_SECRET", "OIDC_RP_CLIENT_ID", "COGNITO_DOMAIN"])
def test_production_requires_the_cognito_client(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}

    result = _manage("shell", "--verbosity", "0", "-c", "from django.conf import settings; settings.DEBUG", env=env)

    assert result.returncode != 0
    assert missing in result.stderr
