"""Cognito access token + API key: every refusal is the right 401/403 in the problem shape, never a 500."""

import base64
import hashlib
import hmac
import json
import logging
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from apps.clients import services
from apps.clients.authentication import ApiClientPrincipal, ClientCredentials, CognitoAccessTokenAuthentication
from apps.clients.models import ApiKey
from tests.clients.factories import make_partner
from tests.clients.support import READ, WRITE, access_claims, sign
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

CATALOG = "/v1/masters/categories"
EVENTS = "/v1/assistances/events"


def _call(token: str | None = None, key: str | None = None, *, path: str = CATALOG, method: str = "get", **extra):
    client = APIClient()
    headers = {}
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if key is not None:
        headers["HTTP_X_API_KEY"] = key
    return getattr(client, method)(path, format="json", **headers, **extra)


def _unauthorized(response, code: str) -> dict:
    body = assert_problem(response, 401, code)
    assert response["WWW-Authenticate"].startswith('Bearer realm="api"')
    return body


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# --- the happy path ----------------------------------------------------------------------------------------


def test_token_and_key_of_the_same_client_reach_the_api(kom, token_for):
    response = _call(token_for(kom, scopes=[READ]), kom.key)
    assert response.status_code == 200, response.content


def test_the_authenticated_caller_and_its_credentials(kom, token_for):
    kom.client.rate_per_second, kom.client.burst, kom.client.monthly_quota = 2.5, 7, 300
    kom.client.save()
    token = token_for(kom, scopes=[READ, WRITE, "openid"])
    request = Request(APIRequestFactory().get(CATALOG, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_API_KEY=kom.key))
    user, auth = CognitoAccessTokenAuthentication().authenticate(request)

    assert isinstance(user, ApiClientPrincipal)
    assert user.is_api_client and user.is_authenticated and not user.is_anonymous and not user.is_staff
    assert user.pk == kom.client.pk and user.source_code == "KOM" and "KOM partner" in str(user)
    assert isinstance(auth, ClientCredentials)
    # Scopes the client is not allowed are dropped, even when the token carries them.
    assert auth.scopes == frozenset({READ, WRITE}) and isinstance(auth.scopes, frozenset)
    key = ApiKey.objects.get(client=kom.client)
    assert auth.api_key_id == str(key.pk)
    assert (auth.rate, auth.burst, auth.monthly_quota) == (2.5, 7, 300)
    assert isinstance(auth.rate, float) and isinstance(auth.burst, int) and isinstance(auth.monthly_quota, int)
    # Model permissions mean scopes for a client; custom permissions are never implied.
    assert user.has_perm("assistances.view_event") and user.has_perm("assistances.add_event")
    assert not user.has_perm("providers.reveal_bank_data")
    assert not user.has_perm("assistances.view_nosuchmodel")
    assert not user.has_module_perms("assistances")


def test_last_use_of_a_key_is_recorded_without_a_write_per_request(kom, token_for):
    token = token_for(kom)
    assert _call(token, kom.key).status_code == 200
    first = ApiKey.objects.get(client=kom.client).last_used_at
    assert first is not None and timezone.now() - first < timezone.timedelta(minutes=1)
    assert _call(token, kom.key).status_code == 200
    assert ApiKey.objects.get(client=kom.client).last_used_at == first


def test_authentication_costs_one_query(kom, token_for):
    token = token_for(kom)
    factory = APIRequestFactory()

    def authenticate():
        request = Request(factory.get(CATALOG, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_API_KEY=kom.key))
        return CognitoAccessTokenAuthentication().authenticate(request)

    authenticate()  # warms the key set and records the key's last use
    with CaptureQueriesContext(connection) as queries:
        user, _auth = authenticate()
    assert user.source_code == "KOM"
    assert len(queries) == 1, [q["sql"] for q in queries]


def test_operators_browser_sessions_still_reach_the_api(operator_client):
    assert operator_client.get(CATALOG).status_code == 200


# --- refusals of the token -----------------------------------------------------------------------------------


def test_no_credentials_is_a_401_with_a_bearer_challenge():
    response = APIClient().get(CATALOG)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_expired_token(kom, issuer, signing_keys):
    claims = access_claims(
        issuer=issuer, client_id=kom.client_id, exp=int(time.time()) - 120, iat=int(time.time()) - 3720
    )
    body = _unauthorized(_call(sign(claims, signing_keys["a"]), kom.key), "token_expired")
    assert body["detail"] == gettext("The access token has expired.")  # in the operators' language


def test_expiry_has_a_small_leeway_for_clock_skew(kom, issuer, signing_keys):
    claims = access_claims(issuer=issuer, client_id=kom.client_id, exp=int(time.time()) - 5)
    assert _call(sign(claims, signing_keys["a"]), kom.key).status_code == 200


def test_token_issued_in_the_future_is_refused(kom, issuer, signing_keys):
    claims = access_claims(issuer=issuer, client_id=kom.client_id, iat=int(time.time()) + 3600)
    _unauthorized(_call(sign(claims, signing_keys["a"]), kom.key), "invalid_token")


