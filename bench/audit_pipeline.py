"""Benchmark of the audit pipeline (outbox → SQS → celery worker → MariaDB) against a bare boto3 loop.

What is measured
    moto's server on a loopback port with the project's queues (each with its dead-letter queue,
    created by ``tests/workers/harness.create_sqs_setup``), a dedicated MariaDB database
    ``bigtree_bench_audit`` (created and migrated here), and real ``celery worker`` processes:
    ``celery -A config.celery_app worker -Q <CELERY_WORKER_TASK_QUEUES> -l WARNING --pool P -c C
    --prefetch-multiplier M --without-heartbeat --without-mingle --without-gossip``, in which the
    audit batch consumer (apps/audit/consumer.py) reads the audit queue, as in production.
    ``--consumer tasks`` runs the worker with ``AUDIT_BATCH_CONSUMER=false`` and the audit queue
    in ``-Q`` instead: one ``audit.write_entry`` task per message, for comparison.

    Everything runs with ``config.settings.test``, so its *short SQS timings* apply: visibility
    timeout 4 s and long-polling wait 1 s, where production has 300 s and 20 s (kombu's
    ``polling_interval`` is 0 in both). With a backlog these do not bound throughput; the polling
    interval does: when every prefetch slot of the worker is taken, kombu's SQS transport does not
    poll again until ``polling_interval`` has passed (``Channel._schedule_queue`` → ``_loop1``), so
    a busy worker handles at most about prefetch_count (= multiplier × concurrency) messages per
    interval. ``--polling-interval`` and ``--wait-time-seconds`` change those options for the
    worker only (a generated settings module importing the test settings), to measure such
    effects; the settings themselves are not changed. ``--processes`` runs several workers side by
    side, as several ECS tasks would.

    moto: unless ``--stock-moto``, the bench's moto server replaces one check (see MOTO_PATCHED):
    stock moto makes every message it returns cost O(queue depth), which would make a backlog
    benchmark measure moto (with it, 1,000 messages gave the bare loop 45 msg/s and a "passing"
    0.79×, all of it moto's). moto still scans the whole queue once per ReceiveMessage (~8 µs per
    queued message) and each DeleteMessage costs ~2.5 ms here; real SQS has neither cost but a
    higher network round trip, which ``--sqs-latency-ms`` adds as an experiment.

    Each round has three phases; rounds alternate their order (bare first, then pipeline first) so
    that drift on this shared machine hits both alike:

    * bare      — ``--messages`` real audit messages are enqueued (``audit_record`` in its own
                  committed transaction: outbox row + after-commit publish, exactly as a write
                  service does; the enqueue is not timed). Then one Python thread drains the audit
                  queue with plain boto3: ``receive_message(MaxNumberOfMessages=10,
                  WaitTimeSeconds=1)`` + one ``delete_message_batch`` per receive. Rate = messages /
                  (last batch delete returned − first receive sent). The batch delete makes this the
                  strong baseline the target is stated against. A second bare loop (on by default,
                  ``--no-single-delete-baseline`` skips it) deletes each message with its own
                  ``delete_message``, which is what kombu does on every ack.
    * pipeline  — the same number of messages enqueued the same way, *then* a worker is started on
                  the backlog. Rate = (messages − 1) / (last ``AuditLog.recorded_at`` − first
                  ``recorded_at``): worker start-up is excluded (printed separately). Each message
                  must give exactly one row, with the outbox emptied and the dead-letter queue empty
                  (otherwise a PROBLEM line and exit status 1).
    * latency   — the same worker, now idle: ``audit_record`` transactions at a steady ``--rate`` for
                  ``--seconds``. write→row = ``recorded_at − occurred_at`` (``occurred_at`` is taken
                  at the start of ``audit_record``, so it includes the outbox insert, the commit and
                  the publish); sent→row = ``recorded_at`` − the moment the publish returned.

    After the latency phase: the worker's memory, summed over its process tree from /proc (VmRSS
    counts the pages the prefork children share with the parent once per process; PSS shares them
    out). During the bare and pipeline phases: CPU time of each process (moto, worker main process,
    pool children, MariaDB, this script) from /proc, per message.

How to read it
    msg/s per round and overall (total messages / total seconds). Target (QUALITY.md): pipeline ≥
    0.5 × bare (batch delete). p50/p95 in ms. "moto per call" is what one SQS round trip costs here;
    "where the time goes" shows which process spends what per message (wall ≫ CPU sum / 2 means
    the pipeline is waiting, e.g. on the polling interval, rather than working). moto, MariaDB, the
    worker and this script share a 2-core machine with other work: compare runs made on the same
    machine. Figures are printed, never asserted.

    What bounds one worker process. With ``--consumer tasks``: Celery deletes every message with
    its own synchronous DeleteMessage on the consumer's event-loop thread, and receives at most the
    free prefetch slots (one per pool process) per ReceiveMessage, so a worker makes ~1.2-1.6 SQS
    calls per message where the bare loop makes 0.2 (measured: 0.17× the bare loop). With the batch
    consumer (the default): one ReceiveMessage of up to ten, one pool job and one transaction for
    all of them, one DeleteMessageBatch; two batches are in flight (prefetch 20), so the next
    receive overlaps the store of the previous batch, which the single-threaded bare loop does not.

    ``--messages`` defaults to 1,000 rather than more: moto's per-receive scan grows with the
    backlog and penalises ``--consumer tasks`` (one ReceiveMessage per 1-4 messages) more than the
    bare loop (one per 10), and every message is a real committed write to enqueue first (25-75/s
    on the machines measured so far).

Usage: ``make bench`` or ``.venv/bin/python bench/audit_pipeline.py [--consumer batch|tasks]
[--pool prefork|threads|solo] [--concurrency C] [--prefetch-multiplier M] [--processes K]
[--polling-interval S] [--wait-time-seconds S]
[--messages N] [--rounds R] [--rate R] [--seconds S] [--no-single-delete-baseline] [--stock-moto]
[--sqs-latency-ms MS]``.
Concurrency defaults to ``settings.CELERY_WORKER_CONCURRENCY`` if defined, else 4; the prefetch
multiplier to ``settings.CELERY_WORKER_PREFETCH_MULTIPLIER``; the pool to prefork.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import MySQLdb

# bench/run.py's helpers (process tree, RSS, signal handling, step lines).
from run import (
    DB_HOST,
    DB_PORT,
    DB_USER,
    PYTHON,
    ROOT,
    child_pids,
    cpu_seconds,
    mariadb_pids,
    rss_mb,
    run_interruptibly,
    start_moto,
    step,
)

DB_NAME = "bigtree_bench_audit"
DATABASE_URL = f"mysql://{DB_USER}@{DB_HOST}:{DB_PORT}/{DB_NAME}"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-2"}
# This process is the publisher: the test settings with tasks sent to the broker, not run eagerly.
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TEST_DATABASE_URL": DATABASE_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_LOG_FORMAT": "text",
        "DJANGO_LOG_LEVEL": "WARNING",
        "AWS_REGION": "us-east-2",
        **AWS_ENV,
    }
)
sys.path.insert(0, str(ROOT))

BENCH_EMAIL = "bench-audit@example.com"
LOREM = (
    "Traveller reports a twisted ankle at the hotel lobby; needs an orthopaedic consultation close to "
    "the city centre, English-speaking doctor preferred, pays nothing up front."
)


class CpuMeter:
    """CPU seconds used by each part between two snapshots, read from /proc."""

    def __init__(self, moto_pid: int, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.parts: dict[str, list[int]] = {
            "moto": [moto_pid],
            "bench script": [os.getpid()],
            "MariaDB": mariadb_pids(),
        }
        self.worker: WorkerGroup | None = None
        self.start = self.snapshot()
        self.wall = time.perf_counter()

    def snapshot(self) -> dict[str, float]:
        taken = {part: sum(cpu_seconds(pid) for pid in pids) for part, pids in self.parts.items()}
        if self.worker is not None:
            taken["worker main"], taken["worker pool children"] = self.worker.cpu_seconds()
        return taken

    def reset(self, worker: WorkerGroup | None = None) -> None:
        self.worker = worker
        self.start = self.snapshot()
        self.wall = time.perf_counter()

    def used(self) -> tuple[float, dict[str, float]]:
        now = self.snapshot()
        return time.perf_counter() - self.wall, {part: now[part] - self.start.get(part, 0.0) for part in now}


def percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


# --- preparation ---------------------------------------------------------------------------------


def prepare_database() -> None:
    conn = MySQLdb.connect(host=DB_HOST, port=DB_PORT, user=DB_USER, connect_timeout=5)
    try:
        conn.cursor().execute(
            f"CREATE DATABASE IF NOT EXISTS `{DB_NAME}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
    finally:
        conn.close()
    step(f"Database {DB_NAME}: migrating (config.settings.test)")
    started = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"manage.py migrate failed (exit {proc.returncode})")
    print(f"    migrate done in {time.perf_counter() - started:.1f}s", flush=True)


def truncate_audit_tables() -> None:
    from django.db import connection

    from apps.audit.models import AuditLog, AuditOutbox

    with connection.cursor() as cursor:
        for model in (AuditLog, AuditOutbox):
            cursor.execute(f"TRUNCATE TABLE `{model._meta.db_table}`")


def bench_actor():
    from django.contrib.auth import get_user_model

    user, created = get_user_model().objects.get_or_create(
        email=BENCH_EMAIL, defaults={"is_staff": True, "first_name": "Bench", "last_name": "Operator"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


# --- enqueue: real audited writes ----------------------------------------------------------------


class Writer:
    """``audit_record`` in its own committed transaction, with a case update's realistic payload."""

    def __init__(self, actor) -> None:
        self.actor = actor
        self.number = 0
        self.sent_at: dict[str, float] = {}  # message id → wall-clock time the publish returned

    def write(self) -> None:
        from django.db import transaction

        from apps.audit.models import AuditAction
        from apps.audit.services import audit_record
        from apps.core.context import use_context

        self.number += 1
        n = self.number
        code = f"EV-2025-{n:06d}"
        changes = {
            "priority": ["NORMAL", "HIGH"],
            "assigned_operator": ["maria.gomez@example.com", "bench-audit@example.com"],
            "description": [LOREM, LOREM + f" Update {n}: taken by the night shift."],
            "address": ["Av. Corrientes 1234, Buenos Aires", f"Av. Santa Fe {1000 + n % 9000}, Buenos Aires"],
        }
        with use_context(source="api", request_id=uuid.uuid4().hex), transaction.atomic():
            entry = audit_record(
                action=AuditAction.UPDATE,
                object_type="assistances.event",
                object_id=100_000 + n,
                object_repr=f"{code} · Medical assistance · Buenos Aires",
                changes=changes,
                case_reference=code,
                actor=self.actor,
            )
        # The publish ran in the commit's on_commit hook, i.e. before the block above returned.
        self.sent_at[str(entry.message_id)] = time.time()

    def write_many(self, count: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            self.write()
        return time.perf_counter() - started


# --- worker --------------------------------------------------------------------------------------


@dataclass
class WorkerConfig:
    pool: str
    concurrency: int
    prefetch_multiplier: int
    # Broker transport options changed for the worker only (an experiment; empty = the settings').
    transport_overrides: dict = field(default_factory=dict)
    processes: int = 1  # worker processes side by side, as several ECS tasks would run
    # "batch": the worker's audit batch consumer reads the audit queue (the settings' default);
    # "tasks": AUDIT_BATCH_CONSUMER=false, the task consumer reads it, one task per message.
    consumer: str = "batch"

    @property
    def label(self) -> str:
        label = f"audit {self.consumer} consumer, --pool {self.pool} -c {self.concurrency}"
        label += f" --prefetch-multiplier {self.prefetch_multiplier}"
        label += "".join(f", {key}={value}" for key, value in self.transport_overrides.items())
        return label + (f", {self.processes} worker processes" if self.processes > 1 else "")


class Worker:
    """A real ``celery worker`` process in its own process group (as a container would be)."""

    count = 0

    def __init__(self, setup, config: WorkerConfig, log_dir: Path) -> None:
        from django.conf import settings

        Worker.count += 1
        self.log_path = log_dir / f"celery-{Worker.count}.log"
        self.env = {
            **os.environ,
            "CELERY_BROKER_URL": setup.broker_url,
            "SQS_QUEUE_URL_BASE": setup.url_base,  # predefined queues, as in production
            "AWS_ENDPOINT_URL": setup.endpoint,
            "AUDIT_BATCH_CONSUMER": "true" if config.consumer == "batch" else "false",
        }
        queues = settings.CELERY_WORKER_TASK_QUEUES if config.consumer == "batch" else settings.CELERY_WORKER_QUEUES
        if config.transport_overrides:
            # The test settings with some transport options changed, as a module in the temporary folder.
            (log_dir / "bench_audit_worker_settings.py").write_text(
                "from config.settings.test import *  # noqa: F403\n"
                "CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS,"
                f" **{config.transport_overrides!r}}}  # noqa: F405\n"
            )
            self.env["DJANGO_SETTINGS_MODULE"] = "bench_audit_worker_settings"
            self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(log_dir), os.environ.get("PYTHONPATH")]))
        self.command = [
            PYTHON, "-m", "celery", "-A", "config.celery_app", "worker",
            "-Q", ",".join(queues), "-l", "WARNING",
            "--pool", config.pool, "-c", str(config.concurrency),
            "--prefetch-multiplier", str(config.prefetch_multiplier),
            "-n", f"bench{Worker.count}@%h", "--without-heartbeat", "--without-mingle", "--without-gossip",
        ]  # fmt: skip
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise SystemExit(f"celery worker exited with {self.process.returncode}:\n{tail}")

    def tree(self) -> list[int]:
        pids, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo.extend(child_pids(pid))
        return pids

    def memory_mb(self) -> tuple[int, float, float]:
        """(processes, summed VmRSS, summed PSS) over the worker's process tree."""
        pids = self.tree()
        rss = sum(rss_mb(pid) or 0.0 for pid in pids)
        pss = 0.0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) / 1024
            except OSError:
                pass
        return len(pids), rss, pss

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            print(f"    worker {self.process.pid} did not stop in 30 s: SIGKILL to its group", flush=True)
        with contextlib.suppress(ProcessLookupError):  # leftover children, if any (our own group only)
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


