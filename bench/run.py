"""Benchmark of the read-only catalog API (``/v1/masters/...``) served the way production serves it.

What is measured
    A real gunicorn (``config.wsgi:application``, 2 sync workers) on a free loopback port, backed by a
    dedicated MariaDB database ``bigtree_bench`` holding the packaged GeoNames data (~250 countries,
    ~34,000 cities). Every request is authenticated with a real ``sessionid`` cookie of a staff user of
    the ``assistances-tmo`` group, so session loading, authentication, group permissions, filtering,
    pagination, ETag computation and JSON rendering are all on the measured path.

    For each endpoint: an untimed warm-up, then ``--requests`` GETs spread over ``--concurrency``
    client threads (stdlib ``http.client``). The last row replays the categories list with the ETag of a
    first answer in ``If-None-Match`` and expects ``304 Not Modified``: the cost of a cache hit.

How to read the table
    failures  answers with an unexpected status, or connection errors; must be 0 for the row to count.
    req/s     requests / wall-clock time of the timed phase (throughput of the 2 workers together).
    p50/95/99 latency of one request as the client sees it (connect + send + full body read), in ms.

    Sync workers close the connection after every answer, so each request includes a loopback TCP
    connect. The client threads, gunicorn and MariaDB share the same machine: compare runs made on the
    same machine, not absolute figures. Figures are printed, never asserted.

Usage: ``make bench`` or ``.venv/bin/python bench/run.py [--requests N] [--concurrency C] [--keep-db]``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import MySQLdb

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DB_NAME = "bigtree_bench"
DB_HOST, DB_PORT, DB_USER = "127.0.0.1", 3306, "root"
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "config.settings.test",
    "TEST_DATABASE_URL": f"mysql://{DB_USER}@{DB_HOST}:{DB_PORT}/{DB_NAME}",
}
WORKERS = 2
BENCH_EMAIL = "bench-tmo@example.com"
STOP = threading.Event()  # set on interrupt: client threads stop after their current request

# Run by ``manage.py shell -c``: a staff user in the TMO group and a logged-in session for it, the
# way django.contrib.auth.login() stores one. Prints the session key on a marked line.
SESSION_SCRIPT = """
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from apps.accounts.roles import TMO_GROUP

EMAIL = "__EMAIL__"

user, created = get_user_model().objects.get_or_create(email=EMAIL, defaults={"is_staff": True})
if created:
    user.set_unusable_password()
    user.save()
