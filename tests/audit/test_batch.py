"""Audit entries stored in batches (what the worker's audit batch consumer runs in its pool)."""

import uuid

import pytest

from apps.audit import services
from apps.audit.consumer import store_batch, task_payload
from apps.audit.models import AuditLog, AuditOutbox
from apps.audit.services import Outcome, audit_record, audit_write_entries
from tests.masters.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unpublished(monkeypatch):
    """Entries written with their change but not published yet: outbox rows waiting for the worker."""
    monkeypatch.setattr(services, "run_after_commit", lambda func: None)

    def make(count: int) -> list[dict]:
        category = CategoryFactory()
        entries = [audit_record(action="update", instance=category, changes={"n": [n, n + 1]}) for n in range(count)]
        return [entry.payload for entry in entries]

    return make


def stored(payloads) -> int:
    return AuditLog.objects.filter(message_id__in=[p["message_id"] for p in payloads]).count()


def test_a_batch_is_stored_and_confirmed_at_once(unpublished):
    payloads = unpublished(10)
    assert AuditOutbox.objects.count() == 10
    assert audit_write_entries(payloads) == [Outcome.STORED] * 10
    assert stored(payloads) == 10
    assert AuditOutbox.objects.count() == 0
    entry = AuditLog.objects.get(message_id=payloads[3]["message_id"])
    assert (entry.action, entry.changes, entry.object_type) == ("update", {"n": [3, 4]}, "masters.category")


def test_queries_do_not_grow_with_the_batch(unpublished, django_assert_num_queries):
    small, large = unpublished(2), unpublished(10)
    # Savepoint, which exist already, one insert, one outbox delete, release.
    with django_assert_num_queries(5):
        audit_write_entries(small)
    with django_assert_num_queries(5):
        audit_write_entries(large)
    assert stored(small + large) == 12


def test_redelivered_and_repeated_messages_are_stored_once(unpublished):
    first = unpublished(3)
    audit_write_entries(first[:2])
    outcomes = audit_write_entries([first[0], first[2], first[2], first[1]])
    assert outcomes == [Outcome.DUPLICATE, Outcome.STORED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert stored(first) == 3
    assert AuditLog.objects.filter(message_id=first[2]["message_id"]).count() == 1


def test_invalid_messages_are_reported_and_the_rest_stored(unpublished):
    good = unpublished(2)
    bad = {**good[0], "message_id": str(uuid.uuid4()), "actor_type": "robot"}
    outcomes = audit_write_entries([good[0], "not a dict", bad, {"message_id": "x"}, good[1]])
    assert outcomes == [Outcome.STORED, Outcome.INVALID, Outcome.INVALID, Outcome.INVALID, Outcome.STORED]
    assert stored(good) == 2
    assert not AuditLog.objects.filter(message_id=bad["message_id"]).exists()


def test_an_entry_the_database_refuses_does_not_hold_back_the_others(unpublished):
    payloads = unpublished(4)
    # Valid as a message, refused by MySQL's JSON check: the batch insert fails as a whole.
    payloads[1] = {**payloads[1], "changes": {"ratio": float("nan")}}
    outcomes = audit_write_entries(payloads)
    assert outcomes == [Outcome.STORED, Outcome.FAILED, Outcome.STORED, Outcome.STORED]
    assert stored(payloads) == 3
    # Not confirmed: its outbox row stays, and its message is received again (then dead-lettered).
    assert list(AuditOutbox.objects.values_list("message_id", flat=True)) == [uuid.UUID(payloads[1]["message_id"])]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the job closes its connection
def test_the_pool_job_returns_plain_outcomes(unpublished):
    payloads = unpublished(2)
    assert store_batch([payloads[0], {}, payloads[1]]) == ["stored", "invalid", "stored"]


class Message:
    def __init__(self, headers):
        self.headers = headers


@pytest.mark.parametrize(
    "body, headers, expected",
    [
        ([[{"message_id": "m"}], {}, {}], {"task": "audit.write_entry"}, {"message_id": "m"}),
        ([[{"message_id": "m"}], {}, {}], {"task": "tracking.deliver"}, None),  # another task
        ([[{"message_id": "m"}], {}, {}], {}, None),  # not a Celery task message
        ([[1, 2], {}, {}], {"task": "audit.write_entry"}, None),  # wrong arguments
        ({"message_id": "m"}, {"task": "audit.write_entry"}, None),  # not protocol 2
        ("text", {"task": "audit.write_entry"}, None),
    ],
)
def test_only_audit_task_messages_carry_an_entry(body, headers, expected):
    assert task_payload(body, Message(headers)) == expected
