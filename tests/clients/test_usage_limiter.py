"""The usage-plan limiter on its own: token bucket + monthly quota, in Redis and in the in-process fallback.

The semantic tests run against both stores (the fallback must behave like Redis); the Redis ones use
the real server on 127.0.0.1:6379 (database 15, a fresh key prefix per test, deleted afterwards).
"""

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from apps.clients.usage import (
    QUOTA_KEY_GRACE_SECONDS,
    REASON_QUOTA,
    REASON_RATE,
    LocalUsageLimiter,
    Plan,
    RedisUsageLimiter,
    UsageLimiter,
    UsagePlanStoreUnavailable,
    month_window,
    redis_client,
)
from tests.aws.server import free_port
from tests.clients.usage_support import delete_prefix, redis_or_fail, unique_prefix


@pytest.fixture
def redis_store():
    client = redis_or_fail()
    prefix = unique_prefix()
    yield client, prefix
    delete_prefix(client, prefix)
    client.close()


@pytest.fixture(params=["redis", "local"])
def limiter(request):
    if request.param == "redis":
        client, prefix = request.getfixturevalue("redis_store")
        return RedisUsageLimiter(client, prefix=prefix)
    return LocalUsageLimiter()


class FakeClock:
    def __init__(self, at: datetime):
        self.now = at.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _hits(limiter, key: str, plan: Plan, count: int) -> list:
    return [limiter.hit(key, plan) for _ in range(count)]


# --- the same semantics in both stores ------------------------------------------------------------


def test_burst_is_admitted_then_refused(limiter):
    plan = Plan(rate=1, burst=5, monthly_quota=10_000)
    decisions = _hits(limiter, "k1", plan, 7)
    assert [d.allowed for d in decisions] == [True] * 5 + [False] * 2
    refused = decisions[-1]
    assert refused.reason == REASON_RATE
    # Until one token is back: at most 1/rate seconds, and positive.
    assert 0 < refused.retry_after <= 1.0
    assert [d.remaining for d in decisions] == [9999, 9998, 9997, 9996, 9995, 9995, 9995]
    assert all(d.limit == 10_000 for d in decisions)


def test_bucket_refills_at_the_rate(limiter):
    plan = Plan(rate=20, burst=5, monthly_quota=10_000)
    assert [d.allowed for d in _hits(limiter, "k1", plan, 5)] == [True] * 5
    before_refusal = time.time()
    assert not limiter.hit("k1", plan).allowed
    after_refusal = time.time()
    time.sleep(0.125)
    started = time.time()
    admitted = 0
    while limiter.hit("k1", plan).allowed:
        admitted += 1
    ended = time.time()
    # Tokens accrued between the refusal and the last call, plus less than one left over before it.
    lowest = int(20 * (started - after_refusal))
    highest = int(20 * (ended - before_refusal) + 1)
    assert lowest <= admitted <= highest, (lowest, admitted, highest)
    assert admitted >= 2


def test_quota_exhausted_refuses_until_the_next_month(limiter):
    plan = Plan(rate=1000, burst=1000, monthly_quota=3)
    decisions = _hits(limiter, "k1", plan, 5)
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0, 0]
    refused = decisions[-1]
    assert refused.reason == REASON_QUOTA
    _month, _start, end = month_window(time.time())
    assert abs(refused.retry_after - (end - time.time())) < 3
    assert abs(refused.reset_after - (end - time.time())) < 3


def test_refused_requests_use_neither_quota_nor_tokens(limiter):
    plan = Plan(rate=10, burst=2, monthly_quota=5)
    assert [d.allowed for d in _hits(limiter, "k1", plan, 2)] == [True, True]
    refused = _hits(limiter, "k1", plan, 20)
    assert not any(d.allowed for d in refused)
    assert {d.remaining for d in refused} == {3}  # 20 refusals, and still 3 of 5 left
    time.sleep(0.11)
    assert limiter.hit("k1", plan).remaining == 2

    # Refused by the quota: the token that was there is still there once the quota allows again.
    stingy = Plan(rate=0.001, burst=3, monthly_quota=2)
    assert [d.allowed for d in _hits(limiter, "k2", stingy, 2)] == [True, True]
    assert {d.reason for d in _hits(limiter, "k2", stingy, 10)} == {REASON_QUOTA}
    upgraded = Plan(rate=0.001, burst=3, monthly_quota=100)  # the plan is read on every request
    assert [d.allowed for d in _hits(limiter, "k2", upgraded, 2)] == [True, False]


def test_keys_do_not_share_limits(limiter):
    plan = Plan(rate=0.001, burst=2, monthly_quota=10)
    assert [d.allowed for d in _hits(limiter, "a", plan, 3)] == [True, True, False]
    assert [d.allowed for d in _hits(limiter, "b", plan, 3)] == [True, True, False]


def test_a_zero_quota_refuses_everything(limiter):
    decision = limiter.hit("k1", Plan(rate=10, burst=20, monthly_quota=0))
    assert not decision.allowed
    assert decision.reason == REASON_QUOTA
    assert decision.remaining == 0


