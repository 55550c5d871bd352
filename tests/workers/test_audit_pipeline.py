"""The audit pipeline with real parts: outbox → SQS (moto) → celery worker processes → MariaDB.

Each fault test prints its counts (run with -s) and asserts lost = 0 and duplicates = 0, where
lost = committed writes − distinct audit rows − messages in the dead-letter queue.
"""

import json
import threading
import time
from collections import Counter

import MySQLdb
import pytest
from django.db import connection

from apps.audit.models import AuditLog, AuditOutbox
from apps.audit.tasks import sweep_outbox, write_entry
from apps.masters.models import Category
from apps.masters.services import catalog_entry_update
from config.celery_app import app as celery_app
from tests.masters.factories import CategoryFactory
from tests.workers.harness import MAX_RECEIVE_COUNT, reset_connections, wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def audited_writes(category: Category, start: int, count: int) -> list[int]:
    """``count`` committed changes, each audited in its own transaction; returns their numbers."""
    done = []
    for number in range(start, start + count):
        catalog_entry_update(instance=category, data={"name_en": f"Write {number}"})
        done.append(number)
    return done


def report(name: str, committed: int, sqs_setup, queue: str, poison: int = 0) -> dict:
    """Counts for one run; ``poison`` bad messages the test itself sent are expected in the DLQ."""
    rows = AuditLog.objects.filter(object_type="masters.category", action="update")
    distinct = rows.values("message_id").distinct().count()
    # The same change stored twice under different message ids would also be a duplicate.
    changes = Counter(json.dumps(c, sort_keys=True) for c in rows.values_list("changes", flat=True))
    per_change = sum(n - 1 for n in changes.values() if n > 1)
    dead = sqs_setup.count(sqs_setup.dlq_urls[queue]) - poison
    figures = {
        "committed": committed,
        "audit_rows": rows.count(),
        "distinct": distinct,
        "dead_letter": dead,
        "lost": committed - distinct - dead,
        "duplicates": rows.count() - distinct + per_change,
        "outbox_left": AuditOutbox.objects.count(),
    }
    print(f"\n[{name}] {json.dumps(figures)}")
    return figures


@pytest.mark.parametrize(
    "consumer_env",
    [{}, {"AUDIT_BATCH_CONSUMER": "false"}],
    ids=["batch consumer", "one task per message"],
)
def test_writes_reach_the_log_once_through_a_real_worker(sqs_setup, start_worker, settings, consumer_env):
    start_worker(consumer_env)
    category = CategoryFactory()
    audited_writes(category, 0, 50)
    queue = settings.CELERY_AUDIT_QUEUE
    wait_for(lambda: AuditOutbox.objects.count() == 0, 60, message="the worker to confirm every entry")
    figures = report("plain run", 50, sqs_setup, queue)
    assert (figures["lost"], figures["duplicates"], figures["audit_rows"]) == (0, 0, 50)
    entry = AuditLog.objects.filter(object_type="masters.category", action="update").latest("occurred_at")
    assert "Write 49" in json.dumps(entry.changes)


def writes_with_a_worker_stop(start_worker, total: int, flowing_at: int, stop) -> tuple[list[int], int, object]:
    """``total`` audited writes from a thread; once ``flowing_at`` rows are stored, ``stop(worker)``
    ends the worker, a new one starts, and every write must then reach the log.

    Returns the writes committed, the rows stored when the worker was stopped, and what ``stop``
    returned.
    """
    category = CategoryFactory()
    worker = start_worker()
    committed: list[int] = []
    producer = threading.Thread(target=lambda: committed.extend(audited_writes(category, 0, total)))
    producer.start()
    wait_for(lambda: AuditLog.objects.count() >= flowing_at, 120, message="the pipeline to be in full flow")
    stopped = stop(worker)
    stored_then = AuditLog.objects.count()
    time.sleep(1)
    start_worker()
    producer.join(timeout=600)
    assert not producer.is_alive()
    # Messages the stopped worker had received come back after the visibility timeout.
    wait_for(
        lambda: AuditLog.objects.filter(object_type="masters.category").count() >= total,
        180,
        interval=1,
        message="every committed write to reach the audit log",
    )
    return committed, stored_then, stopped