class WorkerGroup:
    """The ``config.processes`` worker processes of one run, handled together."""

    def __init__(self, setup, config: WorkerConfig, log_dir: Path) -> None:
        self.workers = [Worker(setup, config, log_dir) for _ in range(config.processes)]

    def start(self) -> WorkerGroup:
        for worker in self.workers:
            worker.start()
        return self

    def check_alive(self) -> None:
        for worker in self.workers:
            worker.check_alive()

    def cpu_seconds(self) -> tuple[float, float]:
        """CPU so far of the main processes, and of their pool children."""
        trees = [worker.tree() for worker in self.workers]
        return sum(cpu_seconds(tree[0]) for tree in trees), sum(cpu_seconds(pid) for tree in trees for pid in tree[1:])

    def memory_mb(self) -> tuple[int, float, float]:
        """(processes, summed VmRSS, summed PSS) over every worker's process tree."""
        figures = [worker.memory_mb() for worker in self.workers]
        return tuple(sum(values) for values in zip(*figures, strict=True))

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()


# --- phases --------------------------------------------------------------------------------------


@dataclass
class Figures:
    bare: list[tuple[int, float]] = field(default_factory=list)  # (messages, seconds) per round
    bare_single: list[tuple[int, float]] = field(default_factory=list)
    pipeline: list[tuple[int, float]] = field(default_factory=list)
    startup: list[float] = field(default_factory=list)
    enqueue: list[tuple[int, float]] = field(default_factory=list)
    write_to_row: list[float] = field(default_factory=list)  # ms, all rounds
    sent_to_row: list[float] = field(default_factory=list)
    latency_rate: list[float] = field(default_factory=list)
    memory: list[tuple[int, float, float]] = field(default_factory=list)
    receive_ms: list[float] = field(default_factory=list)
    delete_batch_ms: list[float] = field(default_factory=list)
    delete_one_ms: list[float] = field(default_factory=list)
    body_bytes: int = 0
    problems: list[str] = field(default_factory=list)
    # CPU seconds per part and wall seconds, summed over rounds, with the messages they cover.
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    cpu_messages: dict[str, int] = field(default_factory=dict)

    def add_cpu(self, phase: str, messages: int, meter: CpuMeter) -> None:
        wall, used = meter.used()
        totals = self.cpu.setdefault(phase, {})
        totals["wall"] = totals.get("wall", 0.0) + wall
        for part, seconds in used.items():
            totals[part] = totals.get(part, 0.0) + seconds
        self.cpu_messages[phase] = self.cpu_messages.get(phase, 0) + messages


