"""Cost of the API usage-plan limiter per request (Redis on 127.0.0.1:6379, database 15).

What is measured (single thread, after a warm-up; microseconds per call, median and p95):

    redis PING            one bare round trip to Redis: the floor of any shared limiter
    limiter, admitted     RedisUsageLimiter.hit() that admits (the Lua script: bucket + monthly counter)
    limiter, refused      the same once the bucket is empty (no write of the counter)
    local fallback        LocalUsageLimiter.hit() (no REDIS_URL)
    request with/without  a whole DRF request through Django's test client (probe view of the tests,
                          API-client credentials), with the throttle and with ``throttle_classes = []``;
                          the difference is what the usage plan adds to a request, headers included.

Keys use a fresh prefix and are deleted afterwards. Figures are printed, never asserted; compare runs
made on the same machine.

Usage: ``.venv/bin/python bench/usage_plan.py [--calls N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.clients.usage_settings")

REDIS_URL = "redis://127.0.0.1:6379/15"
ROUNDS = 5


def timed(call: Callable[[], object], calls: int) -> list[float]:
    for _ in range(min(200, calls)):
        call()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1e6)
    return samples


def report(label: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{label:<34} {statistics.median(samples):9.1f} {p95:9.1f}")


def measure(label: str, call: Callable[[], object], calls: int) -> None:
    report(label, timed(call, calls))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    calls = parser.parse_args().calls

    import django

    django.setup()
    from django.test import Client, override_settings

    from apps.clients.usage import LocalUsageLimiter, Plan, RedisUsageLimiter, redis_client, reset_limiter
    from tests.clients.usage_urls import ProbeView

    client = redis_client(REDIS_URL, timeout=1.0)
    prefix = f"bench:usage:{uuid.uuid4().hex}:"
    limiter = RedisUsageLimiter(client, prefix=prefix)
    local = LocalUsageLimiter()
    generous = Plan(rate=1e9, burst=10**9, monthly_quota=10**9)
    empty = Plan(rate=1e-9, burst=1, monthly_quota=10**9)

    print(f"{'µs per call (' + str(calls) + ' calls)':<34} {'median':>9} {'p95':>9}")
    try:
        measure("redis PING", client.ping, calls)
        measure("limiter, admitted (Redis)", lambda: limiter.hit("admitted", generous), calls)
        limiter.hit("refused", empty)
        measure("limiter, refused (Redis)", lambda: limiter.hit("refused", empty), calls)
        measure("local fallback", lambda: local.hit("admitted", generous), calls)

        http = Client(HTTP_X_TEST_API_KEY="bench", HTTP_X_TEST_PLAN="1000000000,1000000000,1000000000")
        with override_settings(REDIS_URL=REDIS_URL, USAGE_PLAN_KEY_PREFIX=prefix):
            reset_limiter()
            # Alternating blocks, so that load from elsewhere on the machine weighs on both sides alike.
            with_throttle: list[float] = []
            without: list[float] = []
            saved = ProbeView.throttle_classes
            for _round in range(ROUNDS):
                with_throttle += timed(lambda: http.get("/v1/usage-probe"), calls // (5 * ROUNDS))
                ProbeView.throttle_classes = []
                try:
                    without += timed(lambda: http.get("/v1/usage-probe"), calls // (5 * ROUNDS))
                finally:
                    ProbeView.throttle_classes = saved
            report("request with the throttle", with_throttle)
            report("request without a throttle", without)
        added = statistics.median(with_throttle) - statistics.median(without)
        print(f"{'usage plan added per request':<34} {added:9.1f}")
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)


if __name__ == "__main__":
    main()
