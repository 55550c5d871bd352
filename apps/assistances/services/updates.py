"""Editing a case's details under optimistic concurrency: the fields that may change after opening,
the version claimed on every write (If-Match's stale version is a 409, not a lost update), the SLA
recomputed when the priority changes, and an operator taking a case."""

from django.db import transaction
from django.utils.translation import gettext as _

from apps.assistances.fields import EVENT_UPDATABLE_FIELDS
from apps.assistances.models import Event
from apps.assistances.services._common import bump_version
from apps.assistances.services.opening import event_validate_place
from apps.assistances.services.sla import sla_due
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.core.context import Actor, current_actor, user_or_none
from apps.core.exceptions import ValidationFailed
from apps.core.services import model_update

UPDATABLE_FIELDS = frozenset(EVENT_UPDATABLE_FIELDS)


@transaction.atomic
def event_update(*, event: Event, data: dict, expected_version: int | None = None, actor: Actor = None) -> Event:
    """Change a case's details. ``expected_version`` (from If-Match) turns a lost update into a 409."""
    actor = current_actor(actor)
    not_allowed = set(data) - UPDATABLE_FIELDS
    if not_allowed:
        raise ValidationFailed({name: [_("This field cannot be changed here.")] for name in sorted(not_allowed)})
    merged = {"country": event.country, "latitude": event.latitude, "longitude": event.longitude, **data}
    errors = event_validate_place(merged)
    if errors:
        raise ValidationFailed(errors)
    bump_version(event, expected_version)
    event.updated_by = user_or_none(actor) or event.updated_by
    changes = model_update(instance=event, data=data)
    if "priority" in changes:
        event.sla_due_at = sla_due(opened_at=event.opened_at, assistance=event.assistance, priority=event.priority)
        event.save(update_fields=["sla_due_at"])
    if changes:
        audit_record(action=AuditAction.UPDATE, instance=event, changes=changes, actor=actor, case_reference=event.code)
    return event


@transaction.atomic
def event_take(*, event: Event, operator, expected_version: int | None = None) -> Event:
    """An operator takes the case (assigns it to themself)."""
    return event_update(
        event=event, data={"assigned_operator": operator}, expected_version=expected_version, actor=operator
    )
