"""End to end: a real gunicorn with 2 sync workers, sharing one API key's limits through Redis.

Client threads send requests as fast as the workers answer for two seconds; the admissions (200) must
stay within burst + rate x elapsed (+1) across both workers, refusals are 429 problem documents with
``Retry-After``, and a small monthly quota admits exactly its size. Run with ``-s`` to see the counts.
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.aws.server import free_port
from tests.clients.usage_support import REDIS_TEST_URL, delete_prefix, redis_or_fail, unique_prefix

ROOT = Path(__file__).resolve().parents[2]
URL = "/v1/usage-probe"
WORKERS = 2
THREADS = 4


class Server:
    def __init__(self, port: int):
        self.port = port

    def get(self, key: str | None, plan: str | None = None) -> tuple[int, dict, dict]:
        headers = {"Accept-Language": "en"}
        if key:
            headers["X-Test-Api-Key"] = key
        if plan:
            headers["X-Test-Plan"] = plan
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            connection.request("GET", URL, headers=headers)
            response = connection.getresponse()
            body = response.read()
            return response.status, dict(response.getheaders()), json.loads(body) if body else {}
        finally:
            connection.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    client = redis_or_fail()
    prefix = unique_prefix()
    port = free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.clients.usage_settings",
        "REDIS_URL": REDIS_TEST_URL,
        "USAGE_PLAN_KEY_PREFIX": prefix,
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "config.wsgi:application"], cwd=ROOT, env=env, stdout=output, stderr=output
        )
    try:
        running = Server(port)
        pids: set[int] = set()
        deadline = time.monotonic() + 60
        # Ready when both workers have answered (each has loaded Django and reached Redis).
        while len(pids) < WORKERS:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "gunicorn workers did not answer in time\n" + log.read_text()
            try:
                status, _headers, body = running.get("warm-up", "100000,100000,1000000")
                if status == 200:
                    pids.add(body["pid"])
            except OSError:
                time.sleep(0.2)
        running.log = log
        yield running
    finally:
        process.terminate()
        process.wait(timeout=20)
        delete_prefix(client, prefix)
        client.close()


def _hammer(server: Server, key: str, plan: str, *, duration: float | None = None, total: int | None = None) -> dict:
    """Several client threads; stop after ``duration`` seconds or ``total`` requests."""
    lock = threading.Lock()
    results: list[tuple[int, dict, dict]] = []
    sent = [0]
    times: list[float] = []
    deadline = time.time() + duration if duration else None

    def client():
        while True:
            with lock:
                if (total is not None and sent[0] >= total) or (deadline and time.time() >= deadline):
                    return
                sent[0] += 1
            started = time.time()
            answer = server.get(key, plan)
            ended = time.time()
            with lock:
                results.append(answer)
                times.extend((started, ended))

    threads = [threading.Thread(target=client) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = Counter(status for status, _h, _b in results)
    return {"results": results, "statuses": statuses, "elapsed": max(times) - min(times)}


def test_rate_and_burst_hold_across_gunicorn_workers(server):
    run = _hammer(server, "partner-1", "10,20,10000", duration=2.0)
    admitted, refused, elapsed = run["statuses"][200], run["statuses"][429], run["elapsed"]
    pids = {body["pid"] for status, _h, body in run["results"] if status == 200}
    print(  # noqa: T201 - the counts are part of the report the issue asks for
        f"\n[gunicorn x{WORKERS}, {THREADS} client threads, rate=10 burst=20] {elapsed:.3f} s: "
        f"admitted={admitted} refused={refused} workers that admitted={len(pids)}"
    )
    message = f"admitted={admitted} refused={refused} other={dict(run['statuses'])} elapsed={elapsed:.3f}s"
    assert set(run["statuses"]) <= {200, 429}, message
    assert 20 + 10 * elapsed - 2 <= admitted <= 20 + 10 * elapsed + 1, message
    assert refused > admitted, message
    assert len(pids) == WORKERS, message  # both workers admitted requests from the one shared bucket

    refusal = next((headers, body) for status, headers, body in run["results"] if status == 429)
    headers, body = refusal
    assert headers["Content-Type"] == "application/problem+json"
    assert body["status"] == 429 and body["code"] == "throttled" and body["type"].endswith(":throttled")
    assert headers["Retry-After"] == "1"
    remaining = sorted(int(h["X-RateLimit-Remaining"]) for status, h, _b in run["results"] if status == 200)
    assert remaining == list(range(10000 - admitted, 10000))  # every admission counted once, in one place


def test_monthly_quota_holds_across_gunicorn_workers(server):
    run = _hammer(server, "partner-2", "100000,100000,25", total=60)
    print(  # noqa: T201 - the counts are part of the report the issue asks for
        f"\n[gunicorn x{WORKERS}, quota=25] admitted={run['statuses'][200]} refused={run['statuses'][429]}"
    )
    assert run["statuses"] == Counter({200: 25, 429: 35}), dict(run["statuses"])
    refusals = [(h, b) for status, h, b in run["results"] if status == 429]
    assert {b["code"] for _h, b in refusals} == {"quota_exceeded"}
    assert {h["X-RateLimit-Remaining"] for h, _b in refusals} == {"0"}
    assert all(int(h["Retry-After"]) > 0 for h, _b in refusals)


def test_gunicorn_log_has_no_errors(server):
    lines = [line for line in server.log.read_text().splitlines() if line.startswith("{")]
    levels = Counter(json.loads(line).get("level") for line in lines)
    assert not levels.get("ERROR"), server.log.read_text()[-3000:]