def test_wrong_issuer(kom, issuer, signing_keys):
    other = access_claims(issuer="https://cognito-idp.us-east-2.amazonaws.com/us-east-2_other", client_id=kom.client_id)
    _unauthorized(_call(sign(other, signing_keys["a"]), kom.key), "invalid_token")
    # A look-alike of the configured issuer is no better.
    prefix = access_claims(issuer=issuer + "x", client_id=kom.client_id)
    _unauthorized(_call(sign(prefix, signing_keys["a"]), kom.key), "invalid_token")


@pytest.mark.parametrize(
    "overrides",
    [
        {"token_use": "id"},  # an ID token dressed with a client_id
        {"token_use": "id", "client_id": None, "aud": "__client__"},  # an ID token as Cognito issues it
        {"token_use": None},
        {"token_use": "refresh"},
    ],
    ids=["id-with-client-id", "id-token", "no-token-use", "refresh"],
)
def test_only_access_tokens_are_accepted(kom, issuer, signing_keys, overrides):
    claims = access_claims(issuer=issuer, client_id=kom.client_id)
    for name, value in overrides.items():
        if value is None:
            claims.pop(name)
        else:
            claims[name] = kom.client_id if value == "__client__" else value
    _unauthorized(_call(sign(claims, signing_keys["a"]), kom.key), "invalid_token")


def test_required_claims(kom, issuer, signing_keys):
    for missing in ("exp", "iat", "iss", "client_id"):
        claims = access_claims(issuer=issuer, client_id=kom.client_id)
        del claims[missing]
        _unauthorized(_call(sign(claims, signing_keys["a"]), kom.key), "invalid_token")


def test_unknown_client(kom, issuer, signing_keys):
    claims = access_claims(issuer=issuer, client_id="nobody-has-this-client-id")
    _unauthorized(_call(sign(claims, signing_keys["a"]), kom.key), "invalid_token")


def test_inactive_client(kom, token_for):
    token = token_for(kom)
    services.api_client_update(instance=kom.client, data={"is_active": False})
    _unauthorized(_call(token, kom.key), "invalid_token")


def test_tampered_payload_fails_the_signature(kom, mok, token_for):
    header, _payload, signature = token_for(kom, scopes=[READ]).split(".")
    forged = access_claims(
        issuer=jwt.decode(token_for(kom), options={"verify_signature": False})["iss"],
        client_id=kom.client_id,
        scopes=[READ, WRITE],
    )
    _unauthorized(_call(f"{header}.{_b64(forged)}.{signature}", kom.key), "invalid_token")
    # A flipped bit in the signature itself.
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    _unauthorized(_call(f"{header}.{_payload}.{flipped}", kom.key), "invalid_token")


def test_signed_by_another_key_under_a_published_kid(kom, issuer, signing_keys):
    claims = access_claims(issuer=issuer, client_id=kom.client_id)
    _unauthorized(_call(sign(claims, signing_keys["b"], kid="kid-a"), kom.key), "invalid_token")


def test_alg_none_and_hmac_with_the_public_key_are_refused(kom, issuer, signing_keys):
    claims = access_claims(issuer=issuer, client_id=kom.client_id)
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'kid-a'})}.{_b64(claims)}."
    _unauthorized(_call(unsigned, kom.key), "invalid_token")
    unsigned_with_junk = f"{_b64({'alg': 'none', 'kid': 'kid-a'})}.{_b64(claims)}.c2ln"
    _unauthorized(_call(unsigned_with_junk, kom.key), "invalid_token")
    # The classic confusion: HS256 keyed with the RSA public key as published.
    public_pem = (
        signing_keys["a"]
        .private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header, body = _b64({"alg": "HS256", "typ": "JWT", "kid": "kid-a"}), _b64(claims)
    mac = hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{body}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    _unauthorized(_call(forged, kom.key), "invalid_token")


GARBAGE = [
    "garbage",
    "a.b",
    "a.b.c.d",
    "....",
    "eyJhbGciOiJSUzI1NiJ9.eyJ9.sig",
    "e30.e30.e30",  # {} . {} . {}
    _b64({"alg": "RS256"}) + "." + _b64({"a": 1}) + ".AAAA",  # no kid
    _b64({"alg": "RS256", "kid": 7}) + "." + _b64({"a": 1}) + ".AAAA",  # kid not a string
    _b64({"alg": "RS256", "kid": "k" * 5000}) + "." + _b64({"a": 1}) + ".AAAA",
    _b64({"alg": "RS256", "kid": "kid-a"}) + ".!!!!.AAAA",
    _b64({"alg": "RS256", "kid": "kid-a"}) + "." + base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("=") + ".AAAA",
    "A" * 20000,
]


@pytest.mark.parametrize("token", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_tokens_are_401_never_500(kom, issuer, token):
    body = _unauthorized(_call(token, kom.key), "invalid_token")
    assert body["detail"] == gettext("The access token is not valid.")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "bearer    ",
        "Bearer a b c",
        "Bearer x\r\nX-Injected: yes",
        "Bearer \x00\x01",
        "Bearer e30.e30.e30\nx-api-key: other",
        "Bearer ñ.ñ.ñ",
    ],
)
def test_malformed_authorization_headers_are_401(kom, issuer, header):
    response = APIClient().get(CATALOG, HTTP_AUTHORIZATION=header, HTTP_X_API_KEY=kom.key)
    assert response.status_code == 401, response.content
    assert_problem(response, 401)
    assert "X-Injected" not in response
    assert response["WWW-Authenticate"].startswith("Bearer ")


