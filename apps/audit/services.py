"""The audit trail's single entry point.

Every write service calls ``audit_record`` inside its own transaction, so an entry exists exactly
when the change it describes was committed. A later issue moves delivery onto SQS (outbox row in
the same transaction, published after commit) without changing this signature.
"""

from django.db import models
from django.utils import timezone

from apps.audit.models import ActorType, AuditLog
from apps.core.context import get_context


def _actor_fields(actor) -> dict:
    if actor is None:
        return {"actor_type": ActorType.SYSTEM, "actor_id": "", "actor_repr": ""}
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
) -> AuditLog:
    """Record that ``actor`` performed ``action`` on an object, with before/after ``changes``.

    The actor, source and request id default to the current request or task context.
    """
    ctx = get_context()
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id if object_id is not None else instance.pk
        object_repr = object_repr if object_repr is not None else str(instance)
    if actor is None:
        actor = ctx.user
    return AuditLog.objects.create(
        occurred_at=timezone.now(),
        action=action,
        object_type=object_type or "",
        object_id=str(object_id if object_id is not None else ""),
        object_repr=(object_repr or "")[:255],
        case_reference=case_reference or "",
        changes=changes or {},
        request_id=ctx.request_id if ctx.request_id != "-" else "",
        source=source or ctx.source,
        **_actor_fields(actor),
    )
