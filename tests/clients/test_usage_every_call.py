"""Every authenticated call counts against its client's plan (refused ones too), one plan per client
whatever key it uses, and failed authentication is limited per client address."""

import pytest
from rest_framework.test import APIClient

from apps.clients import services
from apps.clients.models import ApiClient
from apps.clients.usage import reset_limiter
from tests.clients.support import READ, WRITE
from tests.clients.usage_support import REDIS_TEST_URL, delete_prefix, redis_or_fail, unique_prefix
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

NOTES = "/v1/assistances/notes"
PROVIDERS = "/v1/providers"


@pytest.fixture(autouse=True, params=["local", "redis"])
def store(request, settings):
    """Both stores: in-process (make run) and the shared Redis (production)."""
    reset_limiter()
    if request.param == "redis":
        client = redis_or_fail()
        prefix = unique_prefix()
        settings.REDIS_URL = REDIS_TEST_URL
        settings.USAGE_PLAN_KEY_PREFIX = prefix
        yield request.param
        delete_prefix(client, prefix)
    else:
        settings.REDIS_URL = None
        yield request.param
    reset_limiter()


@pytest.fixture(autouse=True)
def slow_refill(kom, settings):
    """Buckets that do not refill during a test (burst 5): the counts do not depend on the machine's speed."""
    ApiClient.objects.filter(pk=kom.client.pk).update(rate_per_second=0.001, burst=5)
    settings.AUTH_FAILURE_RATE = 0.001
    settings.AUTH_FAILURE_BURST = 5


def _statuses(calls) -> list[int]:
    return [call().status_code for call in calls]


def test_calls_refused_for_a_missing_scope_are_counted(kom, partner_api):
    api = partner_api(kom, scopes=(READ,))  # no write scope: every POST is a 403
    statuses = _statuses([lambda: api.post(NOTES, {}, format="json")] * 7)
    assert statuses == [403] * 5 + [429, 429]
    response = api.post(NOTES, {}, format="json")
    assert_problem(response, 429, "throttled")
    assert "Retry-After" in response


def test_calls_refused_as_operators_work_are_counted(kom, partner_api):
    api = partner_api(kom, scopes=(READ, WRITE))
    first = api.post(PROVIDERS, {}, format="json")
    assert_problem(first, 403, "partner_write_not_allowed")
    assert first["X-RateLimit-Remaining"] == "9999"
    statuses = _statuses([lambda: api.post(PROVIDERS, {}, format="json")] * 6)
    assert statuses == [403] * 4 + [429, 429]


def test_all_keys_of_a_client_share_one_bucket_and_one_quota(kom, token_for):
    second = services.api_key_issue(client=kom.client, label="second").plaintext
    token = token_for(kom, scopes=(READ,))
    remaining = []
    statuses = []
    for n in range(7):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_API_KEY=kom.key if n % 2 else second)
        response = api.get("/v1/masters/categories")
        statuses.append(response.status_code)
        remaining.append(response.get("X-RateLimit-Remaining"))
    assert remaining[:3] == ["9999", "9998", "9997"], remaining
    assert statuses == [200] * 5 + [429, 429]


def test_failed_authentication_is_limited_per_address(kom, partner_api, settings):
    bad = APIClient(REMOTE_ADDR="203.0.113.7")
    bad.credentials(HTTP_AUTHORIZATION="Bearer not-a-token", HTTP_X_API_KEY=kom.key)
    statuses = _statuses([lambda: bad.get("/v1/masters/categories")] * 5)
    assert statuses == [401] * 5
    refused = bad.get("/v1/masters/categories")
    assert_problem(refused, 429, "too_many_failed_attempts")
    assert int(refused["Retry-After"]) >= 1
    # From that address even good credentials wait: a right guess looks like a wrong one.
    good = partner_api(kom, scopes=(READ,))
    good.defaults["REMOTE_ADDR"] = "203.0.113.7"
    assert good.get("/v1/masters/categories").status_code == 429
    # Other addresses are not affected.
    good.defaults["REMOTE_ADDR"] = "203.0.113.8"
    assert good.get("/v1/masters/categories").status_code == 200


def test_behind_the_balancer_the_forwarded_address_is_limited(kom, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for client_address in ("198.51.100.1", "198.51.100.2"):
        api = APIClient(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {client_address}")
        api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token", HTTP_X_API_KEY=kom.key)
        statuses = _statuses([lambda api=api: api.get("/v1/masters/categories")] * 6)
        # Each client address has its own bucket (the balancer's own address is not what is limited;
        # the spoofable first entry is not either).
        assert statuses == [401] * 5 + [429], client_address