@dataclass
class Run:
    """What every phase works with."""

    setup: object  # tests.workers.harness.SqsSetup
    queue_url: str
    writer: Writer
    figures: Figures
    meter: CpuMeter
    count: int  # messages per throughput phase


def enqueue(run: Run) -> None:
    seconds = run.writer.write_many(run.count)
    run.figures.enqueue.append((run.count, seconds))
    print(
        f"    enqueued {run.count} audited writes in {seconds:.1f}s ({run.count / seconds:.0f}/s, not timed)",
        flush=True,
    )


def bare_phase(run: Run, *, batch: bool) -> None:
    truncate_audit_tables()
    enqueue(run)
    sqs, queue_url, figures, meter, count = run.setup.sqs, run.queue_url, run.figures, run.meter, run.count
    received = 0
    meter.reset()
    started = last = time.perf_counter()
    deadline = started + max(120.0, count / 5)
    while received < count and time.perf_counter() < deadline:
        t0 = time.perf_counter()
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        t1 = time.perf_counter()
        if not messages:
            continue
        figures.receive_ms.append((t1 - t0) * 1000)
        figures.body_bytes = max(figures.body_bytes, *(len(m["Body"].encode()) for m in messages))
        if batch:
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
            answer = sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)
            if answer.get("Failed"):
                figures.problems.append(f"delete_message_batch failures: {answer['Failed'][:2]}")
            figures.delete_batch_ms.append((time.perf_counter() - t1) * 1000)
        else:
            for m in messages:
                t2 = time.perf_counter()
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
                figures.delete_one_ms.append((time.perf_counter() - t2) * 1000)
        received += len(messages)
        last = time.perf_counter()
    seconds = last - started
    figures.add_cpu("bare, batch delete" if batch else "bare, 1 delete per message", received, meter)
    if received != count:
        figures.problems.append(f"bare loop received {received} of {count} messages")
    (figures.bare if batch else figures.bare_single).append((received, seconds))
    label = "batch delete" if batch else "1 delete per message"
    print(f"    bare ({label}): {received} messages in {seconds:.2f}s = {received / seconds:.0f} msg/s", flush=True)


