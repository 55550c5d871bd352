"""Shared pieces of the usage-plan tests: the real Redis, a stand-in for the API-client credentials,
and the worker function that several processes run against the same key."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import pytest
import redis

from apps.clients.usage import Plan, RedisUsageLimiter

# Database 15 of the Redis the CI machine runs; every test also uses a prefix of its own.
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def redis_or_fail() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not reachable on 127.0.0.1:6379 ({exc}); start it: sudo service redis-server start")
    return client


def unique_prefix() -> str:
    return f"test:usage:{uuid.uuid4().hex}:"


def delete_prefix(client: redis.Redis, prefix: str) -> None:
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


@dataclass(frozen=True)
class StandInAuth:
    """What the API-client authentication puts in ``request.auth`` (only these attributes are relied on)."""

    api_key_id: str
    rate: float = 10.0
    burst: int = 20
    monthly_quota: int = 10_000
    scopes: frozenset[str] = field(default_factory=lambda: frozenset({"assistences-services/read"}))


@dataclass(frozen=True)
class StandInUser:
    """What the API-client authentication puts in ``request.user``."""

    api_key_id: str
    is_api_client: bool = True
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False
    pk: None = None

    def has_perm(self, perm, obj=None) -> bool:
        return False


def hammer(url: str, prefix: str, key_id: str, plan: Plan, duration: float, barrier, results) -> None:
    """Run in a separate process: call the limiter for ``key_id`` as fast as possible for ``duration``
    seconds once every process is ready, and report (admitted, refused, first start, last end)."""
    client = redis.Redis.from_url(url)
    limiter = RedisUsageLimiter(client, prefix=prefix)
    client.script_load(limiter.script.script)  # loaded before the start, so the first call is not slower
    barrier.wait()
    admitted = refused = 0
    first = time.time()
    deadline = first + duration
    last = first
    while last < deadline:
        if limiter.hit(key_id, plan).allowed:
            admitted += 1
        else:
            refused += 1
        last = time.time()
    results.put((admitted, refused, first, last))


def run_processes(count: int, target, args: tuple, *, timeout: float = 60.0) -> list[tuple]:
    """Start ``count`` processes running ``target(*args, barrier, results)``; collect one result from each."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited sockets or threads
    barrier = ctx.Barrier(count)
    results = ctx.Queue()
    processes = [ctx.Process(target=target, args=(*args, barrier, results)) for _ in range(count)]
    for process in processes:
        process.start()
    collected = [results.get(timeout=timeout) for _ in processes]
    for process in processes:
        process.join(timeout=10)
        assert process.exitcode == 0, f"worker process exited with {process.exitcode}"
    return collected
