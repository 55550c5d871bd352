"""A peak day: a storm surge of cases through the whole system, ramped until it bends (issue 19).

What runs (everything real, on loopback)
    * gunicorn as the image runs it (``docker/entrypoint.sh web``: gthread, 2 workers × 4 threads)
      with the **production settings** (``bench/storm_settings.py`` adds one bench-only URL): MySQL
      with its own user and password, Redis usage plans, the audit publisher and task queues on
      moto's SQS, S3 on moto, TLS redirect on (requests carry the ALB's ``X-Forwarded-Proto``).
    * ``docker/entrypoint.sh worker`` (prefork, 2 processes: the audit batch consumer and every task
      queue, tracking delivery included) and ``docker/entrypoint.sh beat``, same settings.
    * moto's server (``bench/run.py``'s ``start_moto``, its O(queue) retention check made O(1)), a JWKS
      server standing for Cognito (partners' client-credential tokens, operators' front-end tokens)
      and a stand-in MOK tracking endpoint that answers 200 after 20–50 ms.
    * A dedicated database ``bigtree_bench_storm``, rebuilt on every run: the packaged cities, a
      background of demo providers, vouchers and 5,000 cases, and the storm's own world — Cancún
      (the hurricane), 24 clinics there, 300 covered vouchers per partner, partners KOM and MOK (MOK
      receives tracking), a third KOM client on a tight usage plan, four operators.

The load (a bounded, open-loop generator in this process)
    For ``R`` new cases per second, operations are scheduled at fixed rates, evenly spaced with
    jitter, and run by 48 client threads on keep-alive connections (queue bounded at 2,000; what
    cannot be queued is counted as *shed*, never silently dropped):

    ====================  ========  =====================================================================
    operation             per R     request
    ====================  ========  =====================================================================
    open                  1         partner POST /v1/assistances/events (Idempotency-Key), half KOM, half MOK
    open retry            0.1       the same key and body again 0.3 s later: must answer the same case
    note                  1.5       partner POST /v1/assistances/notes on one of its storm cases
    read                  2         partner GET /v1/assistances/events/{id}
    list                  0.5       partner GET /v1/assistances/events?page_size=20
    coverage              0.5       partner GET /v1/vouchers/{id}/coverage (the fixed share of checks)
    queue                 0.25      operator GET /admin/assistances/event/queue/ (session cookie)
    case page             1         operator GET /admin/assistances/event/{id}/change/
    assign                0.8       operator POST /v1/assistances/events/{id}/providers (front-end token)
    greedy                4/s       a KOM client with a 2/s plan reading its list: deliberate 429s
    ====================  ========  =====================================================================

    Steps: 1, 5, 10, 20 new cases per second, ``--step-seconds`` each (60). After each step the
    generator waits for its in-flight requests and for the pipeline to drain (outbox empty, every
    tracking message delivered, queues empty; at most ``--drain-seconds``), then reads the database.

Reported per step
    Throughput, p50/p95/p99 per operation (from the request's send to the last byte), errors (any
    status other than the expected one; the greedy client's 429s are counted apart), the lags read
    from the database — write → audit row stored (``AuditLog.recorded_at − occurred_at``) and
    tracking row written → MOK answered (``delivered_at − created_at``; a case's opening writes no
    tracking row by design, its first one is the assignment or a shared note, so this is the lag MOK
    sees on every step of its cases) — queue depths when the step's load ends, RSS of gunicorn and
    the worker, CPU per request (gunicorn's CPU ÷ requests) and per background message (worker's CPU
    ÷ audit rows + deliveries). **Nothing lost**: cases, notes and assignments the API accepted =
    rows in the database = their audit rows; tracking rows = MOK deliveries = messages MOK received.
    The knee is the first step where the case opening's p95 exceeds 300 ms or a lag's p95 exceeds 10 s.

The ratio
    Then, in the same run, closed loops of 8 connections alternate (2 rounds × ``--ratio-seconds``)
    between the API's case opening and ``POST /bench/bare/events`` (bench/storm_urls.py: the same
    ``event_open`` write path, no DRF). Target: API ≥ 0.6× bare.

How to read it
    Client, servers, workers, moto and MariaDB share this machine's cores: the absolute figures are
    this machine's; the knee, the ratio and the per-request CPU are what carry over (docs/capacity.md
    turns them into a capacity plan). Figures are printed and written to ``var/bench/storm.json``;
    nothing is asserted.

Usage: ``make bench`` or ``.venv/bin/python bench/storm.py [--steps 1,5,10,20] [--step-seconds 60]``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import ipaddress
import json
import os
import queue
import random
import signal
import ssl
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import MySQLdb
from run import (
    DB_HOST,
    DB_PORT,
    PYTHON,
    ROOT,
    TICKS,
    child_pids,
    cpu_seconds,
    free_port,
    mariadb_pids,
    rss_mb,
    run_interruptibly,
    start_moto,
    step,
)

sys.path.insert(0, str(ROOT))

DB_NAME = "bigtree_bench_storm"
DB_USER = "bigtree_storm"
DB_PASSWORD = uuid.uuid4().hex
OUT = ROOT / "var" / "bench"
THREADS = 48
QUEUE_BOUND = 2000
OPEN_P95_KNEE_MS = 300.0
LAG_P95_KNEE_S = 10.0
RATIO_TARGET = 0.6
MOK_DELAY = (0.020, 0.050)
SIGNING_SECRET = uuid.uuid4().hex
AWS_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}  # moto accepts any
FRONTEND_CLIENT = "storm-console"
PLACE = {"country": "MX", "latitude": 21.1619, "longitude": -86.8515}  # Cancún
ASSISTANCES = ("MED_EMERGENCY",)

# Per new case per second (see the module docstring); the greedy client's rate is absolute.
MIX = {
    "open": 1.0,
    "note": 1.5,
    "read": 2.0,
    "list": 0.5,
    "coverage": 0.5,
    "queue": 0.25,
    "case page": 1.0,
    "assign": 0.8,
}
RETRY_SHARE = 0.1
GREEDY_RATE, GREEDY_PLAN = 4.0, {"rate_per_second": 2, "burst": 2, "monthly_quota": 10_000_000}
EXPECTED = {
    "open": 201,
    "open retry": 201,
    "note": 201,
    "read": 200,
    "list": 200,
    "coverage": 200,
    "queue": 200,
    "case page": 200,
    "assign": 201,
    "greedy": 200,
}
OPERATIONS = list(EXPECTED)


# --- the stand-ins --------------------------------------------------------------------------------


def self_signed(directory: Path) -> Path:
    """A certificate for 127.0.0.1 (production requires MOK over https); the worker trusts it through
    ``REQUESTS_CA_BUNDLE``. Returns the PEM holding the certificate and then the key."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "storm-mok")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = directory / "mok.pem"
    path.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return path