def wait_rows(worker: WorkerGroup, expected: int, timeout: float, on_first_row=None) -> None:
    """Poll until ``expected`` audit rows exist; ``on_first_row`` is called once the first one is seen."""
    from apps.audit.models import AuditLog

    deadline = time.monotonic() + timeout
    while (rows := AuditLog.objects.count()) < expected:
        worker.check_alive()
        if rows and on_first_row is not None:
            on_first_row()
            on_first_row = None
        if time.monotonic() > deadline:
            raise SystemExit(f"only {rows} of {expected} audit rows after {timeout:.0f}s")
        time.sleep(0.1)


def pipeline_phase(run: Run, config: WorkerConfig) -> WorkerGroup:
    from django.conf import settings
    from django.db.models import Max, Min

    from apps.audit.models import AuditLog, AuditOutbox

    truncate_audit_tables()
    enqueue(run)
    setup, figures, meter, count = run.setup, run.figures, run.meter, run.count
    spawned = time.time()
    worker = WorkerGroup(setup, config, meter.log_dir).start()
    try:
        wait_rows(worker, count, timeout=max(180.0, count / 2), on_first_row=lambda: meter.reset(worker))
    except BaseException:  # interrupted or timed out: the caller never gets the workers to stop them
        worker.stop()
        raise
    figures.add_cpu("pipeline", count, meter)  # from about the first row (polled every 0.1 s) to the last
    span = AuditLog.objects.aggregate(first=Min("recorded_at"), last=Max("recorded_at"))
    seconds = (span["last"] - span["first"]).total_seconds()
    figures.pipeline.append((count - 1, seconds))
    figures.startup.append(span["first"].timestamp() - spawned)
    time.sleep(0.5)  # a redelivered duplicate, if any, would show up by now
    rows = AuditLog.objects.count()
    distinct = AuditLog.objects.values("message_id").distinct().count()
    outbox = AuditOutbox.objects.count()
    dead = setup.count(setup.dlq_urls[settings.CELERY_AUDIT_QUEUE])
    if (rows, distinct, outbox, dead) != (count, count, 0, 0):
        figures.problems.append(f"pipeline: rows={rows} distinct={distinct} outbox={outbox} dead-letter={dead}")
    print(
        f"    pipeline ({config.label}): {count} rows in {seconds:.2f}s = {(count - 1) / seconds:.0f} rows/s"
        f" (first row {figures.startup[-1]:.1f}s after spawn; rows={rows} distinct={distinct}"
        f" outbox left={outbox} dead-letter={dead})",
        flush=True,
    )
    return worker


