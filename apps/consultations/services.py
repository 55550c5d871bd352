"""Writes of phone consultations. Admin and API call these; each is one transaction and audited.

Audit entries carry the linked case's code as ``case_reference``, so a call shows up in the case's
timeline. A consultation can only be linked to a case the caller may see (partners: their own).
"""

from datetime import UTC, datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.assistances.selectors import event_list
from apps.audit.crud import audited_create, audited_file_add, audited_update
from apps.consultations import files
from apps.consultations.models import PhoneConsultation, PhoneConsultationFile
from apps.core.context import current_actor, user_or_none
from apps.core.exceptions import ValidationFailed, coded
from apps.core.files.services import FileRules
from apps.core.visibility import partner_source

# Clocks of phones, PBXs and browsers drift: a start this far ahead of ours is still accepted.
FUTURE_TOLERANCE = timedelta(minutes=5)
# No call of this operation predates it. Earlier dates are typing errors, and before 1920 the local
# zones had offsets in seconds (local mean time) that no RFC 3339 date-time can carry (found by the
# schema fuzzer: a call "started" in 534 was stored and then answered with offset -03:53:48).
EARLIEST_CALL = datetime(2000, 1, 1, tzinfo=UTC)


def _case_code(event) -> str:
    return event.code if event is not None else ""


def consultation_validate(*, instance: PhoneConsultation, data: dict, actor=None) -> None:
    """The rules beyond each field's own shape (which the model validates).

    The case, when given, must be one the caller may see; a partner must link the consultation
    to one of its cases (otherwise it could not see it afterwards); a call cannot start in the future
    nor before ``EARLIEST_CALL``.
    """
    errors: dict = {}
    if "event" in data:
        event = data["event"]
        if event is not None and not event_list(caller=actor).filter(pk=event.pk).exists():
            errors["event"] = [coded(_("Unknown case."), "does_not_exist")]
    else:
        event = instance.event if instance.event_id else None
    if event is None and partner_source(actor) is not None and "event" not in errors:
        errors["event"] = [coded(_("Link the consultation to one of your cases."), "case_required")]
    started_at = data.get("started_at")
    if started_at is not None and started_at > timezone.now() + FUTURE_TOLERANCE:
        errors["started_at"] = [coded(_("A call cannot start in the future."), "date_out_of_range")]
    elif started_at is not None and started_at < EARLIEST_CALL:
        errors["started_at"] = [coded(_("A call cannot start before 2000."), "date_out_of_range")]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def consultation_create(*, data: dict, actor=None) -> PhoneConsultation:
    """Record a call. ``started_at`` defaults to now, ``operator`` to the acting user."""
    actor = current_actor(actor)
    data = dict(data)
    if data.get("started_at") is None:
        data["started_at"] = timezone.now()
    if data.get("operator") is None:
        data["operator"] = user_or_none(actor)
    return audited_create(
        model=PhoneConsultation,
        data=data,
        actor=actor,
        validate=partial(consultation_validate, actor=actor),
        case_reference=_case_code(data.get("event")),
    )


@transaction.atomic
def consultation_update(*, instance: PhoneConsultation, data: dict, actor=None) -> PhoneConsultation:
    """Change a call's record; unlinking it from a case is audited under the case it left."""
    actor = current_actor(actor)
    data = dict(data)
    previous = instance.event if instance.event_id else None
    current = data.get("event", previous)
    return audited_update(
        instance=instance,
        data=data,
        actor=actor,
        validate=partial(consultation_validate, actor=actor),
        case_reference=_case_code(current or previous),
    )


# --- Files ------------------------------------------------------------------------------------------------

FILE_RULES = FileRules(
    model=PhoneConsultationFile,
    check=files.CHECK,
    max_bytes_setting="CONSULTATION_FILE_MAX_BYTES",
    format_fields=files.format_fields,
)


def consultation_file_add(*, consultation: PhoneConsultation, upload, actor=None) -> tuple[PhoneConsultationFile, bool]:
    """Attach a call recording (WAV, MP3, OGG, M4A), a PDF or an image (PNG, JPEG) to a consultation.

    The format is read from the first bytes, and the declared content type must name the same
    format. Returns ``(file, created)``: the same content uploaded again returns the stored file.
    Too large → 413 (``file_too_large``); another format → 400 (``unsupported_file_type``); a
    declared type that disagrees → 400 (``content_type_mismatch``). Nothing is stored when refused.
    """
    return audited_file_add(
        rules=FILE_RULES,
        owner=consultation,
        upload=upload,
        actor=actor,
        audit={"consultation": consultation.pk},
        case_reference=_case_code(consultation.event if consultation.event_id else None),
    )
