"""Usage plans of API clients: a token bucket (rate, burst) and a calendar-month quota per API client.

The seed enforced these in API Gateway (10 requests/second, burst 20, 10,000 requests a month).
Here they are enforced by the application, so the state must be shared by every gunicorn worker of
every container: it lives in Redis and one Lua script per request reads and updates both limits
atomically (Redis runs a script without interleaving any other command), using the Redis server's
own clock (``TIME``) so that containers with drifting clocks still agree.

Semantics, identical in Redis and in the in-process fallback:

* Token bucket: holds at most ``burst`` tokens, refilled continuously at ``rate`` tokens per second;
  a request takes one token. State per key: tokens and the time of the last refill.
* Monthly quota: a counter per key and calendar month (UTC), its key named with ``YYYY-MM`` and
  expiring after the month ends, so a new month starts from zero without any job resetting it.
* A request is admitted only if both allow it; a refused request consumes neither a token nor quota.
  The quota is checked first: when it is exhausted, waiting for a token would not help, so
  ``retry_after`` is the time until the next month starts; otherwise, when the bucket is empty, it
  is the time until one token is back.

Without ``REDIS_URL`` (the local default, ``make run``) the same algorithm runs in this process and
a warning says the limits are per process. When Redis is configured but unreachable, the setting
``USAGE_PLAN_ON_REDIS_ERROR`` decides (see ``UsageLimiter``).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# Grace period before a finished month's counter disappears: long enough for an operator to look
# at last month's usage right after the rollover, short enough that keys do not accumulate.
QUOTA_KEY_GRACE_SECONDS = 24 * 3600

REASON_RATE = "rate"
REASON_QUOTA = "quota"

FAIL_OPEN = "open"
FAIL_LOCAL = "local"
FAIL_CLOSED = "closed"
FAILURE_POLICIES = (FAIL_OPEN, FAIL_LOCAL, FAIL_CLOSED)


@dataclass(frozen=True)
class Plan:
    """A usage plan: ``rate`` requests/second refill, ``burst`` bucket size, ``monthly_quota`` requests."""

    rate: float
    burst: int
    monthly_quota: int

    def __post_init__(self):
        # A zero rate would never refill (and divide by zero); a zero burst would refuse everything.
        if not self.rate > 0:
            raise ValueError("rate must be positive")
        if self.burst < 1:
            raise ValueError("burst must be at least 1")
        if self.monthly_quota < 0:
            raise ValueError("monthly_quota must not be negative")


@dataclass(frozen=True)
class Decision:
    """The answer for one request.

    ``retry_after`` (seconds, 0 when admitted) is how long to wait before the next request can be
    admitted. ``remaining`` is the monthly quota left after this request, ``reset_after`` the seconds
    until the quota restarts. ``remaining`` is ``None`` when nothing is known (Redis down and the
    fail-open policy). ``store`` says which state answered: ``redis``, ``local`` or ``none``.
    """

    allowed: bool
    reason: str | None
    retry_after: float
    limit: int
    remaining: int | None
    reset_after: int
    store: str


def month_window(now: float) -> tuple[str, float, float]:
    """The calendar month (UTC) containing ``now``: its ``YYYY-MM`` label, start and end as epoch seconds."""
    moment = datetime.fromtimestamp(now, tz=UTC)
    start = datetime(moment.year, moment.month, 1, tzinfo=UTC)
    end = datetime(moment.year + 1, 1, 1, tzinfo=UTC) if moment.month == 12 else start.replace(month=moment.month + 1)
    return f"{moment.year:04d}-{moment.month:02d}", start.timestamp(), end.timestamp()


# KEYS[1]: the bucket (hash: tokens, ts); KEYS[2]: the quota counter of the month the caller expects.
# ARGV: rate, burst, quota, month start, month end (epoch seconds, UTC), quota key grace seconds, cost
# (1: count a request; 0: only ask whether one would be admitted, changing nothing).
# The month is named by the caller (keys must be declared in KEYS for Redis Cluster), but the script
# checks it against the server's clock: if the caller's clock put it in another month, the script
# changes nothing and returns {-1, seconds, microseconds} so the caller retries with the right month.
# Returns {allowed, reason, retry_after_ms, used, reset_after_s}.
_LUA = """
local t = redis.call('TIME')
-- Microseconds since the epoch: an integer well inside a double's exact range.
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now = now_us / 1000000
local month_end = tonumber(ARGV[5])
if now < tonumber(ARGV[4]) or now >= month_end then
  return {-1, t[1], t[2]}
end
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local quota = tonumber(ARGV[3])
local cost = tonumber(ARGV[7] or '1')

local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts_us = tonumber(state[2])
if tokens == nil or ts_us == nil then
  tokens = burst
  ts_us = now_us
end
local elapsed = (now_us - ts_us) / 1000000
if elapsed < 0 then
  elapsed = 0
end
tokens = math.min(burst, tokens + elapsed * rate)

local used = tonumber(redis.call('GET', KEYS[2]) or '0')
local allowed = 0
local reason = ''
local retry_ms = 0
if used >= quota then
  reason = 'quota'
  retry_ms = math.ceil((month_end - now) * 1000)