user.groups.add(Group.objects.get(name=TMO_GROUP))
session = SessionStore()
session[SESSION_KEY] = user._meta.pk.value_to_string(user)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print("SESSION=" + session.session_key)
""".replace("__EMAIL__", BENCH_EMAIL)


@dataclass(frozen=True)
class Endpoint:
    label: str
    path: str
    expected: int = 200
    conditional: bool = False  # send If-None-Match with the ETag of a first answer


ENDPOINTS = [
    Endpoint("categories", "/v1/masters/categories"),
    Endpoint("event-statuses", "/v1/masters/event-statuses"),
    Endpoint("countries page_size=50", "/v1/masters/countries?page_size=50"),
    Endpoint("countries q=arg", "/v1/masters/countries?q=arg"),
    Endpoint("US cities page_size=50", "/v1/masters/countries/US/cities?page_size=50"),
    Endpoint("BR cities q=sao page_size=20", "/v1/masters/countries/BR/cities?q=sao&page_size=20"),
    Endpoint("categories If-None-Match", "/v1/masters/categories", expected=304, conditional=True),
]


@dataclass
class Result:
    endpoint: Endpoint
    latencies_ms: list[float] = field(default_factory=list)
    failures: int = 0
    elapsed_s: float = 0.0


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run_interruptibly(work: Callable[[], int], *, stopped: str = "nothing left running") -> int:
    """A bench's exit status: ``work()``, or 130 when stopped by Ctrl-C or SIGTERM.

    SIGTERM is raised as KeyboardInterrupt so that the ``finally`` blocks that stop the servers a
    bench started run either way."""
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return work()
    except KeyboardInterrupt:
        print(f"\nInterrupted; {stopped}.", file=sys.stderr)
        return 130


# --- preparation ---------------------------------------------------------------------------------


def manage(*args: str) -> str:
    """Run ``manage.py`` with the bench environment; return its stdout, show everything on failure."""
    started = time.perf_counter()
    proc = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=ENV, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"manage.py {args[0]} failed (exit {proc.returncode})")
    print(f"    manage.py {' '.join(args[:1])} done in {time.perf_counter() - started:.1f}s", flush=True)
    return proc.stdout


def prepare_database(keep_db: bool) -> None:
    conn = MySQLdb.connect(host=DB_HOST, port=DB_PORT, user=DB_USER, connect_timeout=5)
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (DB_NAME,))
        exists = cursor.fetchone() is not None
        loaded = False
        if exists and keep_db:
            try:
                conn.select_db(DB_NAME)
                cursor.execute("SELECT COUNT(*) FROM masters_city")
                loaded = cursor.fetchone()[0] > 0
            except MySQLdb.Error:
                loaded = False
        if not exists:
            cursor.execute(f"CREATE DATABASE `{DB_NAME}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        conn.close()
    step(f"Database {DB_NAME}: {'exists' if exists else 'created'}")
    if loaded:
        print("    --keep-db and data present: migrate and import skipped", flush=True)
        return
    step("Migrating")
    manage("migrate", "--noinput")
    step("Importing countries and cities (skipped if already loaded)")
    output = manage("import_geo", "--if-empty", "--no-progress")
    for line in output.strip().splitlines()[-1:]:
        print(f"    {line}", flush=True)


def create_session() -> str:
    step(f"Creating staff user {BENCH_EMAIL} (group assistances-tmo) and a session")
    output = manage("shell", "--no-imports", "-c", SESSION_SCRIPT)
    for line in output.splitlines():
        if line.startswith("SESSION="):
            return line.removeprefix("SESSION=").strip()
    raise SystemExit(f"No session key in the shell output:\n{output}")


# --- moto and CPU accounting (shared with audit_pipeline.py and storm.py) ---------------------

# moto's ReceiveMessage checks each message it returns against the retention period by computing
# *every* queue attribute, three times (each a scan of the whole queue), so one returned message
# costs O(queue depth): ~45 µs per queued message here, 1.3 s for a 10-message receive at a depth
# of 3,000. Real SQS has no such cost, and it would make a backlog benchmark measure moto. Unless
# --stock-moto is given, the bench's moto server reads the retention period directly instead (same
# result, same semantics). What remains is moto's per-call scan of the queue (~8 µs per queued
# message per ReceiveMessage), which real SQS does not have either.
# --sqs-latency-ms adds a sleep before every SQS action (moto's server is threaded, so calls still
# overlap): an experiment standing for the network round trip to real SQS that loopback lacks.
MOTO_PATCHED = """
import os, sys, time
from moto.core.utils import unix_time
from moto.server import main
from moto.sqs.models import SQSBackend
from moto.sqs.responses import SQSResponse

def retained(self, queue_name, message):
    queue = self.get_queue(queue_name)
    return int(queue.message_retention_period) + message.sent_timestamp / 1000 > unix_time()

SQSBackend.is_message_valid_based_on_retention_period = retained
LATENCY = float(os.environ.get("BENCH_SQS_LATENCY_MS", "0")) / 1000
if LATENCY:
    call_action = SQSResponse.call_action

    def delayed(self):
        time.sleep(LATENCY)
        return call_action(self)

    SQSResponse.call_action = delayed
main(sys.argv[1:])
"""


def start_moto(stock: bool, latency_ms: float = 0.0):
    """moto's server as the test suite starts it, or the same with the retention check made O(1)."""
    from tests.aws.server import MotoServer

    # The test suite's server and readiness wait; only the program differs (PYTHON is sys.executable).
    program = None if stock else ["-c", MOTO_PATCHED]
    return MotoServer().start(program=program, env={"BENCH_SQS_LATENCY_MS": str(latency_ms)})


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)


def mariadb_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in {"mariadbd", "mysqld"}:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


# --- server --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_pids(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name: state, ppid, ...
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            pids.append(int(entry.name))
    return sorted(pids)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@contextmanager
def gunicorn(port: int, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run gunicorn for the duration of the block; always stopped (SIGTERM, then SIGKILL) on exit."""
    step(f"Starting gunicorn on 127.0.0.1:{port} ({WORKERS} sync workers, log {log_path})")
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "sync",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=ENV,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches only this script, which then stops gunicorn itself
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
                print("    master did not stop in 30s: SIGKILL to its process group", flush=True)
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for pid in workers:  # the workers we saw, if the master left any behind
            if rss_mb(pid) is not None:
                print(f"    worker {pid} still running: SIGKILL", flush=True)
                os.kill(pid, signal.SIGKILL)


def wait_ready(port: int, proc: subprocess.Popen[bytes], log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
            raise SystemExit(f"gunicorn exited with status {proc.returncode}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/health/ready")
            if conn.getresponse().status == 200:
                print(f"    /health/ready answered 200 (workers {child_pids(proc.pid)})", flush=True)
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
    raise SystemExit(f"/health/ready did not answer 200 within {timeout:.0f}s")


# --- load ----------------------------------------------------------------------------------------


def probe(port: int, headers: dict[str, str], path: str) -> tuple[int, int, str | None]:
    """One GET: status, body size and ETag (a sanity check that the data is there)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, len(response.read()), response.getheader("ETag")
    finally:
        conn.close()


def worker(port: int, path: str, headers: dict[str, str], expected: int, count: int) -> tuple[list[float], int]:
    """Send ``count`` GETs on one connection object (reopened whenever the server closes it)."""
    latencies: list[float] = []
    failures = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for _ in range(count):
            if STOP.is_set():
                break
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == expected
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            latencies.append((time.perf_counter() - started) * 1000)
            failures += not ok
    finally:
        conn.close()
    return latencies, failures


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (i < total % parts) for i in range(parts)]


