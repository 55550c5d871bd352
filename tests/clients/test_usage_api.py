"""The usage-plan throttle through Django and DRF: 429 problem documents, quota headers, who is limited,
and what happens without Redis or with Redis down."""

import logging
import math
import time

import pytest

from apps.clients.usage import month_window, reset_limiter
from tests.aws.server import free_port
from tests.clients.usage_support import REDIS_TEST_URL, delete_prefix, redis_or_fail, unique_prefix
from tests.helpers import assert_problem

pytestmark = pytest.mark.urls("tests.clients.usage_urls")

URL = "/v1/usage-probe"


@pytest.fixture(autouse=True)
def fresh_limiter():
    reset_limiter()
    yield
    reset_limiter()


@pytest.fixture
def shared_redis(settings):
    client = redis_or_fail()
    prefix = unique_prefix()
    settings.REDIS_URL = REDIS_TEST_URL
    settings.USAGE_PLAN_KEY_PREFIX = prefix
    yield client, prefix
    delete_prefix(client, prefix)
    client.close()


def _get(api_client, key: str = "key-1", plan: str | None = None):
    headers = {"HTTP_X_TEST_API_KEY": key, "HTTP_ACCEPT_LANGUAGE": "en"}
    if plan:
        headers["HTTP_X_TEST_PLAN"] = plan
    return api_client.get(URL, **headers)


def _seconds_to_month_end() -> float:
    return month_window(time.time())[2] - time.time()


def test_api_client_responses_carry_the_quota(api_client, shared_redis):
    response = _get(api_client)
    assert response.status_code == 200
    assert response.json()["client"] is True
    assert response["X-RateLimit-Limit"] == "10000"
    assert response["X-RateLimit-Remaining"] == "9999"
    reset = int(response["X-RateLimit-Reset"])
    assert abs(reset - _seconds_to_month_end()) < 3
    _month, start, end = month_window(time.time())
    assert response["RateLimit-Policy"] == f'"monthly";q=10000;w={int(end - start)}'
    assert response["RateLimit"] == f'"monthly";r=9999;t={reset}'
    assert _get(api_client)["X-RateLimit-Remaining"] == "9998"


def test_burst_then_429_problem_with_retry_after(api_client, shared_redis):
    # One token a second: the 20 requests of the burst cannot earn a token back on a loaded machine
    # (at the default 10/s, 100 ms of slowness made the 21st pass).
    plan = "1,20,10000"
    statuses = [_get(api_client, plan=plan).status_code for _ in range(20)]
    assert statuses == [200] * 20
    response = _get(api_client, plan=plan)
    body = assert_problem(response, 429, "throttled")
    assert response["Retry-After"] == "1"  # one token at 1/s is at most 1 s away; delay-seconds round up
    assert "1 second" in body["detail"]
    # The refused request is not counted against the month.
    assert response["X-RateLimit-Remaining"] == "9980"


def test_exhausted_quota_is_429_until_the_next_month(api_client, shared_redis):
    plan = "1000,1000,3"
    assert [_get(api_client, plan=plan).status_code for _ in range(3)] == [200, 200, 200]
    response = _get(api_client, plan=plan)
    body = assert_problem(response, 429, "quota_exceeded")
    assert abs(int(response["Retry-After"]) - math.ceil(_seconds_to_month_end())) <= 2
    assert response["X-RateLimit-Remaining"] == "0"
    assert body["detail"].startswith("The monthly request quota of this API client is used up.")
    client, prefix = shared_redis
    assert int(client.get(f"{prefix}{{key-1}}:quota:{month_window(time.time())[0]}")) == 3


def test_each_api_key_has_its_own_limits(api_client, shared_redis):
    plan = "0.001,2,100"
    assert [_get(api_client, "a", plan).status_code for _ in range(3)] == [200, 200, 429]
    assert [_get(api_client, "b", plan).status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.django_db
def test_operator_sessions_are_not_limited(operator_client, shared_redis):
    responses = [operator_client.get(URL) for _ in range(30)]
    assert {r.status_code for r in responses} == {200}
    assert responses[0].json()["client"] is False
    assert not any(r.has_header("X-RateLimit-Remaining") for r in responses)
    client, prefix = shared_redis
    assert list(client.scan_iter(match=f"{prefix}*")) == []


def test_unauthenticated_requests_are_not_counted(api_client, shared_redis):
    response = api_client.get(URL)
    assert_problem(response, 401)
    assert not response.has_header("X-RateLimit-Remaining")
    client, prefix = shared_redis
    assert list(client.scan_iter(match=f"{prefix}*")) == []


def test_without_redis_url_limits_are_per_process_and_the_log_says_so(api_client, settings, caplog):
    settings.REDIS_URL = None
    with caplog.at_level(logging.WARNING, logger="apps.clients.usage"):
        statuses = [_get(api_client).status_code for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    warnings = [r.getMessage() for r in caplog.records if "REDIS_URL is not set" in r.getMessage()]
    assert len(warnings) == 1  # once per process, not per request
    assert "per process" in warnings[0]


@pytest.fixture
def redis_down(settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/15"  # nobody listens there
    settings.USAGE_PLAN_KEY_PREFIX = unique_prefix()


def test_redis_down_default_policy_keeps_per_process_limits(api_client, redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="apps.clients.usage"):
        statuses = [_get(api_client).status_code for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    assert sum(r.levelno == logging.ERROR for r in caplog.records) == 1


def test_redis_down_fail_open_serves_without_limits(api_client, redis_down, settings, caplog):
    settings.USAGE_PLAN_ON_REDIS_ERROR = "open"
    with caplog.at_level(logging.WARNING, logger="apps.clients.usage"):
        responses = [_get(api_client) for _ in range(25)]
    assert {r.status_code for r in responses} == {200}
    assert not any(r.has_header("X-RateLimit-Remaining") for r in responses)  # nothing known to report
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "'open'" in errors[0]


def test_redis_down_fail_closed_is_503_problem(api_client, redis_down, settings):
    settings.USAGE_PLAN_ON_REDIS_ERROR = "closed"
    response = _get(api_client)
    assert_problem(response, 503, "service_unavailable")
    assert response["Retry-After"] == "5"