@pytest.mark.parametrize("header", ["Basic b3BlcmF0b3I6eA==", "Token abc", "Digest x", "Negotiate abc", "abc"])
def test_other_schemes_are_401_with_a_bearer_challenge(kom, issuer, header):
    response = APIClient().get(CATALOG, HTTP_AUTHORIZATION=header, HTTP_X_API_KEY=kom.key)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith('Bearer realm="api"')


def test_refusals_do_not_say_which_check_failed(kom, issuer, signing_keys):
    """Unknown client, wrong issuer, bad signature, wrong token use: one answer for all."""
    cases = [
        access_claims(issuer=issuer, client_id="unknown-client"),
        access_claims(issuer="https://example.com/evil", client_id=kom.client_id),
        access_claims(issuer=issuer, client_id=kom.client_id, token_use="id"),
    ]
    bodies = [_call(sign(claims, signing_keys["a"]), kom.key).json() for claims in cases]
    bodies.append(_call(sign(cases[0], signing_keys["b"], kid="kid-a"), kom.key).json())
    shapes = {(b["status"], b["code"], b["detail"], b["title"]) for b in bodies}
    assert len(shapes) == 1, shapes


# --- the API key ---------------------------------------------------------------------------------------------


def test_missing_api_key(kom, token_for):
    body = _unauthorized(_call(token_for(kom)), "api_key_required")
    assert "x-api-key" in body["detail"]


def test_api_key_of_another_client(kom, mok, token_for):
    _unauthorized(_call(token_for(kom), mok.key), "invalid_api_key")


@pytest.mark.parametrize(
    "key", ["bta_unknownunknownunknownunknown", "' OR 1=1 --", "x" * 5000, "bta_\r\nX-Injected: 1", "ключ"]
)
def test_unknown_or_malformed_api_key(kom, token_for, key):
    response = _call(token_for(kom), key)
    _unauthorized(response, "invalid_api_key")
    assert "X-Injected" not in response


def test_revoked_key(kom, token_for):
    token = token_for(kom)
    services.api_key_revoke(key=ApiKey.objects.get(client=kom.client))
    _unauthorized(_call(token, kom.key), "invalid_api_key")


def test_unknown_revoked_and_foreign_keys_answer_alike(kom, mok, token_for):
    token = token_for(kom)
    revoked = services.api_key_issue(client=kom.client)
    services.api_key_revoke(key=revoked.key)
    bodies = [_call(token, key).json() for key in ("bta_" + "z" * 40, revoked.plaintext, mok.key)]
    assert len({(b["code"], b["detail"]) for b in bodies}) == 1


def test_rotation_keeps_the_old_key_during_the_overlap_only(kom, token_for):
    token = token_for(kom)
    old = ApiKey.objects.get(client=kom.client)
    issued = services.api_key_rotate(key=old, overlap=timezone.timedelta(hours=1))
    assert _call(token, kom.key).status_code == 200
    assert _call(token, issued.plaintext).status_code == 200
    ApiKey.objects.filter(pk=old.pk).update(revoked_at=timezone.now() - timezone.timedelta(seconds=1))
    _unauthorized(_call(token, kom.key), "invalid_api_key")
    assert _call(token, issued.plaintext).status_code == 200


def test_a_key_works_only_with_its_own_clients_token(kom, mok, token_for):
    assert _call(token_for(mok), mok.key).status_code == 200
    _unauthorized(_call(token_for(mok), kom.key), "invalid_api_key")


# --- the issuer's keys unavailable -----------------------------------------------------------------------------


def test_issuer_keys_unreachable_is_a_503_not_a_401(kom, token_for, jwks_server):
    token = token_for(kom)
    jwks_server.status = 500
    response = _call(token, kom.key)
    assert_problem(response, 503, "service_unavailable")
    assert response["Retry-After"]


def test_not_configured_refuses_every_token_and_says_so_in_the_log(kom, token_for, settings, caplog):
    token = token_for(kom)
    settings.COGNITO_ISSUER = ""
    settings.COGNITO_USER_POOL_ID = ""
    with caplog.at_level(logging.ERROR, logger="apps.clients.authentication"):
        _unauthorized(_call(token, kom.key), "invalid_token")
    assert "COGNITO_USER_POOL_ID" in caplog.text


def test_client_scopes_are_a_cap(db, token_for):
    reader = make_partner(source="KOM", name="reader", scopes=[READ])
    response = _call(token_for(reader, scopes=[READ, WRITE]), reader.key, path=EVENTS, method="post", data={})
    body = assert_problem(response, 403, "insufficient_scope")
    assert body["detail"]