def run_endpoint(port: int, endpoint: Endpoint, *, cookie: str, requests: int, concurrency: int, warmup: int) -> Result:
    headers = {"Cookie": cookie, "Accept": "application/json", "Accept-Language": "en"}
    status, size, etag = probe(port, headers, endpoint.path)
    if status != 200:
        raise SystemExit(f"GET {endpoint.path}: expected 200, got {status}")
    if endpoint.conditional:
        if not etag:
            raise SystemExit(f"GET {endpoint.path}: no ETag in the answer")
        headers["If-None-Match"] = etag
        size = 0
    result = Result(endpoint)

    def send(count: int) -> tuple[list[float], int]:
        return worker(port, endpoint.path, headers, endpoint.expected, count)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        try:
            warm_failures = sum(failures for _, failures in pool.map(send, split(warmup, concurrency)))
            started = time.perf_counter()
            for latencies, failures in pool.map(send, split(requests, concurrency)):
                result.latencies_ms.extend(latencies)
                result.failures += failures
            result.elapsed_s = time.perf_counter() - started
        except BaseException:
            STOP.set()  # let the pool's shutdown return promptly
            raise
    note = f", {warm_failures} warm-up failures" if warm_failures else ""
    print(f"    {endpoint.label:<30} {requests / result.elapsed_s:8.1f} req/s  ({size} bytes/answer{note})", flush=True)
    return result


def print_table(results: list[Result]) -> None:
    header = f"{'endpoint':<30} {'requests':>8} {'failures':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    print()
    print(header)
    print("-" * len(header))
    for result in results:
        data = result.latencies_ms
        cuts = statistics.quantiles(data, n=100, method="inclusive") if len(data) > 1 else data * 99
        throughput = len(data) / result.elapsed_s if result.elapsed_s else 0.0
        print(
            f"{result.endpoint.label:<30} {len(data):>8} {result.failures:>8} {throughput:>8.1f}"
            f" {cuts[49]:>8.1f} {cuts[94]:>8.1f} {cuts[98]:>8.1f}"
        )
    print()


def print_rss(master: int) -> None:
    print("gunicorn memory (VmRSS):")
    for label, pid in [("master", master)] + [("worker", pid) for pid in child_pids(master)]:
        rss = rss_mb(pid)
        print(f"    {label} {pid}: {rss:.1f} MB" if rss is not None else f"    {label} {pid}: gone")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="timed requests per endpoint (default 400)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per endpoint first (default 20)")
    parser.add_argument(
        "--keep-db", action="store_true", help=f"reuse {DB_NAME} as is when already loaded (skip migrate/import)"
    )
    args = parser.parse_args()
    if args.requests < 1 or args.concurrency < 1 or args.warmup < 0:
        parser.error("--requests and --concurrency must be ≥ 1, --warmup ≥ 0")
    return run_interruptibly(lambda: _report(bench(args.requests, args.concurrency, args.warmup, args.keep_db)))


def _report(results: list[Result]) -> int:
    failures = sum(result.failures for result in results)
    if failures:
        print(f"{failures} request(s) had an unexpected status or failed: those rows are not meaningful.")
        return 1
    return 0


def bench(requests: int, concurrency: int, warmup: int, keep_db: bool) -> list[Result]:
    prepare_database(keep_db)
    cookie = f"sessionid={create_session()}"
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bigtree-bench-") as tmp:
        log_path = Path(tmp) / "gunicorn.log"
        with gunicorn(port, log_path) as proc:
            wait_ready(port, proc, log_path)
            step(f"Load: {requests} requests per endpoint, {concurrency} threads, {warmup} warm-up requests")
            results = [
                run_endpoint(port, endpoint, cookie=cookie, requests=requests, concurrency=concurrency, warmup=warmup)
                for endpoint in ENDPOINTS
            ]
            print_table(results)
            print_rss(proc.pid)
    return results


if __name__ == "__main__":
    sys.exit(main())