@pytest.mark.parametrize("rate, burst, quota", [(0, 1, 1), (-1, 1, 1), (1, 0, 1), (1, 1, -1)])
def test_nonsense_plans_are_rejected(rate, burst, quota):
    with pytest.raises(ValueError):
        Plan(rate=rate, burst=burst, monthly_quota=quota)


# --- Redis specifics ------------------------------------------------------------------------------


def test_redis_state_is_per_month_and_expires(redis_store):
    client, prefix = redis_store
    limiter = RedisUsageLimiter(client, prefix=prefix)
    limiter.hit("k1", Plan(rate=10, burst=20, monthly_quota=100))
    month, _start, end = month_window(time.time())
    bucket, quota = f"{prefix}{{k1}}:bucket", f"{prefix}{{k1}}:quota:{month}"
    assert limiter.keys("k1", month) == [bucket, quota]
    assert int(client.get(quota)) == 1
    # The counter outlives its month by the grace period only; the bucket by the time to refill.
    assert abs(client.ttl(quota) - (end + QUOTA_KEY_GRACE_SECONDS - time.time())) < 3
    assert 0 < client.pttl(bucket) <= 20 / 10 * 1000 + 1000
    state = client.hgetall(bucket)
    assert float(state[b"tokens"]) == pytest.approx(19, abs=0.01)
    assert abs(int(state[b"ts"]) / 1e6 - time.time()) < 5  # microseconds of the server's clock


def test_redis_previous_month_counter_is_ignored(redis_store):
    client, prefix = redis_store
    limiter = RedisUsageLimiter(client, prefix=prefix)
    plan = Plan(rate=10, burst=20, monthly_quota=5)
    _month, start, _end = month_window(time.time())
    previous, _s, _e = month_window(start - 1)
    client.set(f"{prefix}{{k1}}:quota:{previous}", 5)  # last month used up
    decision = limiter.hit("k1", plan)
    assert decision.allowed
    assert decision.remaining == 4


def test_redis_current_month_counter_at_the_limit_refuses(redis_store):
    client, prefix = redis_store
    limiter = RedisUsageLimiter(client, prefix=prefix)
    month, _start, _end = month_window(time.time())
    client.set(f"{prefix}{{k1}}:quota:{month}", 5)
    decision = limiter.hit("k1", Plan(rate=10, burst=20, monthly_quota=5))
    assert not decision.allowed
    assert decision.reason == REASON_QUOTA
    assert int(client.get(f"{prefix}{{k1}}:quota:{month}")) == 5  # the refusal did not count


def test_redis_decides_the_month_by_its_own_clock(redis_store):
    """A container whose clock says last month still counts in the server's month."""
    client, prefix = redis_store
    late = RedisUsageLimiter(client, prefix=prefix, clock=lambda: time.time() - 40 * 86400)
    decision = late.hit("k1", Plan(rate=10, burst=20, monthly_quota=100))
    assert decision.allowed
    month, _start, _end = month_window(time.time())
    wrong, _s, _e = month_window(time.time() - 40 * 86400)
    assert int(client.get(f"{prefix}{{k1}}:quota:{month}")) == 1
    assert client.get(f"{prefix}{{k1}}:quota:{wrong}") is None


def test_redis_bucket_ignores_the_callers_clock(redis_store):
    """Two containers whose clocks disagree by ten minutes share one bucket without extra refills."""
    client, prefix = redis_store
    ahead = RedisUsageLimiter(client, prefix=prefix, clock=lambda: time.time() + 600)
    behind = RedisUsageLimiter(client, prefix=prefix, clock=lambda: time.time() - 600)
    plan = Plan(rate=0.01, burst=3, monthly_quota=100)
    admitted = sum((ahead if i % 2 else behind).hit("k1", plan).allowed for i in range(10))
    assert admitted == 3


# --- the in-process fallback with a controlled clock -----------------------------------------------


def test_local_refill_is_exact():
    clock = FakeClock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    limiter = LocalUsageLimiter(clock=clock)
    plan = Plan(rate=10, burst=20, monthly_quota=10_000)
    assert sum(d.allowed for d in _hits(limiter, "k", plan, 25)) == 20
    clock.advance(0.35)  # 3.5 tokens
    decisions = _hits(limiter, "k", plan, 4)
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].retry_after == pytest.approx(0.05, abs=0.001)  # rounded up to the millisecond
    clock.advance(60)  # refills to the burst, never beyond
    assert sum(d.allowed for d in _hits(limiter, "k", plan, 25)) == 20