class Mok:
    """MOK's tracking endpoint over TLS: answers 200 after 20–50 ms; remembers which message ids it got."""

    def __init__(self, pem: Path) -> None:
        self.pem = pem
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()
        mok = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(random.uniform(*MOK_DELAY))  # nosec B311 - a simulated delay
                with mok.lock:
                    mok.received[self.headers.get("X-Bigtree-Message-Id", "")] += 1
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pem)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/tracking"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- preparation ----------------------------------------------------------------------------------


def prepare_database() -> None:
    conn = MySQLdb.connect(host=DB_HOST, port=DB_PORT, user="root", connect_timeout=5)
    try:
        cursor = conn.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{DB_NAME}`")
        cursor.execute(f"CREATE DATABASE `{DB_NAME}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        # Production settings require a password: a user of its own, on this database only.
        cursor.execute(f"CREATE USER IF NOT EXISTS '{DB_USER}'@'127.0.0.1' IDENTIFIED BY %s", [DB_PASSWORD])
        cursor.execute(f"ALTER USER '{DB_USER}'@'127.0.0.1' IDENTIFIED BY %s", [DB_PASSWORD])
        cursor.execute(f"GRANT ALL PRIVILEGES ON `{DB_NAME}`.* TO '{DB_USER}'@'127.0.0.1'")
    finally:
        conn.close()


def production_env(*, moto, setup, issuer: str, mok: Mok, usage_prefix: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "S3_", "TEST_"))}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "bench.storm_settings",
        "DJANGO_SECRET_KEY": uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "CELERY_LOG_LEVEL": "WARNING",
        "PUBLIC_BASE_URL": "https://assist.example.com",
        "DEFAULT_FROM_EMAIL": "guarantees@assist.example.com",
        "DATABASE_HOST": DB_HOST,
        "DATABASE_NAME": DB_NAME,
        "DATABASE_USER": DB_USER,
        "DATABASE_PASSWORD": DB_PASSWORD,
        "DATABASE_TLS": "false",
        "S3_FILE_BUCKET": "file",
        "S3_DATASOURCE_BUCKET": "datasourcemaster",
        "S3_ASSISTS_BUCKET": "assists",
        "S3_ISSUANCE_BUCKET": "issuance-mok-docs",
        "COGNITO_DOMAIN": "https://auth.assist.example.com",
        "COGNITO_USER_POOL_ID": "us-east-2_Storm",
        "COGNITO_ISSUER": issuer,
        "COGNITO_FRONTEND_CLIENT_IDS": FRONTEND_CLIENT,
        "OIDC_RP_CLIENT_ID": "storm-admin-client",
        "OIDC_RP_CLIENT_SECRET": uuid.uuid4().hex,
        "CELERY_BROKER_URL": setup.broker_url,
        "SQS_QUEUE_URL_BASE": setup.url_base,
        "SNS_NOTIFICATION_TOPIC_ARN": setup.topic_arn,
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "USAGE_PLAN_KEY_PREFIX": usage_prefix,
        "MOK_TRACKING_URL": mok.url,
        "MOK_TRACKING_SECRET": SIGNING_SECRET,
        "REQUESTS_CA_BUNDLE": str(mok.pem),
        "AWS_ENDPOINT_URL": moto.endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-2",
        "AWS_DEFAULT_REGION": "us-east-2",
        "PATH": f"{Path(PYTHON).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def manage(env: dict[str, str], *args: str) -> None:
    started = time.perf_counter()
    proc = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"manage.py {args[0]} failed (exit {proc.returncode})")
    print(f"    manage.py {' '.join(args[:3])} done in {time.perf_counter() - started:.1f} s", flush=True)


@dataclass
class World:
    partners: dict[str, dict] = field(default_factory=dict)  # KOM, MOK, greedy → token, key
    operators: list[dict] = field(default_factory=list)  # token, cookie
    vouchers: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # source → (pk, number)
    locations: list[tuple[int, int]] = field(default_factory=list)  # (provider, location)
    city: str = ""