def latency_phase(run: Run, worker: WorkerGroup, rate: float, seconds: float) -> None:
    from apps.audit.models import AuditLog

    writer, figures = run.writer, run.figures
    truncate_audit_tables()
    total = max(1, int(rate * seconds))
    writer.sent_at.clear()
    started = time.perf_counter()
    for i in range(total):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        writer.write()
    achieved = total / (time.perf_counter() - started)
    figures.latency_rate.append(achieved)
    wait_rows(worker, total, timeout=max(60.0, total / 2))
    write_ms, sent_ms = [], []
    for message_id, occurred, recorded in AuditLog.objects.values_list("message_id", "occurred_at", "recorded_at"):
        write_ms.append((recorded - occurred).total_seconds() * 1000)
        sent_ms.append((recorded.timestamp() - writer.sent_at[str(message_id)]) * 1000)
    figures.write_to_row.extend(write_ms)
    figures.sent_to_row.extend(sent_ms)
    print(
        f"    latency: {total} writes at {achieved:.1f}/s; write→row p50 {percentile(write_ms, 50):.0f} ms"
        f" p95 {percentile(write_ms, 95):.0f} ms; sent→row p50 {percentile(sent_ms, 50):.0f} ms"
        f" p95 {percentile(sent_ms, 95):.0f} ms",
        flush=True,
    )


