"""Benchmark of the case list (``GET /v1/assistances/events``) and the admin case pages at production scale.

What is measured
    Dataset: the ``bigtree_bench`` database with the packaged cities and, generated once and kept
    between runs by ``manage.py generate_demo_data``, 100,000 vouchers, 40 staff operators and
    200,000 cases with 1,000,000 notes (each step tops up only what is missing).

    A real gunicorn (``bench.settings``: the test settings plus bench-only bare views, 2 sync workers)
    on a free loopback port; every request carries the ``sessionid`` cookie of a staff user of the
    ``assistances-tmo`` group (session, authentication and permissions on the measured path), like
    ``bench/run.py``. Measured with ``wrk`` on loopback (``apt-get install wrk``), or, without it, with
    bench/run.py's threaded client. Rounds alternate between the endpoints so drift hits both alike:

    * api        — ``/v1/assistances/events?status=IN_PROGRESS&page_size=50``: the API as partners and
                   the console call it (filters, scoping, cursor pagination, serialization, orjson).
    * bare       — ``JsonResponse(list(qs.values(...)[:50]))`` over the same filter and order: the
                   baseline the target is stated against (QUALITY.md).
    * bare-keys  — the same bare view reading the page the way the API does (keys, then rows by primary
                   key): the ratio against it is what the framework costs, free of query-plan effects.

    Then, in-process with Django's test client (server time, no network), the admin case changelist
    (unfiltered, by status, a search), a case change page, the console's queue (its landing page, and
    two of its views), the supervisors' dashboard and the provider-near-case page.

How to read it
    req/s: throughput of the two workers together; p50/p95: latency per request in ms (wrk's, averaged
    over the rounds). Target (QUALITY.md): api ≥ 0.7 × bare; admin pages ≤ 300 ms. Figures are
    printed, never asserted. Client, server and MariaDB share this machine: compare runs on one machine.

Usage: ``make bench`` or ``.venv/bin/python bench/event_list.py [--duration S] [--rounds N] [--connections C]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import MySQLdb

# bench/run.py's harness: database and session set-up, process helpers, the stdlib load client.
from run import (
    DB_HOST,
    DB_NAME,
    DB_PORT,
    DB_USER,
    ENV,
    PYTHON,
    ROOT,
    WORKERS,
    Endpoint,
    child_pids,
    create_session,
    free_port,
    manage,
    prepare_database,
    print_rss,
    rss_mb,
    run_endpoint,
    run_interruptibly,
    step,
    wait_ready,
)

SERVER_ENV = {**ENV, "DJANGO_SETTINGS_MODULE": "bench.settings"}
TARGETS = {"vouchers": 100_000, "operators": 40, "events": 200_000, "notes": 1_000_000}
FILTER = "status=IN_PROGRESS"
ENDPOINTS = {
    "api": f"/v1/assistances/events?{FILTER}&page_size=50",
    "bare": f"/bench/bare/events?{FILTER}",
    "bare-keys": f"/bench/bare/events-keys?{FILTER}",
}
OPERATOR_EMAIL = "bench-operator-{n:02d}@example.com"

# Run by ``manage.py shell -c``: staff operators in the TMO group (cases get assigned among them).
OPERATORS_SCRIPT = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from apps.accounts.roles import TMO_GROUP

group = Group.objects.get(name=TMO_GROUP)
for n in range(__COUNT__):
    user, created = get_user_model().objects.get_or_create(email="__EMAIL__".format(n=n), defaults={"is_staff": True})
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(group)
"""

