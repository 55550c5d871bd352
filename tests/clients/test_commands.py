"""create_api_client and mint_local_token, and the README's local flow end to end over HTTP."""

import hashlib
import json
import re
import stat
import urllib.error
import urllib.request

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from apps.accounts.models import User
from apps.accounts.roles import ADMIN_GROUP
from apps.clients.jwks import clear_key_sets
from apps.clients.models import ApiClient, ApiKey
from tests.accounts.factories import UserFactory
from tests.clients.support import KOM_READ, READ, WRITE

CLIENT_ID = "4vk1kkrqcsdg0v8e2f6ok9m1u3"


def _create(capsys, *extra) -> str:
    call_command(
        "create_api_client", "--name", "KOM demo", "--source", "KOM", "--client-id", CLIENT_ID, "--scopes", *extra
    )
    return capsys.readouterr().out.strip().splitlines()[-1]


@pytest.mark.django_db
def test_create_api_client_prints_a_working_key_once(capsys):
    key = _create(capsys, READ, f"{WRITE},{KOM_READ}")
    client = ApiClient.objects.get(cognito_client_id=CLIENT_ID)
    assert client.source_code == "KOM" and client.allowed_scopes == sorted([READ, WRITE, KOM_READ])
    assert ApiKey.objects.get(client=client).key_hash == hashlib.sha256(key.encode()).hexdigest()


@pytest.mark.django_db
@pytest.mark.parametrize("scopes", [["assistances-services/read"], ["admin"]])
def test_create_api_client_refuses_unknown_scopes(capsys, scopes):
    with pytest.raises(CommandError, match=re.escape(scopes[0])):  # the message names the bad scope
        _create(capsys, *scopes)
    assert not ApiClient.objects.exists()


@pytest.mark.django_db
def test_create_api_client_sets_the_usage_plan_it_is_given(capsys):
    _create(capsys, READ, "--rate", "500", "--burst", "1000", "--monthly-quota", "50000000")
    client = ApiClient.objects.get(cognito_client_id=CLIENT_ID)
    assert (client.rate_per_second, client.burst, client.monthly_quota) == (500.0, 1000, 50_000_000)
    with pytest.raises(CommandError, match="burst"):
        call_command(
            "create_api_client",
            "--name",
            "x",
            "--source",
            "MOK",
            "--client-id",
            "other",
            "--scopes",
            READ,
            "--burst",
            "0",
        )


@pytest.mark.django_db
def test_create_api_client_refuses_a_taken_client_id(capsys):
    _create(capsys, READ)
    with pytest.raises(CommandError, match="cognito_client_id"):
        call_command("create_api_client", "--name", "x", "--source", "MOK", "--client-id", CLIENT_ID, "--scopes", READ)


@pytest.mark.django_db
def test_mint_local_token_is_refused_outside_the_local_settings(capsys):
    _create(capsys, READ)
    with pytest.raises(CommandError, match="local settings"):
        call_command("mint_local_token", "--client-id", CLIENT_ID)


def test_the_local_jwks_route_does_not_exist_outside_the_local_settings(client):
    assert client.get("/local-cognito/.well-known/jwks.json").status_code == 404


@pytest.fixture
def local_issuer(settings, tmp_path, live_server):
    settings.DEBUG = True
    settings.LOCAL_TOKEN_KEY_PATH = tmp_path / "var" / "local-token-key.pem"
    settings.COGNITO_ISSUER = f"{live_server.url}/local-cognito"
    settings.COGNITO_JWKS_URL = ""
    clear_key_sets()
    yield live_server
    clear_key_sets()


def _get(url: str, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback test server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.urls("tests.clients.local_issuer_urls")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_readme_flow_create_a_client_mint_a_token_call_the_api(local_issuer, capsys, settings):
    """What README "Trying the API as a partner" shows, against a real HTTP server: the API fetches the
    local issuer's JWKS from that same server and verifies the minted token like a Cognito one."""
    key = _create(capsys, READ, WRITE)
    call_command("mint_local_token", "--client-id", CLIENT_ID)
    token = capsys.readouterr().out.strip()
    assert token.count(".") == 2

    status, jwks = _get(f"{local_issuer.url}/local-cognito/.well-known/jwks.json")
    assert status == 200 and len(jwks["keys"]) == 1
    assert {"kid", "n", "e", "kty"} <= set(jwks["keys"][0]) and "d" not in jwks["keys"][0]  # public half only
    # The private key stays on disk, readable by its owner only.
    assert stat.S_IMODE(settings.LOCAL_TOKEN_KEY_PATH.stat().st_mode) == 0o600

    headers = {"Authorization": f"Bearer {token}", "x-api-key": key}
    status, body = _get(f"{local_issuer.url}/v1/masters/categories", headers)
    assert status == 200 and body["results"], body
    status, body = _get(f"{local_issuer.url}/v1/assistances/events", headers)
    assert status == 200 and body["results"] == []
    status, body = _get(f"{local_issuer.url}/v1/masters/categories", {"Authorization": f"Bearer {token}"})
    assert status == 401 and body["code"] == "api_key_required"

    # A token minted with fewer scopes gets no more than it asked for.
    call_command("mint_local_token", "--client-id", CLIENT_ID, "--scopes", WRITE)
    write_only = capsys.readouterr().out.strip()
    status, body = _get(
        f"{local_issuer.url}/v1/masters/categories", {**headers, "Authorization": f"Bearer {write_only}"}
    )
    assert status == 403 and body["code"] == "insufficient_scope"

    with pytest.raises(CommandError, match="No API client"):
        call_command("mint_local_token", "--client-id", "nobody")


@pytest.mark.urls("tests.clients.local_issuer_urls")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_mint_local_token_for_an_operator_signs_a_front_end_user_token(local_issuer, capsys, settings):
    """README "Fuzzing the contract": an operator's token, as the console's front end sends it (no API key,
    the operator's groups), so tools that send an Authorization header (schemathesis) act as that operator."""
    settings.COGNITO_FRONTEND_CLIENT_IDS = ["local-console"]
    admin = UserFactory(is_staff=True, email="admin@bigtree.test")
    admin.groups.add(Group.objects.get(name=ADMIN_GROUP))
    call_command("mint_local_token", "--operator", "ADMIN@bigtree.test")
    token = capsys.readouterr().out.strip()
    assert token.count(".") == 2
    assert User.objects.get(pk=admin.pk).cognito_sub == f"local-{admin.pk}"  # linked, as a first sign-in does

    status, body = _get(f"{local_issuer.url}/v1/assistances/events/draft", {"Authorization": f"Bearer {token}"})
    assert status == 200 and "results" in body, body  # drafts are for operators only

    UserFactory(email="nobody@bigtree.test")
    with pytest.raises(CommandError, match="no operator group"):
        call_command("mint_local_token", "--operator", "nobody@bigtree.test")
    with pytest.raises(CommandError, match="No active user"):
        call_command("mint_local_token", "--operator", "ghost@bigtree.test")
    settings.COGNITO_FRONTEND_CLIENT_IDS = []
    with pytest.raises(CommandError, match="COGNITO_FRONTEND_CLIENT_IDS"):
        call_command("mint_local_token", "--operator", "admin@bigtree.test")
