"""Audited create / update / delete / file upload, the building blocks of every app's write services.

Each app's ``services.py`` wraps these with its own rules (validation callback, extra steps), so
stamping the actor, running model validation, turning "still referenced" into a 409 and writing
the audit entry happen the same way everywhere. They live here rather than in core because core
sits below the audit app: it knows nothing of the audit trail.
"""

from collections.abc import Callable

from django.db import transaction
from django.db.models import Model, ProtectedError
from django.utils.translation import gettext as _

from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.core.context import current_actor, user_or_none
from apps.core.exceptions import ConflictError
from apps.core.files.services import FileRules, stored_file_add
from apps.core.services import model_snapshot, model_update

Validator = Callable[..., None]  # validate(instance=, data=) raises ApplicationError


def _stamp_actor(instance: Model, actor, *, creating: bool) -> None:
    actor = user_or_none(actor)
    if actor is None or not hasattr(instance, "updated_by_id"):
        return
    if creating:
        instance.created_by = actor
    instance.updated_by = actor


@transaction.atomic
def audited_create(
    *, model: type[Model], data: dict, actor=None, validate: Validator | None = None, case_reference: str = ""
) -> Model:
    actor = current_actor(actor)
    instance = model()
    if validate:
        validate(instance=instance, data=data)
    _stamp_actor(instance, actor, creating=True)
    model_update(instance=instance, data=data)
    audit_created(instance, actor=actor, case_reference=case_reference)
    return instance


def audit_import(model: type[Model], label: str, changes: dict) -> None:
    """One audit entry for rows written in bulk (an import, a demo batch): the whole table is its object."""
    audit_record(
        action=AuditAction.IMPORT,
        object_type=model._meta.label_lower,
        object_id="*",
        object_repr=label,
        changes=changes,
    )


def audit_created(instance: Model, *, actor=None, case_reference: str = "") -> None:
    """The audit entry of a row just saved: its whole state as the change's "after".

    Services that build a row themselves (a case, a note, an assignment) write the same entry as
    ``audited_create``; one definition keeps every creation's entry in one shape.
    """
    audit_record(
        action=AuditAction.CREATE,
        instance=instance,
        changes={"after": model_snapshot(instance)},
        actor=actor,
        case_reference=case_reference,
    )


@transaction.atomic
def audited_update(
    *, instance: Model, data: dict, actor=None, validate: Validator | None = None, case_reference: str = ""
) -> Model:
    """Apply ``data``; audit the before/after of the fields that really changed (nothing if none did)."""
    actor = current_actor(actor)
    if validate:
        validate(instance=instance, data=data)
    _stamp_actor(instance, actor, creating=False)
    changes = model_update(instance=instance, data=data)
    if changes:
        audit_record(
            action=AuditAction.UPDATE, instance=instance, changes=changes, actor=actor, case_reference=case_reference
        )
    return instance


@transaction.atomic
def audited_delete(*, instance: Model, actor=None, case_reference: str = "") -> None:
    """Delete unless something still refers to the row (then 409: deactivate it instead)."""
    actor = current_actor(actor)
    snapshot = model_snapshot(instance)
    object_id, object_repr = instance.pk, str(instance)
    try:
        instance.delete()
    except ProtectedError:
        raise ConflictError(
            _("%(object)s is still in use; deactivate it instead of deleting it.") % {"object": object_repr},
            code="in_use",
        ) from None
    audit_record(
        action=AuditAction.DELETE,
        object_type=instance._meta.label_lower,
        object_id=object_id,
        object_repr=object_repr,
        changes={"before": snapshot},
        actor=actor,
        case_reference=case_reference,
    )


def audited_file_add(
    *, rules: FileRules, owner, upload, actor=None, audit: dict, case_reference: str = ""
) -> tuple[Model, bool]:
    """``stored_file_add`` with its audit entry: ``audit`` names the owner (``{"record": "MOK-1"}``),
    and the entry's ``after`` also lists what was stored. Nothing is recorded for a file already there."""
    actor = current_actor(actor)

    def record(stored: Model, after: dict) -> None:
        audit_record(
            action=AuditAction.CREATE,
            instance=stored,
            changes={"after": {**audit, **after}},
            actor=actor,
            case_reference=case_reference,
        )

    return stored_file_add(rules=rules, owner=owner, upload=upload, actor=actor, record=record)