# Run by ``manage.py shell -c``: the admin pages timed in-process (server time), one JSON line out.
ADMIN_SCRIPT = """
import json, re, statistics, time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.contrib.auth import get_user_model
from apps.assistances.models import Event

client = Client()
client.force_login(get_user_model().objects.get(email="__EMAIL__"))
newest = Event.objects.order_by("-opened_at", "-id").values_list("pk", "code").first()
in_progress = Event.objects.filter(status__code="IN_PROGRESS").values_list("status_id", flat=True).first()
pages = [
    ("changelist", "/admin/assistances/event/"),
    ("changelist page 40", "/admin/assistances/event/?p=40"),
    ("changelist status", f"/admin/assistances/event/?status__id__exact={in_progress}"),
    ("changelist search", f"/admin/assistances/event/?q={newest[1]}"),
    ("changelist sla=breached", "/admin/assistances/event/?sla=breached"),
    ("change page", f"/admin/assistances/event/{newest[0]}/change/"),
    ("queue (landing page)", "/admin/assistances/event/queue/"),
    ("queue breached", "/admin/assistances/event/queue/?view=breached"),
    ("queue waiting provider", "/admin/assistances/event/queue/?view=waiting_provider"),
    ("dashboard", "/admin/assistances/event/dashboard/"),
    ("assign page", f"/admin/assistances/event/{newest[0]}/assign/"),
]
out = []
for label, url in pages:
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(__REPEAT__):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    counts = [q["sql"] for q in ctx.captured_queries if re.search(r"COUNT\\(", q["sql"], re.I)]
    full_count = any(" WHERE " not in sql for sql in counts)
    out.append({"label": label, "url": url, "p50": statistics.median(times), "max": max(times),
                "queries": len(ctx.captured_queries), "full_count": full_count})
print("ADMIN=" + json.dumps(out))
"""

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('WRK={"requests":%.0f,"duration_us":%.0f,"p50":%.0f,"p95":%.0f,"p99":%.0f,"non2xx":%.0f,"errors":%.0f}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status, errors))
end
"""


@dataclass
class Measure:
    label: str
    path: str
    requests: int = 0
    seconds: float = 0.0
    failures: int = 0
    p50: list[float] = field(default_factory=list)
    p95: list[float] = field(default_factory=list)
    size: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# --- dataset -------------------------------------------------------------------------------------


def _count(cursor, sql: str) -> int:
    cursor.execute(sql)
    return int(cursor.fetchone()[0])


def counts() -> dict[str, int]:
    conn = MySQLdb.connect(host=DB_HOST, port=DB_PORT, user=DB_USER, db=DB_NAME, connect_timeout=5)
    try:
        cursor = conn.cursor()
        return {
            "vouchers": _count(cursor, "SELECT COUNT(*) FROM vouchers_voucher"),
            "operators": _count(
                cursor, "SELECT COUNT(*) FROM accounts_user WHERE email LIKE 'bench-operator-%%@example.com'"
            ),
            "events": _count(cursor, "SELECT COUNT(*) FROM assistances_event"),
            "notes": _count(cursor, "SELECT COUNT(*) FROM assistances_note"),
        }
    finally:
        conn.close()


def analyze() -> None:
    """Fresh statistics after bulk loads: MariaDB's plans depend on them."""
    conn = MySQLdb.connect(host=DB_HOST, port=DB_PORT, user=DB_USER, db=DB_NAME, connect_timeout=5)
    try:
        cursor = conn.cursor()
        cursor.execute(
            "ANALYZE TABLE assistances_event, assistances_note, assistances_eventstatushistory, vouchers_voucher,"
            " accounts_user, masters_eventstatus, masters_assistance, masters_country, masters_city"
        )
        cursor.fetchall()
    finally:
        conn.close()


def generate(**amounts: int) -> None:
    args = [f"--{name}={amounts.get(name, 0)}" for name in ("providers", "vouchers", "events", "notes")]
    started = time.perf_counter()
    manage("generate_demo_data", *args, "--no-progress", f"--seed={int(time.time())}")
    print(f"    generated {amounts} in {time.perf_counter() - started:.1f} s", flush=True)


def ensure_dataset() -> dict[str, int]:
    have = counts()
    step(f"Dataset before: {have}")
    if have["vouchers"] < TARGETS["vouchers"]:
        generate(vouchers=TARGETS["vouchers"] - have["vouchers"])
    if have["operators"] < TARGETS["operators"]:
        script = OPERATORS_SCRIPT.replace("__COUNT__", str(TARGETS["operators"])).replace("__EMAIL__", OPERATOR_EMAIL)
        manage("shell", "--no-imports", "-c", script)
    missing_events = TARGETS["events"] - have["events"]
    if missing_events > 0:
        # The notes still missing come with the new cases, spread over them.
        generate(events=missing_events, notes=max(0, TARGETS["notes"] - have["notes"]))
    have = counts()
    if have["notes"] < TARGETS["notes"]:
        generate(notes=TARGETS["notes"] - have["notes"])
    analyze()
    have = counts()
    step(f"Dataset: {have}")
    return have


# --- server and load -----------------------------------------------------------------------------


@contextmanager
def serve(port: int, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn with the bench settings for the duration of the block (like bench/run.py's)."""
    step(f"Starting gunicorn on 127.0.0.1:{port} ({WORKERS} sync workers, bench.settings, log {log_path})")
    command = [PYTHON, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(WORKERS), "--worker-class", "sync", "--no-control-socket"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=SERVER_ENV, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    workers: list[int] = []
    try:
        yield proc
    finally:
        if proc.poll() is None:
            workers = child_pids(proc.pid)
            step(f"Stopping gunicorn (SIGTERM to master {proc.pid})")
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pid in workers:
            if rss_mb(pid) is not None:
                print(f"    worker {pid} still running: SIGKILL", flush=True)
                os.kill(pid, signal.SIGKILL)


def run_wrk(wrk: str, port: int, measure: Measure, *, cookie: str, seconds: int, connections: int, lua: Path) -> None:
    command = [wrk, "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "-s", str(lua)]
    command += ["-H", f"Cookie: {cookie}", "-H", "Accept: application/json", "-H", "Accept-Language: en"]
    proc = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{measure.path}"], capture_output=True, text=True, check=False
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRK=")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    data = json.loads(line.removeprefix("WRK="))
    measure.requests += data["requests"]
    measure.seconds += data["duration_us"] / 1e6
    measure.failures += data["non2xx"] + data["errors"]
    measure.p50.append(data["p50"] / 1000)
    measure.p95.append(data["p95"] / 1000)


def run_threads(port: int, measure: Measure, *, cookie: str, seconds: int, connections: int) -> None:
    """Without wrk: bench/run.py's stdlib client, sized to last about ``seconds``."""
    started = time.perf_counter()
    result = run_endpoint(
        port, Endpoint(measure.label, measure.path), cookie=cookie, requests=20, concurrency=connections, warmup=0
    )
    per_second = len(result.latencies_ms) / max(time.perf_counter() - started, 0.001)
    result = run_endpoint(
        port,
        Endpoint(measure.label, measure.path),
        cookie=cookie,
        requests=max(50, int(per_second * seconds)),
        concurrency=connections,
        warmup=0,
    )
    cuts = statistics.quantiles(result.latencies_ms, n=100, method="inclusive")
    measure.requests += len(result.latencies_ms)
    measure.seconds += result.elapsed_s
    measure.failures += result.failures
    measure.p50.append(cuts[49])
    measure.p95.append(cuts[94])


def sanity(port: int, cookie: str) -> dict[str, int]:
    """Every endpoint answers 200 with the same cases, in the same order."""
    headers = {"Cookie": cookie, "Accept": "application/json"}
    ids = {}
    sizes = {}
    for label, path in ENDPOINTS.items():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        if response.status != 200:
            raise SystemExit(f"GET {path}: expected 200, got {response.status}: {raw[:300]!r}")
        body = json.loads(raw)
        rows = body["results"] if isinstance(body, dict) else body
        ids[label] = [row["id"] for row in rows]
        sizes[label] = len(raw)
    if len({tuple(v) for v in ids.values()}) != 1 or len(ids["api"]) != 50:
        raise SystemExit(f"The endpoints disagree on the page: { {k: v[:3] for k, v in ids.items()} }")
    print(f"    all three answer the same 50 cases ({', '.join(f'{k} {v} B' for k, v in sizes.items())})")
    return sizes


def load(port: int, cookie: str, args: argparse.Namespace) -> list[Measure]:
    measures = [Measure(label, path) for label, path in ENDPOINTS.items()]
    wrk = shutil.which("wrk")
    step(
        f"Load: {'wrk' if wrk else 'stdlib threads (wrk not installed)'}, {args.connections} connections, "
        f"{args.rounds} rounds × {args.duration}s per endpoint, alternating"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(WRK_SCRIPT)
    lua_path = Path(lua.name)
    try:
        for round_number in range(args.rounds + 1):  # round 0 is an untimed warm-up
            for measure in measures:
                target = measure if round_number else Measure(measure.label, measure.path)
                seconds = args.duration if round_number else 2
                if wrk:
                    run_wrk(
                        wrk, port, target, cookie=cookie, seconds=seconds, connections=args.connections, lua=lua_path
                    )
                else:
                    run_threads(port, target, cookie=cookie, seconds=seconds, connections=args.connections)
                if round_number:
                    print(f"    round {round_number} {measure.label:<10} {target.rate:8.1f} req/s so far", flush=True)
    finally:
        lua_path.unlink(missing_ok=True)
    return measures


# --- report --------------------------------------------------------------------------------------


def print_load(measures: list[Measure]) -> None:
    header = f"{'endpoint':<10} {'requests':>9} {'failures':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}  path"
    print()
    print(header)
    print("-" * (len(header) + 40))
    for m in measures:
        print(
            f"{m.label:<10} {m.requests:>9} {m.failures:>8} {m.rate:>8.1f} {statistics.fmean(m.p50):>8.2f}"
            f" {statistics.fmean(m.p95):>8.2f}  {m.path}"
        )
    by_label = {m.label: m for m in measures}
    api = by_label["api"].rate
    print()
    print(f"api / bare      = {api / by_label['bare'].rate:.2f}×   (target ≥ 0.7×)")
    print(f"api / bare-keys = {api / by_label['bare-keys'].rate:.2f}×   (the framework's share alone)")
    print()


def admin_pages(repeat: int) -> list[dict]:
    step(f"Admin pages in-process (Django test client, server time, median of {repeat})")
    script = ADMIN_SCRIPT.replace("__EMAIL__", "bench-tmo@example.com").replace("__REPEAT__", str(repeat))
    output = manage("shell", "--no-imports", "-c", script)
    line = next(ln for ln in output.splitlines() if ln.startswith("ADMIN="))
    pages = json.loads(line.removeprefix("ADMIN="))
    print()
    print(f"{'admin page':<26} {'p50 ms':>8} {'max ms':>8} {'queries':>8} {'full COUNT':>10}  url")
    print("-" * 100)
    for page in pages:
        print(
            f"{page['label']:<26} {page['p50']:>8.1f} {page['max']:>8.1f} {page['queries']:>8}"
            f" {'yes' if page['full_count'] else 'no':>10}  {page['url']}"
        )
    print("target: ≤ 300 ms each, no full-table COUNT")
    print()
    return pages


def bench(args: argparse.Namespace) -> int:
    prepare_database(keep_db=False)
    ensure_dataset()
    cookie = f"sessionid={create_session()}"
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bigtree-bench-") as tmp:
        log_path = Path(tmp) / "gunicorn.log"
        with serve(port, log_path) as proc:
            wait_ready(port, proc, log_path)
            sanity(port, cookie)
            measures = load(port, cookie, args)
            print_load(measures)
            print_rss(proc.pid)
    admin_pages(args.admin_repeat)
    failures = sum(m.failures for m in measures)
    if failures:
        print(f"{failures} request(s) failed or had an unexpected status: the load figures are not meaningful.")
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint and round (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds, endpoints alternating (default 2)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections (default 4)")
    parser.add_argument("--admin-repeat", type=int, default=10, help="timed requests per admin page (default 10)")
    args = parser.parse_args()
    if min(args.duration, args.rounds, args.connections, args.admin_repeat) < 1:
        parser.error("all counts must be ≥ 1")
    return run_interruptibly(lambda: bench(args))


if __name__ == "__main__":
    sys.exit(main())