# --- report --------------------------------------------------------------------------------------


def rate(pairs: list[tuple[int, float]]) -> float:
    seconds = sum(s for _, s in pairs)
    return sum(n for n, _ in pairs) / seconds if seconds else 0.0


def report(config: WorkerConfig, args: argparse.Namespace, figures: Figures) -> None:
    bare, pipeline = rate(figures.bare), rate(figures.pipeline)
    print()
    print(f"worker: {config.label}   messages/round: {args.messages}   rounds: {args.rounds}")
    print(f"audit message body on SQS: {figures.body_bytes} bytes (kombu envelope, base64)")
    header = f"{'phase':<36} {'per round':<28} {'overall':>10}"
    print()
    print(header)
    print("-" * len(header))

    def row(label: str, pairs: list[tuple[int, float]], unit: str) -> None:
        rounds = " ".join(f"{n / s:.0f}" for n, s in pairs)
        print(f"{label:<36} {rounds:<28} {rate(pairs):>7.0f} {unit}")

    row("bare boto3, batch delete", figures.bare, "msg/s")
    if figures.bare_single:
        row("bare boto3, 1 delete per message", figures.bare_single, "msg/s")
    row("pipeline (worker → AuditLog)", figures.pipeline, "rows/s")
    ratios = " ".join(
        f"{(p[0] / p[1]) / (b[0] / b[1]):.2f}" for p, b in zip(figures.pipeline, figures.bare, strict=True)
    )
    print(
        f"{'ratio pipeline / bare (batch)':<36} {ratios:<28} {pipeline / bare if bare else 0:>7.2f} ×  (target ≥ 0.5)"
    )
    if figures.bare_single:
        single = rate(figures.bare_single)
        print(f"{'ratio pipeline / bare (1 delete)':<36} {'':<28} {pipeline / single:>7.2f} ×")
    print(f"{'enqueue (audit_record + commit + publish)':<36} {'':<28} {rate(figures.enqueue):>7.0f} /s (not in ratio)")
    print(f"{'worker start → first row':<36} {' '.join(f'{s:.1f}' for s in figures.startup):<28} s")
    print()
    n = len(figures.write_to_row)
    print(f"latency, idle worker, {args.rate:g}/s for {args.seconds:g}s per round ({n} messages in all):")
    for label, values in (("write → row", figures.write_to_row), ("sent → row", figures.sent_to_row)):
        print(f"    {label:<12} p50 {percentile(values, 50):7.1f} ms   p95 {percentile(values, 95):7.1f} ms")
    print()
    print("worker memory after each round's latency phase (process tree: main + pool children):")
    for i, (procs, rss, pss) in enumerate(figures.memory, 1):
        print(f"    round {i}: {procs} processes, VmRSS sum {rss:.1f} MB, PSS sum {pss:.1f} MB")
    print()
    print("moto per call, seen by the bare loop (ms):")
    calls = (
        ("receive_message (10 msgs)", figures.receive_ms),
        ("delete_message_batch (10)", figures.delete_batch_ms),
        ("delete_message (1)", figures.delete_one_ms),
    )
    for label, values in calls:
        if values:
            print(f"    {label:<27} p50 {percentile(values, 50):6.2f}   p95 {percentile(values, 95):6.2f}")
    print()
    parts = ["moto", "worker main", "worker pool children", "MariaDB", "bench script"]
    print("where the time goes: CPU ms per message by process, and wall ms per message (2 cores in all):")
    print(f"    {'phase':<28} " + " ".join(f"{part:>12}" for part in [*parts, "wall"]))
    for phase, totals in figures.cpu.items():
        n = figures.cpu_messages[phase]
        cells = " ".join(f"{totals[part] * 1000 / n:>12.2f}" if part in totals else f"{'-':>12}" for part in parts)
        print(f"    {phase:<28} {cells} {totals['wall'] * 1000 / n:>12.2f}")
    print()
    for problem in figures.problems:
        print(f"PROBLEM: {problem}")


