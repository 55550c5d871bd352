"""Messages that keep failing end in the dead-letter queue, where `manage.py dead_letters` shows
them and re-drives them once the cause is fixed."""

import io

import pytest
from django.core.management import CommandError, call_command

from apps.audit.models import AuditLog, AuditOutbox
from apps.masters.services import catalog_entry_update
from tests.masters.factories import CategoryFactory
from tests.workers.harness import MAX_RECEIVE_COUNT, wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def command(*args) -> str:
    out = io.StringIO()
    call_command("dead_letters", *args, stdout=out)
    return out.getvalue()


def test_database_outage_parks_messages_then_redrive_stores_them(sqs_setup, start_worker, settings, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", sqs_setup.endpoint)
    monkeypatch.setattr(settings, "SQS_QUEUE_URL_BASE", sqs_setup.url_base)
    queue = settings.CELERY_AUDIT_QUEUE
    # A worker whose database is gone: every task fails and is rejected, never acknowledged.
    broken = start_worker({"TEST_DATABASE_URL": "mysql://root@127.0.0.1:3306/no_such_database"})
    category = CategoryFactory()
    for number in range(5):
        catalog_entry_update(instance=category, data={"name_en": f"Change {number}"})
    wait_for(
        lambda: sqs_setup.count(sqs_setup.dlq_urls[queue]) == 5,
        settings.SQS_VISIBILITY_TIMEOUT * (MAX_RECEIVE_COUNT + 3),
        interval=1,
        message="the failing messages to reach the dead-letter queue",
    )
    assert broken.process.poll() is None  # the worker kept running through the failures
    assert not AuditLog.objects.filter(object_type="masters.category", action="update").exists()
    broken.stop()

    assert "audit-logger-dlq: 5" in command("list")
    shown = command("show", "audit-logger")
    assert shown.count("task=audit.write_entry") == 5
    assert sqs_setup.count(sqs_setup.dlq_urls[queue]) == 5  # showing leaves them in place

    start_worker()  # the database is back
    assert "Moved 5 message(s)" in command("redrive", "audit-logger")
    wait_for(lambda: AuditOutbox.objects.count() == 0, 30, message="the re-driven entries to be stored")
    assert AuditLog.objects.filter(object_type="masters.category", action="update").count() == 5
    assert sqs_setup.count(sqs_setup.dlq_urls[queue]) == 0


def test_unknown_queue_is_a_clear_error(settings):
    with pytest.raises(CommandError, match="unknown queue 'nope'"):
        command("show", "nope")
    with pytest.raises(CommandError, match="Name the queue"):
        command("redrive")