def test_worker_sigkilled_mid_run_loses_and_doubles_nothing(sqs_setup, start_worker, settings):
    # Kill the worker (SIGKILL, the whole container) while writes and deliveries are in full flow.
    committed, killed_at, _ = writes_with_a_worker_stop(start_worker, 2000, 300, lambda worker: worker.kill())
    figures = report("SIGKILL mid-run", len(committed), sqs_setup, settings.CELERY_AUDIT_QUEUE)
    print(f"[SIGKILL mid-run] rows when killed: {killed_at}")
    assert figures["committed"] == 2000
    assert figures["lost"] == 0
    assert figures["duplicates"] == 0


def test_worker_stopped_like_ecs_mid_run_loses_and_doubles_nothing(sqs_setup, start_worker, settings):
    """SIGTERM (soft shutdown), then SIGKILL at the stop timeout, while audit batches are in flight."""
    committed, stopped_at, (code, log) = writes_with_a_worker_stop(
        start_worker, 400, 100, lambda worker: (worker.stop_like_ecs(stop_timeout=10), worker.log())
    )
    time.sleep(settings.SQS_VISIBILITY_TIMEOUT)  # a message handed out twice would be stored by now
    figures = report("SIGTERM mid-run", len(committed), sqs_setup, settings.CELERY_AUDIT_QUEUE)
    print(f"[SIGTERM mid-run] worker exit code {code}; rows when it stopped: {stopped_at}")
    assert code >= 0  # it stopped by itself, within the stop timeout (not SIGKILLed)
    assert "Cold shutdown" in log  # SIGTERM is remapped to the (soft-first) cold shutdown
    assert (figures["committed"], figures["lost"], figures["duplicates"]) == (400, 0, 0)


def test_broker_unreachable_at_publish_time_then_back(sqs_setup, start_worker, settings):
    queue = settings.CELERY_AUDIT_QUEUE
    category = CategoryFactory()
    # The broker goes away: publishing after commit fails, the writes themselves succeed.
    good_options = celery_app.conf.broker_transport_options
    reset_connections()
    celery_app.conf.update(broker_url="sqs://testing:testing@127.0.0.1:9", broker_transport_options={
        **good_options, "predefined_queues": {
            name: {"url": f"http://127.0.0.1:9/123456789012/{name}"} for name in good_options["predefined_queues"]
        }
    })  # fmt: skip
    started = time.monotonic()
    audited_writes(category, 0, 100)
    outage_seconds = time.monotonic() - started
    assert AuditOutbox.objects.count() == 100
    assert AuditLog.objects.filter(object_type="masters.category").count() == 0
    # The broker is back; a worker runs and the sweeper publishes what is still in the outbox.
    reset_connections()
    celery_app.conf.update(broker_url=sqs_setup.broker_url, broker_transport_options=good_options)
    start_worker()
    time.sleep(settings.AUDIT_OUTBOX_REPUBLISH_AFTER_SECONDS)
    sweep_outbox.delay()  # what beat sends every minute
    wait_for(lambda: AuditOutbox.objects.count() == 0, 90, message="the sweeper's entries to be stored")
    figures = report("broker unreachable", 100, sqs_setup, queue)
    print(f"[broker unreachable] 100 writes during the outage took {outage_seconds:.1f} s")
    assert (figures["lost"], figures["duplicates"], figures["audit_rows"]) == (0, 0, 100)


def test_a_poison_message_ends_in_the_dead_letter_queue_while_others_flow(sqs_setup, start_worker, settings):
    queue = settings.CELERY_AUDIT_QUEUE
    start_worker()
    write_entry.delay({"message_id": "not-a-uuid", "action": "x"})  # a task message with a bad payload
    sqs_setup.sqs.send_message(QueueUrl=sqs_setup.queue_urls[queue], MessageBody="{not json at all")  # garbage
    category = CategoryFactory()
    audited_writes(category, 0, 30)
    wait_for(lambda: AuditOutbox.objects.count() == 0, 60, message="the good entries to be stored")
    # Each bad message is received MAX_RECEIVE_COUNT times (one visibility timeout apart), then moved.
    wait_for(
        lambda: sqs_setup.count(sqs_setup.dlq_urls[queue]) == 2,
        settings.SQS_VISIBILITY_TIMEOUT * (MAX_RECEIVE_COUNT + 3),
        interval=1,
        message="both bad messages to reach the dead-letter queue",
    )
    figures = report("poison message", 30, sqs_setup, queue, poison=2)
    assert (figures["lost"], figures["duplicates"], figures["audit_rows"]) == (0, 0, 30)
    assert sqs_setup.count(sqs_setup.queue_urls[queue]) == 0


