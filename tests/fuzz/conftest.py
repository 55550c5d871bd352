"""Fixtures of the schema fuzzing: a partner with every scope and a plan too large to throttle,
its real token (the loopback JWKS of tests/clients), and a few rows of each resource (the summary of
what the fuzzer sent is tests/fuzz/report.py)."""

import pytest
from django.test import Client
from django.utils.crypto import get_random_string

from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP
from apps.clients.models import ApiClient
from apps.clients.scopes import ALL_SCOPES
from tests.aws.server import FAKE_CREDENTIALS
from tests.clients import conftest as client_fixtures
from tests.clients.factories import make_partner

# The partner-token fixtures of tests/clients (a JWKS server on loopback, real API keys).
signing_keys = client_fixtures.signing_keys
jwks_server = client_fixtures.jwks_server
issuer = client_fixtures.issuer
token_for = client_fixtures.token_for


@pytest.fixture
def fuzz_partner(db):
    """A KOM partner with read and write on both resource servers. Its usage plan is far above what
    the run sends, so a 429 would be a real finding rather than the fuzzer's own pace."""
    return make_partner(
        source="KOM",
        name="Fuzz partner",
        scopes=ALL_SCOPES,
        rate_per_second=1_000_000.0,
        burst=1_000_000,
        monthly_quota=2_000_000_000,
    )


@pytest.fixture
def fuzz_headers(fuzz_partner, token_for) -> dict[str, str]:
    assert ApiClient.objects.get(pk=fuzz_partner.client.pk).burst == 1_000_000
    token = token_for(fuzz_partner, scopes=ALL_SCOPES, lifetime=3 * 3600)
    return {"Authorization": f"Bearer {token}", "x-api-key": fuzz_partner.key}


@pytest.fixture
def mok_headers(db, token_for) -> dict[str, str]:
    """Partner MOK, the only source that may send issuances, with the same generous plan."""
    partner = make_partner(
        source="MOK",
        name="Fuzz MOK",
        scopes=ALL_SCOPES,
        rate_per_second=1_000_000.0,
        burst=1_000_000,
        monthly_quota=2_000_000_000,
    )
    token = token_for(partner, scopes=ALL_SCOPES, lifetime=3 * 3600)
    return {"Authorization": f"Bearer {token}", "x-api-key": partner.key}


@pytest.fixture
def fuzz_cognito_pool(aws, settings, monkeypatch):
    """A small operator pool in moto's Cognito, so GET /v1/users answers pages (checked too)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    idp = aws.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="fuzz")["UserPool"]["Id"]
    for group in (ADMIN_GROUP, TMO_GROUP):
        idp.create_group(UserPoolId=pool_id, GroupName=group)
    for n in range(5):
        username = f"operator{n}"
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": f"{username}@bigtree.test"}],
        )
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=(ADMIN_GROUP, TMO_GROUP)[n % 2])
    settings.COGNITO_USER_POOL_ID = pool_id
    settings.AWS_REGION = FAKE_CREDENTIALS["AWS_DEFAULT_REGION"]
    return pool_id


@pytest.fixture
def operator_session(admin_user, settings) -> dict[str, dict[str, str]]:
    """An assistances-admin operator's browser session: its cookie and a CSRF token (double submit),
    so the writes that partners may not do (providers, vouchers...) are fuzzed as well."""
    browser = Client()
    browser.force_login(admin_user)
    csrf = get_random_string(32)
    return {
        "headers": {"X-CSRFToken": csrf},
        "cookies": {
            settings.SESSION_COOKIE_NAME: browser.cookies[settings.SESSION_COOKIE_NAME].value,
            settings.CSRF_COOKIE_NAME: csrf,
        },
    }