def seed(issuer: str, key) -> World:
    """The storm's world, through the services (this process runs the production settings too)."""
    import datetime
    from decimal import Decimal

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from apps.accounts.roles import TMO_GROUP
    from apps.clients import services as clients
    from apps.masters.models import Assistance, City, Country, VoucherStatus
    from apps.providers.models import Provider, ProviderLocation, ProviderType
    from apps.providers.services import search_index_rebuild
    from apps.vouchers.models import Voucher, VoucherBenefit
    from tests.clients.support import READ, WRITE, access_claims, sign

    world = World()
    mexico = Country.objects.get(iso2="MX")
    world.city = City.objects.filter(country=mexico, name__icontains="Canc").order_by("-population").first().code
    scopes = (READ, WRITE)
    generous = {"rate_per_second": 1000, "burst": 1000, "monthly_quota": 100_000_000}
    for label, source, plan in (("KOM", "KOM", generous), ("MOK", "MOK", generous), ("greedy", "KOM", GREEDY_PLAN)):
        client = clients.api_client_create(
            data={
                "name": f"Storm {label}",
                "source_code": source,
                "cognito_client_id": f"storm-{label.lower()}-client",
                "allowed_scopes": list(scopes),
                **plan,
            }
        )
        token = sign(
            access_claims(issuer=issuer, client_id=client.cognito_client_id, scopes=scopes, lifetime=6 * 3600), key
        )
        world.partners[label] = {"token": token, "key": clients.api_key_issue(client=client).plaintext}

    group = Group.objects.get(name=TMO_GROUP)
    for n in range(4):
        user = get_user_model().objects.create(
            email=f"storm-operator-{n}@example.com", is_staff=True, cognito_sub=f"storm-sub-{n}"
        )
        user.set_unusable_password()
        user.save()
        user.groups.add(group)
        session = SessionStore()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        claims = access_claims(
            issuer=issuer,
            client_id=FRONTEND_CLIENT,
            scopes=("aws.cognito.signin.user.admin",),
            lifetime=6 * 3600,
            sub=user.cognito_sub,
            username=f"storm-{n}",
            **{"cognito:groups": [TMO_GROUP]},
        )
        world.operators.append(
            {"token": sign(claims, key), "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"}
        )

    active = VoucherStatus.objects.get(code="ACTIVE")
    today = timezone.localdate()
    assistances = list(Assistance.objects.filter(code__in=ASSISTANCES))
    for source in ("KOM", "MOK"):
        vouchers = Voucher.objects.bulk_create(
            Voucher(
                number=f"STORM-{source}-{n:05d}",
                product_code="STORM",
                product_name="Storm cover",
                source=source,
                currency="USD",
                holder_name=f"Traveller {source} {n}",
                holder_document_type="passport",
                holder_document_number=f"S{source}{n:06d}",
                valid_from=today - datetime.timedelta(days=3),
                valid_to=today + datetime.timedelta(days=30),
                worldwide=True,
                status=active,
            )
            for n in range(300)
        )
        VoucherBenefit.objects.bulk_create(
            VoucherBenefit(voucher=v, assistance=a, limit_amount=Decimal("150000.00"), currency="USD")
            for v in vouchers
            for a in assistances
        )
        world.vouchers[source] = [(v.pk, v.number) for v in vouchers]

    for n in range(24):
        provider = Provider.objects.create(
            display_name=f"Clínica Huracán {n}",
            legal_name=f"Clínica Huracán {n} S.A. de C.V.",
            tax_id=f"STORM{n:04d}",
            country=mexico,
            provider_type=ProviderType.CLINIC,
            rating=4,
        )
        provider.assistances.set(assistances)
        location = ProviderLocation.objects.create(
            provider=provider,
            address=f"Blvd. Kukulcán km {n + 1}",
            country=mexico,
            latitude=PLACE["latitude"] + n * 0.002,
            longitude=PLACE["longitude"] + n * 0.002,
        )
        world.locations.append((provider.pk, location.pk))
    search_index_rebuild(provider_ids=[p for p, _ in world.locations])
    return world


# --- processes ------------------------------------------------------------------------------------


