"""The issuer's keys over HTTP: cached per process, refreshed on rotation, refreshes rate-limited."""

import logging
import time

import pytest
from rest_framework.test import APIClient

from apps.clients.jwks import JwksUnavailable, KeySet, UnknownKeyId, key_set
from tests.clients.support import JWKS_PATH, access_claims, sign
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

CATALOG = "/v1/masters/categories"


def _get(token: str, key: str):
    return APIClient().get(CATALOG, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_API_KEY=key)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_key_set_is_fetched_once_and_reused(kom, token_for, jwks_server):
    for _ in range(10):
        assert _get(token_for(kom), kom.key).status_code == 200
    assert jwks_server.hits == 1


def test_a_rotated_in_key_is_picked_up_and_a_rotated_out_key_stops_working(
    kom, issuer, signing_keys, jwks_server, token_for, capsys
):
    old_token = token_for(kom, key="a")
    assert _get(old_token, kom.key).status_code == 200
    assert jwks_server.hits == 1

    # The pool publishes a new key next to the old one, then signs with it.
    jwks_server.publish(signing_keys["a"], signing_keys["b"])
    assert _get(token_for(kom, key="b"), kom.key).status_code == 200
    assert jwks_server.hits == 2
    assert _get(old_token, kom.key).status_code == 200  # both keys are known now
    assert jwks_server.hits == 2

    # Once the old key is withdrawn and the set refreshed (after its max age), old tokens fail.
    jwks_server.publish(signing_keys["b"])
    keys = key_set(f"{issuer}/.well-known/jwks.json", max_age=3600)
    keys._clock = lambda: time.monotonic() + 3600  # an hour later
    assert_problem(_get(old_token, kom.key), 401, "invalid_token")
    assert _get(token_for(kom, key="b"), kom.key).status_code == 200
    assert jwks_server.hits == 3


def test_a_flood_of_unknown_kids_costs_one_fetch(kom, issuer, signing_keys, jwks_server, token_for, settings):
    # From many addresses, as a distributed flood would come (one address is cut off after a few failures).
    settings.AUTH_FAILURE_BURST = 1000
    assert _get(token_for(kom), kom.key).status_code == 200  # initial load
    forged = [
        sign(access_claims(issuer=issuer, client_id=kom.client_id), signing_keys["c"], kid=f"made-up-{n}")
        for n in range(50)
    ]
    statuses = [_get(token, kom.key).status_code for token in forged]
    assert statuses == [401] * 50
    refetches = jwks_server.hits - 1
    print(f"\n50 tokens with unknown kids: {refetches} JWKS refetch(es)")  # noqa: T201 - reported figure
    assert refetches == 1
    # Genuine tokens keep working throughout.
    assert _get(token_for(kom), kom.key).status_code == 200


def test_rotation_waits_for_the_cooldown_after_a_refresh(signing_keys, jwks_server):
    clock = Clock()
    keys = KeySet(jwks_server.base_url + JWKS_PATH, max_age=3600, min_interval=30, clock=clock)
    assert keys.key_for("kid-a") is not None
    with pytest.raises(UnknownKeyId):
        keys.key_for("kid-b")  # a refresh: the set still has only "a"
    assert jwks_server.hits == 2

    jwks_server.publish(signing_keys["a"], signing_keys["b"])
    clock.now += 29
    with pytest.raises(UnknownKeyId):
        keys.key_for("kid-b")  # within the cooldown: no request upstream
    assert jwks_server.hits == 2
    clock.now += 1
    assert keys.key_for("kid-b") is not None
    assert jwks_server.hits == 3


def test_stale_keys_are_refreshed_and_kept_when_the_refresh_fails(signing_keys, jwks_server, caplog):
    clock = Clock()
    keys = KeySet(jwks_server.base_url + JWKS_PATH, max_age=600, min_interval=30, clock=clock)
    first = keys.key_for("kid-a")
    clock.now += 599
    assert keys.key_for("kid-a") is first and jwks_server.hits == 1

    clock.now += 1  # stale: refreshed on the next use
    jwks_server.status = 503
    with caplog.at_level(logging.WARNING, logger="apps.clients.jwks"):
        assert keys.key_for("kid-a") is first  # the known key still verifies
    assert jwks_server.hits == 2 and "JWKS fetch failed" in caplog.text
    for _ in range(5):
        keys.key_for("kid-a")
    assert jwks_server.hits == 2  # failed refreshes are rate-limited too

    jwks_server.status = 200
    jwks_server.publish(signing_keys["b"])
    clock.now += 30
    with pytest.raises(UnknownKeyId):
        keys.key_for("kid-a")  # refreshed: "a" was withdrawn
    assert keys.key_for("kid-b") is not None


def test_never_loaded_is_unavailable_and_retried_only_after_the_interval(jwks_server):
    clock = Clock()
    jwks_server.status = 500
    keys = KeySet(jwks_server.base_url + JWKS_PATH, max_age=600, min_interval=30, clock=clock)
    for _ in range(5):
        with pytest.raises(JwksUnavailable):
            keys.key_for("kid-a")
    assert jwks_server.hits == 1
    jwks_server.status = 200
    clock.now += 30
    assert keys.key_for("kid-a") is not None
    assert jwks_server.hits == 2


@pytest.mark.parametrize(
    "entry",
    [
        {"kty": "EC", "kid": "kid-ec", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
        {"kty": "oct", "kid": "kid-oct", "k": "c2VjcmV0"},
        {"kty": "RSA", "kid": "kid-enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
        {"kty": "RSA", "kid": "kid-broken", "n": "!!!", "e": "AQAB"},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        "not an object",
    ],
    ids=["ec", "symmetric", "encryption", "broken", "no-kid", "string"],
)
def test_unusable_entries_are_ignored_not_fatal(signing_keys, jwks_server, entry):
    jwks_server.publish(signing_keys["a"], extra=[entry])
    keys = KeySet(jwks_server.base_url + JWKS_PATH, max_age=600)
    assert keys.key_for("kid-a") is not None
    for kid in ("kid-ec", "kid-oct", "kid-enc", "kid-broken"):
        with pytest.raises(UnknownKeyId):
            keys.key_for(kid)


def test_a_document_that_is_not_a_jwks_counts_as_a_failed_fetch(jwks_server):
    jwks_server.document = {"keys": "nope"}
    with pytest.raises(JwksUnavailable):
        KeySet(jwks_server.base_url + JWKS_PATH, max_age=600).key_for("kid-a")
    with pytest.raises(JwksUnavailable):
        KeySet("file:///etc/passwd", max_age=600).key_for("kid-a")