@pytest.mark.parametrize(
    "last_moment, next_label",
    [
        (datetime(2026, 1, 31, 23, 59, 59, 500000, tzinfo=UTC), "2026-02"),
        (datetime(2026, 12, 31, 23, 59, 59, 500000, tzinfo=UTC), "2027-01"),
    ],
)
def test_local_quota_restarts_with_the_calendar_month(last_moment, next_label):
    clock = FakeClock(last_moment)
    limiter = LocalUsageLimiter(clock=clock)
    plan = Plan(rate=1000, burst=1000, monthly_quota=3)
    decisions = _hits(limiter, "k", plan, 4)
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].retry_after == pytest.approx(0.5)
    assert decisions[-1].reset_after == 1
    clock.advance(0.5)
    assert month_window(clock())[0] == next_label
    decision = limiter.hit("k", plan)
    assert decision.allowed
    assert decision.remaining == 2


def test_local_limiter_is_thread_safe():
    limiter = LocalUsageLimiter()
    plan = Plan(rate=1e-9, burst=100, monthly_quota=10_000)
    admitted = []

    def worker():
        admitted.append(sum(limiter.hit("k", plan).allowed for _ in range(500)))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(admitted) == 100


def test_month_window_lengths():
    assert month_window(datetime(2028, 2, 15, tzinfo=UTC).timestamp())[0] == "2028-02"
    _label, start, end = month_window(datetime(2028, 2, 15, tzinfo=UTC).timestamp())
    assert end - start == timedelta(days=29).total_seconds()
    _label, start, end = month_window(datetime(2026, 12, 1, tzinfo=UTC).timestamp())
    assert datetime.fromtimestamp(end, tz=UTC) == datetime(2027, 1, 1, tzinfo=UTC)


# --- Redis outages ---------------------------------------------------------------------------------


def _unreachable() -> RedisUsageLimiter:
    """A limiter pointed at a loopback port nobody listens on: every call fails at once."""
    client = redis_client(f"redis://127.0.0.1:{free_port()}/15", timeout=0.25)
    return RedisUsageLimiter(client, prefix=unique_prefix())


def _counting(limiter: RedisUsageLimiter) -> list:
    calls = []
    original = limiter.hit

    def hit(key_id, plan, **options):
        calls.append(key_id)
        return original(key_id, plan, **options)

    limiter.hit = hit
    return calls


def test_redis_down_fail_open_admits_and_logs_once(caplog):
    down = _unreachable()
    calls = _counting(down)
    limiter = UsageLimiter(redis_limiter=down, on_redis_error="open", retry_seconds=60)
    plan = Plan(rate=1, burst=1, monthly_quota=1)
    with caplog.at_level(logging.WARNING, logger="apps.clients.usage"):
        decisions = _hits(limiter, "k", plan, 5)
    assert all(d.allowed for d in decisions)
    assert {d.store for d in decisions} == {"none"}
    assert {d.remaining for d in decisions} == {None}
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "unreachable" in errors[0].getMessage()
    assert len(calls) == 1  # not asked again within retry_seconds


def test_redis_down_local_policy_keeps_per_process_limits():
    limiter = UsageLimiter(redis_limiter=_unreachable(), on_redis_error="local", retry_seconds=60)
    decisions = _hits(limiter, "k", Plan(rate=0.001, burst=3, monthly_quota=100), 5)
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert {d.store for d in decisions} == {"local"}


def test_redis_down_fail_closed_refuses():
    limiter = UsageLimiter(redis_limiter=_unreachable(), on_redis_error="closed", retry_seconds=60)
    with pytest.raises(UsagePlanStoreUnavailable):
        limiter.hit("k", Plan(rate=10, burst=20, monthly_quota=100))


def test_redis_recovery_restores_shared_limits(redis_store, caplog):
    client, prefix = redis_store
    limiter = UsageLimiter(redis_limiter=_unreachable(), on_redis_error="local", retry_seconds=0)
    plan = Plan(rate=10, burst=20, monthly_quota=100)
    with caplog.at_level(logging.WARNING, logger="apps.clients.usage"):
        assert limiter.hit("k", plan).store == "local"
        limiter.redis_limiter = RedisUsageLimiter(client, prefix=prefix)  # Redis is back
        assert limiter.hit("k", plan).store == "redis"
        assert limiter.hit("k", plan).store == "redis"
    messages = [r.getMessage() for r in caplog.records]
    assert sum("unreachable" in m for m in messages) == 1
    assert sum("limits restored" in m for m in messages) == 1


def test_unknown_failure_policy_is_refused():
    with pytest.raises(ValueError, match="USAGE_PLAN_ON_REDIS_ERROR"):
        UsageLimiter(redis_limiter=None, on_redis_error="maybe")


def test_asking_without_counting_changes_nothing(limiter):
    """``cost=0`` (the failed-authentication guard's look before checking credentials) changes no state."""
    plan = Plan(rate=0.01, burst=2, monthly_quota=10_000)
    assert limiter.hit("peek", plan, cost=0).allowed
    assert [d.allowed for d in _hits(limiter, "peek", plan, 3)] == [True, True, False]
    assert not limiter.hit("peek", plan, cost=0).allowed
    assert limiter.hit("peek", plan, cost=0).remaining == 10_000 - 2