def test_malformed_messages_are_logged_with_their_id(sqs_setup, start_worker, settings):
    queue = settings.CELERY_AUDIT_QUEUE
    worker = start_worker()
    sent = sqs_setup.sqs.send_message(QueueUrl=sqs_setup.queue_urls[queue], MessageBody="{not json at all")
    write_entry.delay({"message_id": "not-a-uuid"})
    wait_for(lambda: sent["MessageId"] in worker.log(), 30, message="the garbage message's id in the log")
    # With its reason (the batch consumer logs it; one task per message, its exception).
    wait_for(lambda: "malformed message_id" in worker.log(), 30, message="the invalid entry to be reported")
    assert worker.process.poll() is None  # the worker is still running


def test_a_backlog_is_stored_in_batches_with_one_delete_call_per_batch(sqs_setup, start_worker, aws, settings):
    queue = settings.CELERY_AUDIT_QUEUE
    audit_url = sqs_setup.queue_urls[queue]
    category = CategoryFactory()
    audited_writes(category, 0, 60)  # no worker yet: 60 messages wait on the audit queue
    aws.start_recording()  # every SQS call moto receives, the worker's included
    try:
        start_worker()
        wait_for(lambda: AuditOutbox.objects.count() == 0, 60, message="the worker to confirm every entry")
        wait_for(lambda: sqs_setup.count(audit_url) == 0, 30, message="every audit message to be deleted")
    finally:
        calls = aws.stop_recording()
    on_audit = [(action, body) for action, body in calls if body.get("QueueUrl") == audit_url]
    batch_deletes = [len(body["Entries"]) for action, body in on_audit if action == "DeleteMessageBatch"]
    single_deletes = [action for action, _ in on_audit if action == "DeleteMessage"]
    receives = [body.get("MaxNumberOfMessages") for action, body in on_audit if action == "ReceiveMessage"]
    print(f"\n[backlog] batch deletes (messages each): {batch_deletes}; single deletes: {len(single_deletes)};")
    print(f"[backlog] receives asking for (messages): {receives}")
    figures = report("backlog in batches", 60, sqs_setup, queue)
    assert (figures["lost"], figures["duplicates"], figures["audit_rows"]) == (0, 0, 60)
    assert single_deletes == []
    assert sum(batch_deletes) == 60
    # Ten per receive while the backlog lasts (the first receive may race the publishing tail).
    assert len(batch_deletes) <= 12
    assert max(receives) == 10


def test_a_batch_stuck_in_the_database_is_stopped_at_its_time_limit_and_received_again(
    sqs_setup, start_worker, settings
):
    queue = settings.CELERY_AUDIT_QUEUE
    category = CategoryFactory()
    audited_writes(category, 0, 5)
    # Another session holds the outbox rows: the batch's confirming DELETE waits on their locks
    # (for MariaDB's 50 s lock wait), far beyond AUDIT_BATCH_TIME_LIMIT.
    params = connection.settings_dict
    blocker = MySQLdb.connect(host=params["HOST"], port=int(params["PORT"]), user=params["USER"], db=params["NAME"])
    try:
        cursor = blocker.cursor()
        cursor.execute("START TRANSACTION")
        cursor.execute("SELECT id FROM audit_auditoutbox FOR UPDATE")
        worker = start_worker()
        wait_for(lambda: "failed in the pool" in worker.log(), 30, message="the stuck batch to be stopped")
        assert AuditLog.objects.filter(object_type="masters.category").count() == 0  # rolled back
    finally:
        blocker.rollback()
        blocker.close()
    # Not acknowledged: SQS hands the messages out again after the visibility timeout.
    wait_for(
        lambda: AuditOutbox.objects.count() == 0,
        settings.SQS_VISIBILITY_TIMEOUT * 3,
        message="the entries to be stored once received again",
    )
    figures = report("stuck batch", 5, sqs_setup, queue)
    assert (figures["lost"], figures["duplicates"], figures["audit_rows"]) == (0, 0, 5)
    assert worker.process.poll() is None
