"""The audit outbox in-process: written with the change, stored once, swept when unconfirmed."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.audit import services
from apps.audit.models import AuditLog, AuditOutbox
from apps.audit.services import InvalidAuditMessage, audit_record, audit_sweep_outbox, audit_write_entry
from apps.core.celery import publish_breaker
from tests.masters.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_entry_is_an_outbox_row_until_the_worker_stores_it(monkeypatch):
    published = []
    monkeypatch.setattr(services, "run_after_commit", lambda func: None)  # nothing published yet
    entry = audit_record(action="update", instance=CategoryFactory())
    assert AuditOutbox.objects.filter(pk=entry.pk).exists()
    assert not AuditLog.objects.filter(message_id=entry.message_id).exists()
    monkeypatch.setattr(services, "audit_publish", lambda payload: published.append(payload) or True)
    assert audit_write_entry(entry.payload) is True
    assert AuditLog.objects.filter(message_id=entry.message_id).count() == 1
    assert not AuditOutbox.objects.filter(pk=entry.pk).exists()


def test_a_redelivered_message_is_stored_once():
    entry = audit_record(action="update", instance=CategoryFactory())  # published and stored (eager)
    assert audit_write_entry(entry.payload) is False
    assert AuditLog.objects.filter(message_id=entry.message_id).count() == 1


def test_rolled_back_change_leaves_no_entry():
    category = CategoryFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="update", instance=category)
        raise RuntimeError("the change fails after auditing")
    assert not AuditOutbox.objects.exists()
    assert not AuditLog.objects.filter(object_type="masters.category", action="update").exists()


@pytest.mark.parametrize(
    "message, error",
    [
        ("not a dict", "expected an object"),
        ({}, "message_id"),
        ({"message_id": "x"}, "message_id"),
        ({"message_id": "5f0c8d3c-6c43-4a3e-9f2f-0d6f0f5a1b11"}, "occurred_at"),
    ],
)
def test_malformed_messages_are_refused(message, error):
    with pytest.raises(InvalidAuditMessage, match=error):
        audit_write_entry(message)


def test_fields_are_validated_before_anything_is_written():
    entry = audit_record(action="update", instance=CategoryFactory())
    for field, value in [("actor_type", "robot"), ("source", "mars"), ("object_repr", "x" * 300), ("changes", [])]:
        bad = {**entry.payload, "message_id": "5f0c8d3c-6c43-4a3e-9f2f-0d6f0f5a1b11", field: value}
        with pytest.raises(InvalidAuditMessage, match=field):
            audit_write_entry(bad)
    assert not AuditLog.objects.filter(message_id="5f0c8d3c-6c43-4a3e-9f2f-0d6f0f5a1b11").exists()


def test_sweeper_republishes_only_unconfirmed_rows_past_the_grace_period(monkeypatch, settings):
    monkeypatch.setattr(services, "run_after_commit", lambda func: None)  # publication "lost"
    old = audit_record(action="update", instance=CategoryFactory())
    fresh = audit_record(action="update", instance=CategoryFactory())
    AuditOutbox.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    sent = []
    monkeypatch.setattr(services, "audit_publish", lambda payload: sent.append(payload["message_id"]) or True)
    assert audit_sweep_outbox() == 1
    assert sent == [str(old.message_id)]
    # Not again until another grace period has passed.
    assert audit_sweep_outbox() == 0
    later = timezone.now() + timedelta(seconds=settings.AUDIT_OUTBOX_REPUBLISH_AFTER_SECONDS + 1)
    assert audit_sweep_outbox(now=later) == 2
    assert AuditOutbox.objects.get(pk=old.pk).republish_count == 2
    assert fresh.pk in AuditOutbox.objects.values_list("pk", flat=True)


def test_sweeper_stops_while_the_broker_is_down(monkeypatch):
    monkeypatch.setattr(services, "run_after_commit", lambda func: None)
    for _ in range(3):
        audit_record(action="update", instance=CategoryFactory())
    AuditOutbox.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    calls = []
    monkeypatch.setattr(services, "audit_publish", lambda payload: calls.append(1) and False)
    assert audit_sweep_outbox() == 0
    assert len(calls) == 1  # gave up at the first failure instead of hammering a dead broker
    assert AuditOutbox.objects.filter(republished_at__isnull=True).count() == 3


def test_publish_failure_is_logged_not_raised(monkeypatch, caplog):
    from apps.audit.tasks import write_entry

    def broken(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(write_entry, "apply_async", broken)
    category = CategoryFactory()
    entry = audit_record(action="update", instance=category)  # the change itself succeeds
    assert AuditOutbox.objects.filter(pk=entry.pk).exists()
    assert "not published" in caplog.text


def test_after_a_publish_failure_publishing_pauses_briefly():
    """During a broker outage requests do not each wait for a connection timeout."""
    from apps.audit.tasks import write_entry

    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise ConnectionError("broker down")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(write_entry, "apply_async", broken)
        entries = [audit_record(action="update", instance=CategoryFactory()) for _ in range(5)]
    assert len(calls) == 1  # the first failure opened the breaker; the rest waited for the sweeper
    assert AuditOutbox.objects.filter(pk__in=[e.pk for e in entries]).count() == 5
    publish_breaker.reset()
    audit_record(action="update", instance=CategoryFactory())
    assert AuditOutbox.objects.count() == 5  # publishing works again once the pause is over
