"""The audit trail's single entry point, and the worker side that stores entries exactly once.

Every write service calls ``audit_record`` inside its own transaction. It writes an outbox row
there, so an entry exists exactly when the change it describes was committed; after the commit the
entry is published to the audit SQS queue, and a worker stores the ``AuditLog`` row
(``audit_write_entry``). ``message_id`` is unique on the log, so a message delivered twice is
stored once. Rows left in the outbox (publish failed, or the process died between commit and
publish) are published again by ``audit_sweep_outbox``.
"""

import logging
import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.audit.models import ActorType, AuditLog, AuditOutbox, AuditSource
from apps.core.celery import publish_breaker
from apps.core.context import get_context
from apps.core.services import run_after_commit

logger = logging.getLogger(__name__)


class InvalidAuditMessage(ValueError):
    """A queue message that is not an audit entry. The worker rejects it (dead-letter queue)."""


def _actor_fields(actor) -> dict:
    if actor is None:
        return {"actor_type": ActorType.SYSTEM, "actor_id": "", "actor_repr": ""}
    if getattr(actor, "is_external", False):
        # Someone without an account acting through a signed link (a provider answering a guarantee
        # of payment): named in the trail, with no id of ours to point at.
        return {"actor_type": ActorType.SYSTEM, "actor_id": "", "actor_repr": str(actor)[:255]}
    if getattr(actor, "is_api_client", False):
        return {"actor_type": ActorType.API_CLIENT, "actor_id": str(actor.pk), "actor_repr": str(actor)[:255]}
    return {"actor_type": ActorType.USER, "actor_id": str(actor.pk), "actor_repr": str(actor)[:255]}


def audit_record(
    *,
    action: str,
    instance: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    object_repr: str | None = None,
    changes: dict | None = None,
    case_reference: str = "",
    actor=None,
    source: str | None = None,
) -> AuditOutbox:
    """Record that ``actor`` performed ``action`` on an object, with before/after ``changes``.

    The actor, source and request id default to the current request or task context. Returns the
    outbox row; the ``AuditLog`` row appears once the audit worker has stored it.
    """
    ctx = get_context()
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id if object_id is not None else instance.pk
        object_repr = object_repr if object_repr is not None else str(instance)
    if actor is None:
        actor = ctx.user
    message_id = uuid.uuid4()
    occurred_at = timezone.now()
    payload = {
        "message_id": str(message_id),
        "occurred_at": occurred_at.isoformat(),
        "action": action,
        "object_type": object_type or "",
        "object_id": str(object_id if object_id is not None else ""),
        "object_repr": (object_repr or "")[:255],
        "case_reference": case_reference or "",
        "changes": changes or {},
        "request_id": ctx.request_id if ctx.request_id != "-" else "",
        "source": source or ctx.source,
        **_actor_fields(actor),
    }
    entry = AuditOutbox.objects.create(message_id=message_id, payload=payload, created_at=occurred_at)
    run_after_commit(lambda: audit_publish(payload))
    return entry


def audit_publish(payload: dict) -> bool:
    """Send one entry to the audit queue. A failure is logged, never raised: the sweeper retries it."""
    from apps.audit.tasks import write_entry

    return publish_breaker.publish(
        lambda: write_entry.apply_async(args=[payload], retry_policy=settings.AUDIT_PUBLISH_RETRY_POLICY),
        f"audit message {payload.get('message_id')}",
    )


_TEXT_LIMITS = {
    "action": 64,
    "object_type": 100,
    "object_id": 64,
    "object_repr": 255,
    "case_reference": 64,
    "request_id": 128,
    "actor_id": 64,
    "actor_repr": 255,
}


def _validated(message) -> dict:
    if not isinstance(message, dict):
        raise InvalidAuditMessage(f"expected an object, got {type(message).__name__}")
    try:
        message_id = uuid.UUID(str(message["message_id"]))
    except (KeyError, ValueError) as exc:
        raise InvalidAuditMessage("missing or malformed message_id") from exc
    occurred_at = message.get("occurred_at")
    occurred = parse_datetime(occurred_at) if isinstance(occurred_at, str) else None
    if occurred is None:
        raise InvalidAuditMessage(f"{message_id}: missing or malformed occurred_at")
    entry = {"message_id": message_id, "occurred_at": occurred}
    for field, limit in _TEXT_LIMITS.items():
        value = message.get(field, "")
        if not isinstance(value, str) or len(value) > limit:
            raise InvalidAuditMessage(f"{message_id}: {field} must be text of at most {limit} characters")
        entry[field] = value
    if not entry["action"] or not entry["object_type"]:
        raise InvalidAuditMessage(f"{message_id}: action and object_type are required")
    if message.get("actor_type") not in ActorType.values:
        raise InvalidAuditMessage(f"{message_id}: unknown actor_type")
    if message.get("source") not in AuditSource.values:
        raise InvalidAuditMessage(f"{message_id}: unknown source")
    if not isinstance(message.get("changes", {}), dict):
        raise InvalidAuditMessage(f"{message_id}: changes must be an object")
    entry.update(actor_type=message["actor_type"], source=message["source"], changes=message.get("changes", {}))
    return entry