elseif tokens < 1 then
  reason = 'rate'
  retry_ms = math.ceil((1 - tokens) / rate * 1000)
else
  allowed = 1
  if cost > 0 then
    tokens = tokens - cost
    used = redis.call('INCRBY', KEYS[2], cost)
    redis.call('EXPIREAT', KEYS[2], month_end + tonumber(ARGV[6]))
  end
end
if cost == 0 then
  return {allowed, reason, retry_ms, used, math.ceil(month_end - now)}
end
-- Storing the refilled state on refusals too is equivalent (same tokens at a later time). Numbers
-- given to redis.call are written with full double precision.
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now_us)
-- A bucket left alone refills completely, and an absent bucket means the same: let it expire.
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, reason, retry_ms, used, math.ceil(month_end - now)}
"""


class RedisUsageLimiter:
    """The shared limiter: one atomic Lua script per request. Raises ``redis.RedisError`` on failure."""

    store = "redis"

    def __init__(self, client: redis.Redis, *, prefix: str, clock: Callable[[], float] = time.time):
        self.client = client
        self.prefix = prefix
        # Only used to guess the month; the script corrects a wrong guess with the server's time.
        self.clock = clock
        self.script = client.register_script(_LUA)

    def keys(self, key_id: str, month: str) -> list[str]:
        # The hash tag {key_id} puts both keys in one Redis Cluster slot, as a multi-key script needs.
        base = f"{self.prefix}{{{key_id}}}"
        return [f"{base}:bucket", f"{base}:quota:{month}"]

    def hit(self, key_id: str, plan: Plan, *, cost: int = 1) -> Decision:
        now = self.clock()
        for _attempt in range(3):
            month, start, end = month_window(now)
            result = self.script(
                keys=self.keys(key_id, month),
                args=[
                    float(plan.rate),
                    plan.burst,
                    plan.monthly_quota,
                    int(start),
                    int(end),
                    QUOTA_KEY_GRACE_SECONDS,
                    cost,
                ],
            )
            if int(result[0]) != -1:
                allowed, reason, retry_ms, used, reset_after = result
                return Decision(
                    allowed=bool(allowed),
                    reason=(reason.decode() if isinstance(reason, bytes) else reason) or None,
                    retry_after=int(retry_ms) / 1000,
                    limit=plan.monthly_quota,
                    remaining=max(plan.monthly_quota - int(used), 0),
                    reset_after=int(reset_after),
                    store=self.store,
                )
            # Our clock and Redis's disagree about the month (only near a month boundary).
            now = int(result[1]) + int(result[2]) / 1_000_000
        raise redis.RedisError("could not agree with the Redis server on the current month")


class LocalUsageLimiter:
    """The same semantics in this process only (thread-safe): the local default and a degraded mode."""

    store = "local"

    def __init__(self, *, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._quota: dict[str, tuple[str, int]] = {}  # key -> (YYYY-MM, used); another month means zero

    def hit(self, key_id: str, plan: Plan, *, cost: int = 1) -> Decision:
        with self._lock:
            now = self.clock()
            month, _start, end = month_window(now)
            tokens, ts = self._buckets.get(key_id, (float(plan.burst), now))
            tokens = min(float(plan.burst), tokens + max(now - ts, 0.0) * plan.rate)
            counted_month, used = self._quota.get(key_id, (month, 0))
            if counted_month != month:
                used = 0
            if used >= plan.monthly_quota:
                allowed, reason, retry_after = False, REASON_QUOTA, end - now
            elif tokens < 1:
                allowed, reason, retry_after = False, REASON_RATE, (1 - tokens) / plan.rate
            else:
                allowed, reason, retry_after = True, None, 0.0
                tokens -= cost
                used += cost
            if cost:
                self._buckets[key_id] = (tokens, now)
                self._quota[key_id] = (month, used)
        return Decision(
            allowed=allowed,
            reason=reason,
            # Milliseconds, rounded up, as the script reports them.
            retry_after=math.ceil(retry_after * 1000) / 1000,
            limit=plan.monthly_quota,
            remaining=max(plan.monthly_quota - used, 0),
            reset_after=math.ceil(end - now),
            store=self.store,
        )


class UsagePlanStoreUnavailable(Exception):
    """Redis is unreachable and the configured policy is to refuse requests (fail closed)."""


class UsageLimiter:
    """What the throttle calls: Redis when configured, with a deliberate policy for a Redis outage.

    ``on_redis_error`` (setting ``USAGE_PLAN_ON_REDIS_ERROR``):

    * ``local`` (default) - keep serving, with limits enforced per process until Redis is back. An
      outage of a cache must not take the partner API down, yet a partner must not get unlimited
      access either: per-process buckets still cap each worker at the plan's rate (the fleet admits
      at most workers x plan while degraded) and the monthly counters restart at zero for the outage.
    * ``open`` - keep serving without any limit (the outage is logged).
    * ``closed`` - refuse API-client requests with 503 until Redis is back: for deployments where
      exceeding a plan is worse than an outage.

    After a failure Redis is not asked again for ``retry_seconds``, so a black-holed Redis does not
    add a connect timeout to every request; the outage is logged once (error) and its end once.
    """

    def __init__(
        self,
        *,
        redis_limiter: RedisUsageLimiter | None,
        on_redis_error: str = FAIL_LOCAL,
        retry_seconds: float = 5.0,
        clock: Callable[[], float] = time.time,
    ):
        if on_redis_error not in FAILURE_POLICIES:
            raise ValueError(f"USAGE_PLAN_ON_REDIS_ERROR must be one of {FAILURE_POLICIES}, not {on_redis_error!r}")
        self.redis_limiter = redis_limiter
        self.local_limiter = LocalUsageLimiter(clock=clock)
        self.on_redis_error = on_redis_error
        self.retry_seconds = retry_seconds
        self._down_until = 0.0  # time.monotonic() before which Redis is not tried again
        self._down = False
        self._lock = threading.Lock()

    def hit(self, key_id: str, plan: Plan, *, cost: int = 1) -> Decision:
        """Count ``cost`` requests of ``key_id`` (0: only ask whether one would be admitted)."""
        if self.redis_limiter is None:
            return self.local_limiter.hit(key_id, plan, cost=cost)
        if time.monotonic() >= self._down_until:
            try:
                decision = self.redis_limiter.hit(key_id, plan, cost=cost)
            except redis.RedisError as exc:
                self._mark_down(exc)
            else:
                self._mark_up()
                return decision
        return self._degraded(key_id, plan, cost)

    def _mark_down(self, exc: Exception) -> None:
        with self._lock:
            self._down_until = time.monotonic() + self.retry_seconds
            first = not self._down
            self._down = True
        if first:
            logger.error(
                "usage-plan store (Redis) unreachable; applying policy %r until it answers again: %s",
                self.on_redis_error,
                exc,
            )

    def _mark_up(self) -> None:
        if self._down:
            with self._lock:
                was_down, self._down = self._down, False
            if was_down:
                logger.warning("usage-plan store (Redis) answers again; shared limits restored")

    def _degraded(self, key_id: str, plan: Plan, cost: int = 1) -> Decision:
        if self.on_redis_error == FAIL_LOCAL:
            return self.local_limiter.hit(key_id, plan, cost=cost)
        if self.on_redis_error == FAIL_CLOSED:
            raise UsagePlanStoreUnavailable
        now = time.time()
        _month, _start, end = month_window(now)
        return Decision(
            allowed=True,
            reason=None,
            retry_after=0.0,
            limit=plan.monthly_quota,
            remaining=None,
            reset_after=math.ceil(end - now),
            store="none",
        )


_limiter: UsageLimiter | None = None
_limiter_lock = threading.Lock()


def redis_client(url: str, *, timeout: float) -> redis.Redis:
    """A client that gives up quickly: the outage policy, not the client, decides what an outage means.

    redis-py retries connection errors with exponential backoff by default (seconds per request);
    here one immediate retry covers a pooled connection that went stale (Redis restarted, failover),
    and anything else is reported at once. Idle connections are checked before reuse.
    """
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1),
        health_check_interval=30,
    )


def build_limiter() -> UsageLimiter:
    """A limiter from the settings. Without ``REDIS_URL`` the limits are per process, and the log says so."""
    url = settings.REDIS_URL
    if not url:
        logger.warning(
            "REDIS_URL is not set: API usage plans (rate, burst, monthly quota) are enforced per process only; "
            "set REDIS_URL so that they hold across workers and containers"
        )
        return UsageLimiter(redis_limiter=None)
    client = redis_client(url, timeout=settings.USAGE_PLAN_REDIS_TIMEOUT)
    return UsageLimiter(
        redis_limiter=RedisUsageLimiter(client, prefix=settings.USAGE_PLAN_KEY_PREFIX),
        on_redis_error=settings.USAGE_PLAN_ON_REDIS_ERROR,
        retry_seconds=settings.USAGE_PLAN_REDIS_RETRY_SECONDS,
    )


def get_limiter() -> UsageLimiter:
    """The process's limiter, built on first use (after gunicorn forked its workers)."""
    global _limiter  # noqa: PLW0603 - one limiter (and Redis connection pool) per process
    if _limiter is None:
        with _limiter_lock:
            if _limiter is None:
                _limiter = build_limiter()
    return _limiter


def reset_limiter() -> None:
    """Forget the process's limiter (its local state and Redis pool); the next use rebuilds it."""
    global _limiter  # noqa: PLW0603
    with _limiter_lock:
        _limiter = None


@receiver(setting_changed)
def _settings_changed(*, setting, **kwargs):
    if setting == "REDIS_URL" or setting.startswith("USAGE_PLAN_"):
        reset_limiter()


def record_request(*, key_id: str, plan: Plan) -> Decision:
    """Count one request of ``key_id`` (an API client's plan) against its plan and say whether it may proceed."""
    return get_limiter().hit(key_id, plan)


def would_admit(*, key_id: str, plan: Plan) -> Decision:
    """Whether a request of ``key_id`` would be admitted now, counting nothing."""
    return get_limiter().hit(key_id, plan, cost=0)