# --- main ----------------------------------------------------------------------------------------


def worker_config(args: argparse.Namespace) -> WorkerConfig:
    """The configuration under test: the options given, else what the settings (and entrypoint) use."""
    from django.conf import settings

    overrides = {}
    if args.polling_interval is not None:
        overrides["polling_interval"] = args.polling_interval
    if args.wait_time_seconds is not None:
        overrides["wait_time_seconds"] = args.wait_time_seconds
    config = WorkerConfig(
        pool=args.pool,
        concurrency=args.concurrency or getattr(settings, "CELERY_WORKER_CONCURRENCY", None) or 4,
        prefetch_multiplier=args.prefetch_multiplier or settings.CELERY_WORKER_PREFETCH_MULTIPLIER,
        transport_overrides=overrides,
        processes=args.processes,
        consumer=args.consumer,
    )
    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, **overrides}
    print(
        f"worker: {config.label}; transport polling_interval={options['polling_interval']}"
        f" wait_time_seconds={options['wait_time_seconds']} visibility_timeout={options['visibility_timeout']}"
        f"{' (overridden here)' if overrides else ' (config.settings.test)'}",
        flush=True,
    )
    if config.pool == "threads":
        print("note: the threads pool does not enforce CELERY_TASK_TIME_LIMIT (only prefork does)", flush=True)
    return config


def play_rounds(run: Run, config: WorkerConfig, args: argparse.Namespace) -> None:
    def bare() -> None:
        bare_phase(run, batch=True)
        if args.single_delete_baseline:
            bare_phase(run, batch=False)

    for number in range(1, args.rounds + 1):
        bare_first = number % 2 == 1
        step(f"Round {number}/{args.rounds} ({'bare first' if bare_first else 'pipeline first'})")
        if bare_first:
            bare()
        worker = pipeline_phase(run, config)
        try:
            latency_phase(run, worker, args.rate, args.seconds)
            run.figures.memory.append(worker.memory_mb())
        finally:
            worker.stop()
        if not bare_first:
            bare()