def audit_write_entry(message: dict) -> bool:
    """Store one audit message; True if stored now, False if it was already stored (redelivery)."""
    return _store_one(_validated(message))


def _store_one(entry: dict) -> bool:
    with transaction.atomic():
        try:
            with transaction.atomic():
                AuditLog.objects.create(**entry)
            stored = True
        except IntegrityError:
            if not AuditLog.objects.filter(message_id=entry["message_id"]).exists():
                raise
            stored = False
        # Confirmed: the outbox row is no longer needed (absent if this is a redelivery).
        AuditOutbox.objects.filter(message_id=entry["message_id"]).delete()
    return stored


class Outcome(StrEnum):
    """What became of one message of a batch: the first two are acknowledged, the others are not."""

    STORED = "stored"
    DUPLICATE = "duplicate"  # stored before (a redelivery, or a second copy in the same batch)
    INVALID = "invalid"  # not an audit entry: left for the dead-letter queue
    FAILED = "failed"  # could not be stored now (e.g. the database is down): received again later


def audit_write_entries(messages: list) -> list[Outcome]:
    """Store a batch of audit messages in one transaction; one outcome per message, in order.

    Three statements for the whole batch (which entries exist already, one multi-row insert, one
    outbox delete) instead of three per message. If the batch cannot be stored as a whole (a
    concurrent redelivery inserted one of its entries first, or one entry breaks a constraint),
    each entry is stored on its own, so one bad entry cannot hold back the others. If the database
    itself fails, every entry of the batch is FAILED (its message is received again later).
    """
    outcomes: list[Outcome | None] = [None] * len(messages)
    entries: dict[uuid.UUID, dict] = {}
    positions: dict[uuid.UUID, int] = {}
    for position, message in enumerate(messages):
        try:
            entry = _validated(message)
        except InvalidAuditMessage as exc:
            logger.error("invalid audit message rejected: %s", exc)
            outcomes[position] = Outcome.INVALID
            continue
        if entry["message_id"] in entries:
            outcomes[position] = Outcome.DUPLICATE
            continue
        entries[entry["message_id"]] = entry
        positions[entry["message_id"]] = position
    if not entries:
        return outcomes
    try:
        with transaction.atomic():
            known = set(AuditLog.objects.filter(message_id__in=list(entries)).values_list("message_id", flat=True))
            AuditLog.objects.bulk_create([AuditLog(**e) for key, e in entries.items() if key not in known])
            AuditOutbox.objects.filter(message_id__in=list(entries)).delete()
        for key, position in positions.items():
            outcomes[position] = Outcome.DUPLICATE if key in known else Outcome.STORED
    except (IntegrityError, DataError):
        # Something in the batch itself: store the entries one by one, so only the culprit waits.
        logger.warning("audit batch of %d not stored at once; storing its entries one by one", len(entries))
        for key, position in positions.items():
            try:
                outcomes[position] = Outcome.STORED if _store_one(entries[key]) else Outcome.DUPLICATE
            except DatabaseError:
                logger.exception("audit message %s not stored; it will be received again", key)
                outcomes[position] = Outcome.FAILED
    except DatabaseError:
        # The database itself (unreachable, lock wait, deadlock): nothing stored, all received again.
        logger.exception("audit batch of %d not stored; it will be received again", len(entries))
        for position in positions.values():
            outcomes[position] = Outcome.FAILED
    return outcomes


def audit_sweep_outbox(*, now: datetime | None = None, limit: int = 2000) -> int:
    """Publish again the outbox rows not confirmed in time; returns how many were published."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.AUDIT_OUTBOX_REPUBLISH_AFTER_SECONDS)
    rows = list(
        AuditOutbox.objects.filter(created_at__lt=cutoff)
        .filter(Q(republished_at__isnull=True) | Q(republished_at__lt=cutoff))
        .order_by("created_at")
        .values_list("pk", "payload")[:limit]
    )
    published = []
    for pk, payload in rows:
        if not audit_publish(payload):
            break  # the broker is still unreachable: try the rest on the next sweep
        published.append(pk)
    if published:
        AuditOutbox.objects.filter(pk__in=published).update(
            republished_at=now, republish_count=models.F("republish_count") + 1
        )
        logger.warning("audit outbox sweep published %d unconfirmed entries again", len(published))
    return len(published)