class Process:
    """One role of the image (``docker/entrypoint.sh ROLE``) in its own process group, logged to a file."""

    def __init__(self, role: str, env: dict[str, str], log_dir: Path, *args: str) -> None:
        self.role = role
        self.log_path = log_dir / f"{role}.log"
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                ["sh", "docker/entrypoint.sh", role, *args],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def tree(self) -> list[int]:
        return [self.proc.pid, *child_pids(self.proc.pid)]

    def cpu(self) -> float:
        # The role's main program (entrypoint.sh execs it), its workers, live and replaced.
        return tree_cpu_seconds(self.proc.pid)

    def rss(self) -> float:
        return sum(rss_mb(pid) or 0.0 for pid in self.tree())

    def alive(self) -> None:
        if self.proc.poll() is not None:
            raise SystemExit(f"{self.role} exited with {self.proc.returncode}:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def http_ok(port: int, path: str) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        status = conn.getresponse().status
        conn.close()
        return status == 200
    except OSError:
        return False


# --- the load -------------------------------------------------------------------------------------


@dataclass
class Sample:
    op: str
    status: int
    ms: float


class Load:
    """Open-loop schedule, bounded client pool; every answer is recorded with its latency."""

    def __init__(self, port: int, world: World, tag: str) -> None:
        self.port = port
        self.world = world
        self.tag = tag
        self.jobs: queue.Queue = queue.Queue(maxsize=QUEUE_BOUND)
        self.samples: list[Sample] = []
        self.problems: list[str] = []
        self.shed = 0
        self.lock = threading.Lock()
        self.cases: dict[str, deque] = {"KOM": deque(maxlen=400), "MOK": deque(maxlen=400)}
        self.to_assign: deque = deque()
        self.accepted: Counter[str] = Counter()  # writes the API accepted: cases, notes, assignments
        self.case_ids: set[int] = set()
        self.sequence = 0
        self.local = threading.local()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(THREADS)]
        for thread in self.threads:
            thread.start()

    # one keep-alive connection per client thread, as an ALB keeps them
    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return conn

    def request(self, method: str, path: str, headers: dict, body: dict | None = None) -> tuple[int, bytes, float]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"X-Forwarded-Proto": "https", "Accept-Language": "en", "Accept": "application/json", **headers}
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            conn = self._conn()
            started = time.perf_counter()
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                raw = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    self.local.conn = None
                return response.status, raw, (time.perf_counter() - started) * 1000
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server closed (max_requests recycling): reconnect once.
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _run(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            op, call = job
            try:
                status, raw, ms = call()
            except Exception as exc:  # noqa: BLE001 - a failed request is a result, reported
                status, raw, ms = 0, repr(exc).encode(), 0.0
            with self.lock:
                self.samples.append(Sample(op, status, ms))
                if status != EXPECTED[op] and not (op == "greedy" and status == 429) and len(self.problems) < 20:
                    self.problems.append(f"{op}: {status} {raw[:300]!r}")
            self.jobs.task_done()

    def submit(self, op: str, call) -> None:
        try:
            self.jobs.put_nowait((op, call))
        except queue.Full:
            with self.lock:
                self.shed += 1

    # operations -----------------------------------------------------------------------------------

    def _partner(self, label: str) -> dict:
        p = self.world.partners[label]
        return {"Authorization": f"Bearer {p['token']}", "x-api-key": p["key"]}

    def _operator(self) -> dict:
        return random.choice(self.world.operators)  # nosec B311

    def op_open(self, retry_at: list) -> None:
        with self.lock:
            self.sequence += 1
            n = self.sequence
        source = "KOM" if n % 2 else "MOK"
        _, number = random.choice(self.world.vouchers[source])  # nosec B311
        body = {
            "source_code": source,
            "external_reference": f"{self.tag}-{n:06d}",
            "voucher": number,
            "traveller_name": f"Viajero {n}",
            "traveller_document_type": "passport",
            "traveller_document_number": f"P{n:08d}",
            "traveller_phone": "+52 998 555 0100",
            "assistance": "MED_EMERGENCY",
            "city": self.world.city,
            "address": f"Hotel zone, km {n % 25}",
            "description": "Injured during the hurricane; needs a clinic nearby.",
            "priority": "high",
            **PLACE,
        }
        headers = {**self._partner(source), "Idempotency-Key": str(uuid.uuid4())}

        def call():
            status, raw, ms = self.request("POST", "/v1/assistances/events", headers, body)
            if status == 201:
                case = json.loads(raw)["id"]
                with self.lock:
                    self.accepted["cases"] += 1
                    self.case_ids.add(case)
                    self.cases[source].append(case)
                    self.to_assign.append(case)
                if random.random() < RETRY_SHARE:  # nosec B311
                    retry_at.append((time.monotonic() + 0.3, headers, body, case))
            return status, raw, ms

        self.submit("open", call)

    def op_retry(self, headers: dict, body: dict, case: int) -> None:
        def call():
            status, raw, ms = self.request("POST", "/v1/assistances/events", headers, body)
            if status == 201 and json.loads(raw)["id"] != case:
                return 0, b"the retry opened another case", ms
            return status, raw, ms

        self.submit("open retry", call)

    def _own_case(self) -> tuple[str, int] | None:
        source = random.choice(("KOM", "MOK"))  # nosec B311
        cases = self.cases[source]
        return (source, random.choice(cases)) if cases else None  # nosec B311

    def op_note(self) -> None:
        picked = self._own_case()
        if picked is None:
            return
        source, case = picked
        body = {"event": case, "kind": "traveller", "body": f"{self.tag}: the traveller is safe at the shelter."}

        def call():
            status, raw, ms = self.request("POST", "/v1/assistances/notes", self._partner(source), body)
            if status == 201:
                with self.lock:
                    self.accepted["notes"] += 1
            return status, raw, ms

        self.submit("note", call)

    def op_read(self) -> None:
        picked = self._own_case()
        if picked is not None:
            source, case = picked
            self.submit("read", lambda: self.request("GET", f"/v1/assistances/events/{case}", self._partner(source)))

    def op_list(self) -> None:
        source = random.choice(("KOM", "MOK"))  # nosec B311
        self.submit("list", lambda: self.request("GET", "/v1/assistances/events?page_size=20", self._partner(source)))

    def op_coverage(self) -> None:
        source = random.choice(("KOM", "MOK"))  # nosec B311
        voucher, _ = random.choice(self.world.vouchers[source])  # nosec B311
        path = f"/v1/vouchers/{voucher}/coverage?assistance=MED_EMERGENCY&country=MX"
        self.submit("coverage", lambda: self.request("GET", path, self._partner(source)))

    def op_queue(self) -> None:
        cookie = self._operator()["cookie"]
        self.submit("queue", lambda: self.request("GET", "/admin/assistances/event/queue/", {"Cookie": cookie}))

    def op_case_page(self) -> None:
        picked = self._own_case()
        if picked is not None:
            cookie = self._operator()["cookie"]
            path = f"/admin/assistances/event/{picked[1]}/change/"
            self.submit("case page", lambda: self.request("GET", path, {"Cookie": cookie}))

    def op_assign(self) -> None:
        with self.lock:
            case = self.to_assign.popleft() if self.to_assign else None
        if case is None:
            return
        provider, location = random.choice(self.world.locations)  # nosec B311
        body = {"provider": provider, "location": location, "estimated_cost": "800.00", "currency": "USD"}
        token = self._operator()["token"]

        def call():
            path = f"/v1/assistances/events/{case}/providers"
            status, raw, ms = self.request("POST", path, {"Authorization": f"Bearer {token}"}, body)
            if status == 201:
                with self.lock:
                    self.accepted["assignments"] += 1
            return status, raw, ms

        self.submit("assign", call)

    def op_greedy(self) -> None:
        self.submit(
            "greedy", lambda: self.request("GET", "/v1/assistances/events?page_size=5", self._partner("greedy"))
        )

    # the schedule ---------------------------------------------------------------------------------

    def run_step(self, rate: float, seconds: float) -> float:
        """Issue the step's operations on time; returns when every issued request has answered."""
        schedule: list[tuple[float, str]] = []
        rng = random.Random(int(rate * 1000))  # nosec B311
        for op, share in MIX.items():
            per_second = rate * share
            count = int(per_second * seconds)
            schedule += [((i + rng.random()) / per_second, op) for i in range(count)]
        count = int(GREEDY_RATE * seconds)
        schedule += [((i + rng.random()) / GREEDY_RATE, "greedy") for i in range(count)]
        schedule.sort()
        retries: list = []
        handlers = {
            "note": self.op_note,
            "read": self.op_read,
            "list": self.op_list,
            "coverage": self.op_coverage,
            "queue": self.op_queue,
            "case page": self.op_case_page,
            "assign": self.op_assign,
            "greedy": self.op_greedy,
        }
        started = time.monotonic()
        for offset, op in schedule:
            delay = started + offset - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if op == "open":
                self.op_open(retries)
            else:
                handlers[op]()
            now = time.monotonic()
            while retries and retries[0][0] <= now:
                _, headers, body, case = retries.pop(0)
                self.op_retry(headers, body, case)
        while retries:
            due, headers, body, case = retries.pop(0)
            time.sleep(max(0.0, due - time.monotonic()))
            self.op_retry(headers, body, case)
        self.jobs.join()
        return time.monotonic() - started

    def reset(self) -> None:
        with self.lock:
            self.samples, self.problems, self.shed = [], [], 0
            self.accepted = Counter()
            self.case_ids = set()

    def close(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)


# --- measuring ------------------------------------------------------------------------------------


def pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def queue_depths(setup) -> dict[str, int]:
    return {name: setup.count(url) for name, url in setup.queue_urls.items()}


def machine_ticks() -> tuple[int, int, int]:
    """(busy, waiting for I/O, total) jiffies of the whole machine so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4], fields[4], sum(fields)


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a process, of its live children, and of the children it has reaped already: gunicorn
    and celery replace their workers (max_requests, max_tasks_per_child), and a replaced worker's
    CPU must not vanish from the count (it moves to the parent's cutime/cstime)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    reaped = (int(fields[13]) + int(fields[14])) / TICKS  # cutime, cstime (fields 16 and 17 of stat)
    return cpu_seconds(pid) + reaped + sum(cpu_seconds(child) for child in child_pids(pid))


def pipeline_settled(setup) -> bool:
    from apps.audit.models import AuditOutbox
    from apps.tracking.models import DeliveryState, TrackingMessage

    return (
        not AuditOutbox.objects.exists()
        and not TrackingMessage.objects.exclude(state=DeliveryState.DELIVERED).exists()
        and not any(queue_depths(setup).values())
    )


def aws_calls(moto) -> Counter[str]:
    """SQS and SNS API calls moto recorded (``start_recording`` to now), by action."""
    from urllib.parse import parse_qs

    moto._api("recorder/stop-recording")
    calls: Counter[str] = Counter()
    for line in moto._api("recorder/download-recording", method="GET").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            # moto's threads append to one file; at high rates two lines can interleave.
            calls["unreadable records"] += 1
            continue
        target = entry.get("headers", {}).get("X-Amz-Target", "")
        if target.startswith("AmazonSQS."):
            calls[f"SQS {target.removeprefix('AmazonSQS.')}"] += 1
            continue
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode(errors="replace")
        action = parse_qs(body).get("Action", [""])[0]
        if action in {"Publish", "PublishBatch"}:
            calls[f"SNS {action}"] += 1
    return calls


def database_check(load: Load, mok: Mok) -> dict:
    """Read back what the step wrote: rows, audit rows, deliveries and the two lags."""
    from django.db.models import F

    from apps.assistances.models import Event, EventProvider, Note
    from apps.audit.models import AuditLog
    from apps.tracking.models import DeliveryState, TrackingMessage

    events = list(Event.objects.filter(external_reference__startswith=f"{load.tag}-").values_list("pk", flat=True))
    notes = list(Note.objects.filter(body__startswith=f"{load.tag}:").values_list("pk", flat=True))
    assignments = list(EventProvider.objects.filter(event_id__in=events).values_list("pk", flat=True))

    def audited(model, ids) -> int:
        return AuditLog.objects.filter(
            object_type=model._meta.label_lower, action="create", object_id__in=[str(i) for i in ids]
        ).count()

    # The lag of every audit row of the step's writes (cases, notes, assignments and what they touched).
    audit = AuditLog.objects.filter(case_reference__in=Event.objects.filter(pk__in=events).values("code"))
    audit = audit.annotate(lag=F("recorded_at") - F("occurred_at"))
    audit_lags = [row.total_seconds() for row in audit.values_list("lag", flat=True)]
    tracking = TrackingMessage.objects.filter(event_id__in=events)
    delivered = tracking.filter(state=DeliveryState.DELIVERED)
    tracking_lags = [
        (d - c).total_seconds() for c, d in delivered.values_list("created_at", "delivered_at") if d is not None
    ]
    with mok.lock:
        got = {int(k) for k in mok.received if k.isdigit()}
    ids = set(tracking.values_list("pk", flat=True))
    return {
        "cases": (load.accepted["cases"], len(events), audited(Event, events)),
        "notes": (load.accepted["notes"], len(notes), audited(Note, notes)),
        "assignments": (load.accepted["assignments"], len(assignments), audited(EventProvider, assignments)),
        "tracking": (len(ids), delivered.count(), len(ids & got)),
        "audit_lag": audit_lags,
        "tracking_lag": tracking_lags,
    }


# --- the run --------------------------------------------------------------------------------------


def ratio_phase(port: int, world: World, seconds: float, rounds: int) -> dict:
    """Closed loops of 8 connections: the API's case opening against the bare view's."""
    results: dict[str, list[float]] = {"api": [], "bare": []}
    partner = world.partners["KOM"]
    counter = [0]
    lock = threading.Lock()

    def body() -> dict:
        with lock:
            counter[0] += 1
            n = counter[0]
        _, number = world.vouchers["KOM"][n % len(world.vouchers["KOM"])]
        return {
            "source_code": "KOM",
            "external_reference": f"RATIO-{n:07d}",
            "voucher": number,
            "traveller_name": f"Ratio {n}",
            "assistance": "MED_EMERGENCY",
            "city": world.city,
            "description": "Same write path, two front doors.",
            **PLACE,
        }

    def loop(kind: str, stop_at: float, out: list, errors: list) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"X-Forwarded-Proto": "https", "Content-Type": "application/json", "Accept": "application/json"}
        if kind == "api":
            headers |= {"Authorization": f"Bearer {partner['token']}", "x-api-key": partner["key"]}
        path = "/v1/assistances/events" if kind == "api" else "/bench/bare/events"
        while time.monotonic() < stop_at:
            extra = {"Idempotency-Key": str(uuid.uuid4())} if kind == "api" else {}
            conn.request("POST", path, body=json.dumps(body()).encode(), headers={**headers, **extra})
            response = conn.getresponse()
            raw = response.read()
            if response.status != 201:
                errors.append(f"{kind} {response.status} {raw[:200]!r}")
                return
            out.append(1)
        conn.close()

    for round_number in range(rounds + 1):  # round 0 warms both up
        for kind in ("api", "bare") if round_number % 2 else ("bare", "api"):
            duration = seconds if round_number else 3
            done: list = []
            errors: list = []
            started = time.monotonic()
            threads = [threading.Thread(target=loop, args=(kind, started + duration, done, errors)) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if errors:
                raise SystemExit(f"ratio phase: {errors[0]}")
            rate = len(done) / (time.monotonic() - started)
            if round_number:
                results[kind].append(rate)
                print(f"    round {round_number} {kind:<5} {rate:7.1f} cases/s", flush=True)
    api, bare = statistics.fmean(results["api"]), statistics.fmean(results["bare"])
    return {"api": api, "bare": bare, "ratio": api / bare}


def print_step(result: dict) -> None:
    print()
    print(
        f"--- step {result['rate']:g} new cases/s: {result['requests']} requests in {result['seconds']:.1f} s "
        f"= {result['throughput']:.1f} req/s; shed by the client: {result['shed']}"
    )
    print(
        f"{'operation':<11} {'count':>6} {'ok':>6} {'429':>5} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    for op, row in result["ops"].items():
        print(
            f"{op:<11} {row['count']:>6} {row['ok']:>6} {row['429']:>5} {row['errors']:>6} "
            f"{row['p50']:>8.1f} {row['p95']:>8.1f} {row['p99']:>8.1f}"
        )
    lags = result["lags"]
    print(
        f"lags: write → audit row p50 {lags['audit_p50']:.2f} s, p95 {lags['audit_p95']:.2f} s; "
        f"tracking row → MOK p50 {lags['tracking_p50']:.2f} s, p95 {lags['tracking_p95']:.2f} s"
    )
    print(f"queues at the end of the load: {result['queues']}; drained in {result['drain_s']:.1f} s")
    res = result["resources"]
    print(
        f"gunicorn {res['web_rss_mb']:.0f} MB, worker {res['worker_rss_mb']:.0f} MB; CPU per request "
        f"{res['web_cpu_ms_per_request']:.1f} ms (gunicorn), per background message "
        f"{res['worker_cpu_ms_per_message']:.1f} ms (worker); MariaDB {res['db_cpu_ms_per_request']:.1f} ms "
        f"per request; machine busy {res['busy']:.0%}, waiting for I/O {res['iowait']:.0%}"
    )
    per_case = ", ".join(f"{v:.2f} {k}" for k, v in result["per_case"].items())
    print(f"per new case: {per_case}")
    if result.get("aws_calls"):
        print(f"AWS calls in the step (moto's recorder): {result['aws_calls']}")
    for name, values in result["lost"].items():
        print(f"nothing lost — {name}: {values}")
    for problem in result["problems"][:5]:
        print(f"  ! {problem}")


class Aws:
    """What ``create_sqs_setup`` needs of the tests' ``aws`` fixture: moto's endpoint and clients."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def client(self, name: str):
        import boto3

        return boto3.client(name, endpoint_url=self.endpoint, region_name="us-east-2", **AWS_CREDENTIALS)


def operation_rows(samples: list[Sample]) -> dict[str, dict]:
    ops = {}
    for op in OPERATIONS:
        rows = [s for s in samples if s.op == op]
        ok = [s.ms for s in rows if s.status == EXPECTED[op]]
        throttled = sum(1 for s in rows if s.status == 429)
        errors = len(rows) - len(ok) - (throttled if op == "greedy" else 0)
        ops[op] = {
            "count": len(rows),
            "ok": len(ok),
            "429": throttled,
            "errors": errors,
            "p50": pct(ok, 50),
            "p95": pct(ok, 95),
            "p99": pct(ok, 99),
        }
    return ops


@dataclass
class System:
    """The running parts a step is measured against."""

    port: int
    world: World
    setup: object
    mok: Mok
    moto: object
    web: Process
    worker: Process

    def cpu(self) -> dict[str, float]:
        return {"web": self.web.cpu(), "worker": self.worker.cpu(), "db": sum(cpu_seconds(p) for p in mariadb_pids())}


def measure_step(system: System, rate: float, args: argparse.Namespace, *, record: bool = False) -> dict:
    """One step of the ramp. ``record``: count the SQS and SNS calls of the step (moto's recorder,
    which slows moto a little: done on the first step only, where there is headroom)."""
    from tests.workers.harness import wait_for

    load = Load(system.port, system.world, f"STORM{int(rate * 10):03d}")
    try:
        if record:
            system.moto.start_recording()
        cpu_before, machine_before = system.cpu(), machine_ticks()
        step(f"Step {rate:g} new cases/s for {args.step_seconds:g} s")
        seconds = load.run_step(rate, args.step_seconds)
        depths = queue_depths(system.setup)
        drain_started = time.monotonic()
        with contextlib.suppress(AssertionError):  # a pipeline that does not drain shows in the checks
            wait_for(lambda: pipeline_settled(system.setup), args.drain_seconds, 0.5, "the pipeline to drain")
        drain = time.monotonic() - drain_started
        cpu_after, machine_after = system.cpu(), machine_ticks()
        calls = aws_calls(system.moto) if record else Counter()
        checks = database_check(load, system.mok)
    finally:
        load.close()
    used = {part: cpu_after[part] - cpu_before[part] for part in cpu_after}
    samples = load.samples
    requests = max(1, len(samples))
    ops = operation_rows(samples)
    audit_lags = checks["audit_lag"]
    result = {
        "rate": rate,
        "seconds": seconds,
        "requests": len(samples),
        "throughput": len(samples) / seconds,
        "shed": load.shed,
        "ops": ops,
        "lags": {
            "audit_p50": pct(audit_lags, 50),
            "audit_p95": pct(audit_lags, 95),
            "tracking_p50": pct(checks["tracking_lag"], 50),
            "tracking_p95": pct(checks["tracking_lag"], 95),
        },
        "queues": depths,
        "drain_s": drain,
        "resources": {
            "web_rss_mb": system.web.rss(),
            "worker_rss_mb": system.worker.rss(),
            "web_cpu_ms_per_request": used["web"] * 1000 / requests,
            "worker_cpu_ms_per_message": used["worker"] * 1000 / max(1, checks["tracking"][1] + len(audit_lags)),
            "db_cpu_ms_per_request": used["db"] * 1000 / requests,
            "busy": (machine_after[0] - machine_before[0]) / max(1, machine_after[2] - machine_before[2]),
            "iowait": (machine_after[1] - machine_before[1]) / max(1, machine_after[2] - machine_before[2]),
        },
        "lost": {
            "cases accepted/stored/audited": checks["cases"],
            "notes accepted/stored/audited": checks["notes"],
            "assignments accepted/stored/audited": checks["assignments"],
            "tracking rows/delivered/received by MOK": checks["tracking"],
        },
        "problems": load.problems,
    }
    # What one new case brings with it (the capacity plan multiplies these by the target rates).
    cases = max(1, checks["cases"][1])
    result["per_case"] = {
        "requests": len(samples) / cases,
        "audit rows": len(audit_lags) / cases,
        "tracking deliveries": checks["tracking"][1] / cases,
    }
    if calls:
        result["aws_calls"] = dict(calls)
        result["per_case"]["SQS calls"] = sum(n for k, n in calls.items() if k.startswith("SQS")) / cases
        if calls["unreadable records"]:
            result["per_case"]["SQS calls"] = float("nan")  # a lower bound only: not a figure to plan on
        result["per_case"]["SNS publishes"] = sum(n for k, n in calls.items() if k.startswith("SNS")) / cases
    result["errors"] = sum(row["errors"] for row in ops.values())
    result["complete"] = all(len(set(v)) == 1 for v in result["lost"].values())
    lag_p95 = max(result["lags"]["audit_p95"], result["lags"]["tracking_p95"])
    result["bent"] = ops["open"]["p95"] > OPEN_P95_KNEE_MS or lag_p95 > LAG_P95_KNEE_S
    return result


def build_world(env: dict[str, str], issuer: str, key) -> World:
    from django.conf import settings as django_settings
    from django.utils.functional import empty

    step(f"Database {DB_NAME}: rebuilt, migrated, cities and a background of demo data")
    prepare_database()
    manage(env, "migrate", "--noinput")
    manage(env, "import_geo", "--if-empty", "--no-progress")
    manage(env, "collectstatic", "--noinput", "--verbosity=0")  # what the image's build does
    demo = ("--providers=2000", "--locations=4000", "--vouchers=5000", "--events=5000", "--notes=20000")
    manage(env, "generate_demo_data", *demo, "--no-progress")
    step("Seeding the storm's world (partners, operators, vouchers, clinics in Cancún)")
    # From here this process is one more production process (same settings, same secret key).
    django_settings._wrapped = empty  # forget the test settings read for the queue names
    os.environ.clear()
    os.environ.update(env)
    return seed(issuer, key)


def run(args: argparse.Namespace) -> int:
    from tests.clients.support import JwksServer, SigningKey

    OUT.mkdir(parents=True, exist_ok=True)
    log_dir = OUT / "storm-logs"
    log_dir.mkdir(exist_ok=True)
    processes: list[Process] = []
    step("Starting moto (SQS, SNS, S3), the JWKS server and the stand-in MOK endpoint")
    moto = start_moto(stock=False)
    jwks = JwksServer().start()
    key = SigningKey("storm")
    jwks.publish(key)
    mok = Mok(self_signed(log_dir))
    try:
        aws = Aws(moto.endpoint)
        # create_sqs_setup reads the queue names from the settings; the test settings name them alike.
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
        from tests.workers.harness import create_sqs_setup, wait_for

        setup = create_sqs_setup(aws)
        for bucket in ("file", "datasourcemaster", "assists", "issuance-mok-docs"):
            aws.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
        env = production_env(moto=moto, setup=setup, issuer=jwks.issuer, mok=mok, usage_prefix=uuid.uuid4().hex[:8])
        world = build_world(env, jwks.issuer, key)

        port = free_port()
        step(
            f"Starting gunicorn (production settings, {args.web_workers} × {args.web_threads} gthread) on "
            f"127.0.0.1:{port}, a worker and beat"
        )
        sizes = {"GUNICORN_WORKERS": str(args.web_workers), "GUNICORN_THREADS": str(args.web_threads)}
        web = Process("web", {**env, **sizes, "GUNICORN_BIND": f"127.0.0.1:{port}"}, log_dir)
        worker = Process("worker", env, log_dir, "--concurrency", "2", "-n", "storm@%h")
        beat = Process("beat", env, log_dir, "--schedule", str(log_dir / "celerybeat-schedule"))
        processes += [web, worker, beat]
        wait_for(lambda: web.alive() or http_ok(port, "/health/live"), 60, message="gunicorn")
        # The worker logs at WARNING (its INFO line per task would cost CPU under load), so its
        # readiness shows by its work: the seed's audit rows stored, every queue empty.
        wait_for(lambda: worker.alive() or pipeline_settled(setup), 120, 1, "the seed's audit rows to be stored")

        system = System(port=port, world=world, setup=setup, mok=mok, moto=moto, web=web, worker=worker)
        results = []
        for rate in args.steps:
            results.append(measure_step(system, rate, args, record=not results))
            print_step(results[-1])
            for process in processes:
                process.alive()
        step(f"The ratio: API case opening against the bare view ({args.ratio_rounds} × {args.ratio_seconds:g} s)")
        ratio = ratio_phase(port, world, args.ratio_seconds, args.ratio_rounds)
    finally:
        for process in reversed(processes):
            process.stop()
        mok.close()
        jwks.stop()
        moto.stop()

    knee = next((r["rate"] for r in results if r["bent"]), None)
    print_summary(results, knee, ratio)
    (OUT / "storm.json").write_text(json.dumps({"steps": results, "knee": knee, "ratio": ratio}, indent=2, default=str))
    print(f"(written to {OUT / 'storm.json'}; process logs in {log_dir})")
    below = [r for r in results if knee is None or r["rate"] < knee]
    bad = [r["rate"] for r in below if r["errors"] or not r["complete"]]
    if bad:
        print(f"Errors or missing rows below the knee, at {bad} cases/s: see the tables above.")
        return 1
    return 0


def print_summary(results: list[dict], knee, ratio: dict) -> None:
    print()
    print("=== The storm")
    header = (
        f"{'cases/s':>7} {'req/s':>7} {'open p50':>9} {'open p95':>9} {'open p99':>9} {'errors':>6} "
        f"{'429':>5} {'audit lag p95':>13} {'MOK lag p95':>11} {'CPU ms/req':>10} {'complete':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        o = r["ops"]["open"]
        print(
            f"{r['rate']:>7g} {r['throughput']:>7.1f} {o['p50']:>9.1f} {o['p95']:>9.1f} {o['p99']:>9.1f} "
            f"{r['errors']:>6} {r['ops']['greedy']['429']:>5} {r['lags']['audit_p95']:>12.2f}s "
            f"{r['lags']['tracking_p95']:>10.2f}s {r['resources']['web_cpu_ms_per_request']:>10.1f} "
            f"{'yes' if r['complete'] else 'NO':>8}"
        )
    rule = f"case opening p95 > {OPEN_P95_KNEE_MS:.0f} ms or a lag's p95 > {LAG_P95_KNEE_S:.0f} s"
    if knee is None:
        print(f"knee: not reached at {results[-1]['rate']:g} new cases/s (no step with {rule})")
    else:
        print(f"knee: {knee:g} new cases/s (the first step with {rule})")
    print(
        f"API / bare case opening = {ratio['ratio']:.2f}× ({ratio['api']:.1f} vs {ratio['bare']:.1f} cases/s; "
        f"target ≥ {RATIO_TARGET}×)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--steps", default="1,5,10,20", help="new cases per second, comma-separated (default 1,5,10,20)"
    )
    parser.add_argument("--step-seconds", type=float, default=60.0)
    parser.add_argument("--drain-seconds", type=float, default=120.0)
    parser.add_argument("--ratio-seconds", type=float, default=15.0)
    parser.add_argument("--ratio-rounds", type=int, default=2)
    # terraform's defaults (modules/ecs: gunicorn_workers, gunicorn_threads); other values are experiments.
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    args = parser.parse_args()
    args.steps = [float(s) for s in args.steps.split(",")]
    if min(args.steps) <= 0 or args.step_seconds <= 0 or args.ratio_rounds < 1:
        parser.error("steps, durations and rounds must be positive")
    return run_interruptibly(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