def bench(args: argparse.Namespace) -> int:
    prepare_database()
    import boto3
    import django

    django.setup()
    from django.conf import settings

    from config.celery_app import app as celery_app
    from tests.workers.harness import create_sqs_setup

    config = worker_config(args)
    if args.stock_moto:
        step("Starting moto's server (stock)")
    else:
        latency = f", {args.sqs_latency_ms:g} ms added to every SQS call" if args.sqs_latency_ms else ""
        step(f"Starting moto's server (retention check made O(1), see MOTO_PATCHED{latency})")
    moto = start_moto(args.stock_moto, args.sqs_latency_ms)
    try:

        def client(service: str):
            return boto3.client(service, endpoint_url=moto.endpoint, region_name=AWS_ENV["AWS_DEFAULT_REGION"])

        setup = create_sqs_setup(SimpleNamespace(endpoint=moto.endpoint, client=client))
        queue_url = setup.queue_urls[settings.CELERY_AUDIT_QUEUE]
        print(f"    {moto.endpoint}, queues: {', '.join(setup.queue_urls)}", flush=True)
        # This process publishes to moto (as tests/workers/conftest.py configures it).
        celery_app.close()
        celery_app.conf.update(
            broker_url=setup.broker_url, broker_transport_options=setup.transport_options(), task_always_eager=False
        )
        writer = Writer(bench_actor())
        writer.write_many(20)  # warm the publisher's connection and the first queries, untimed
        setup.sqs.purge_queue(QueueUrl=queue_url)
        figures = Figures()
        with tempfile.TemporaryDirectory(prefix="bigtree-bench-audit-") as tmp:
            run = Run(setup, queue_url, writer, figures, CpuMeter(moto.process.pid, Path(tmp)), args.messages)
            play_rounds(run, config, args)
        report(config, args, figures)
        return 1 if figures.problems else 0
    finally:
        celery_app.close()
        moto.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--consumer",
        choices=["batch", "tasks"],
        default="batch",
        help="audit queue read by the worker's batch consumer (default) or as one task per message",
    )
    parser.add_argument("--pool", choices=["prefork", "threads", "solo"], default="prefork", help="default prefork")
    parser.add_argument("--concurrency", type=int, help="default: settings.CELERY_WORKER_CONCURRENCY, else 4")
    parser.add_argument(
        "--prefetch-multiplier", type=int, help="default: settings.CELERY_WORKER_PREFETCH_MULTIPLIER (the issue: 1)"
    )
    parser.add_argument("--messages", type=int, default=1000, help="messages per throughput phase (default 1000)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds, alternating the order (default 2)")
    parser.add_argument("--rate", type=float, default=20.0, help="writes/s in the latency phase (default 20)")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of the latency phase (default 10)")
    parser.add_argument(
        "--single-delete-baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time a bare loop deleting each message on its own, as kombu does per ack (default on)",
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="worker processes side by side, like several ECS tasks (default 1)"
    )
    parser.add_argument(
        "--polling-interval",
        type=float,
        help="worker's kombu polling_interval in s (experiment; default: the settings' value)",
    )
    parser.add_argument(
        "--wait-time-seconds",
        type=int,
        help="worker's SQS long-polling wait in s (experiment; default: the test settings' 1; production: 20)",
    )
    parser.add_argument(
        "--stock-moto", action="store_true", help="moto as is (its receive costs O(queue depth) per message returned)"
    )
    parser.add_argument(
        "--sqs-latency-ms",
        type=float,
        default=0.0,
        help="experiment: sleep this long in moto before every SQS call, like a network round trip (default 0)",
    )
    args = parser.parse_args()
    if args.sqs_latency_ms and args.stock_moto:
        parser.error("--sqs-latency-ms needs the bench's moto (not --stock-moto)")
    if args.messages < 10 or args.rounds < 1 or args.rate <= 0 or args.seconds <= 0:
        parser.error("--messages ≥ 10, --rounds ≥ 1, --rate and --seconds > 0")
    if (
        args.processes < 1
        or (args.concurrency is not None and args.concurrency < 1)
        or (args.prefetch_multiplier is not None and args.prefetch_multiplier < 1)
    ):
        parser.error("--processes, --concurrency and --prefetch-multiplier must be ≥ 1")
    return run_interruptibly(lambda: bench(args), stopped="the worker and moto were stopped")


if __name__ == "__main__":
    sys.exit(main())
