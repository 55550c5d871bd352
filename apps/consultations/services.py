"""Writes of phone consultations. Admin and API call these; each is one transaction and audited.

Audit entries carry the linked case's code as ``case_reference``, so a call shows up in the case's
timeline. A consultation can only be linked to a case the caller may see (partners: their own).
"""

import logging
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.assistances.models import Event
from apps.assistances.selectors import event_list
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.consultations.files import HEAD_BYTES, agrees, detect_format
from apps.consultations.models import PhoneConsultation, PhoneConsultationFile
from apps.core.context import get_context
from apps.core.crud import audited_create, audited_update
from apps.core.exceptions import ApplicationError, coded
from apps.core.uploads import clean_filename, file_sha256, is_readable_pdf, read_head
from apps.core.visibility import partner_source

logger = logging.getLogger(__name__)

# Clocks of phones, PBXs and browsers drift: a start this far ahead of ours is still accepted.
FUTURE_TOLERANCE = timedelta(minutes=5)
# No call of this operation predates it. Earlier dates are typing errors, and before 1920 the local
# zones had offsets in seconds (local mean time) that no RFC 3339 date-time can carry (found by the
# schema fuzzer: a call "started" in 534 was stored and then answered with offset -03:53:48).
EARLIEST_CALL = datetime(2000, 1, 1, tzinfo=UTC)


def _actor(actor):
    return actor if actor is not None else get_context().user


def _user(actor):
    """The user to store in user columns (API clients are recorded in the audit trail only)."""
    if actor is None or getattr(actor, "is_api_client", False) or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def _invalid(errors: dict) -> ApplicationError:
    return ApplicationError(_("One or more fields are invalid."), code="validation_error", extra={"errors": errors})


def _case_code(event: Event | None) -> str:
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
        raise _invalid(errors)


@transaction.atomic
def consultation_create(*, data: dict, actor=None) -> PhoneConsultation:
    """Record a call. ``started_at`` defaults to now, ``operator`` to the acting user."""
    actor = _actor(actor)
    data = dict(data)
    if data.get("started_at") is None:
        data["started_at"] = timezone.now()
    if data.get("operator") is None:
        data["operator"] = _user(actor)
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
    actor = _actor(actor)
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


def max_file_bytes() -> int:
    return settings.CONSULTATION_FILE_MAX_BYTES


def _file_error(message: str, *, code: str, status_code: int = 400) -> ApplicationError:
    return ApplicationError(
        message, code=code, status_code=status_code, extra={"errors": {"file": [coded(message, code)]}}
    )


def too_large_error() -> ApplicationError:
    return _file_error(
        _("The file is larger than the limit of %(limit)d bytes.") % {"limit": max_file_bytes()},
        code="file_too_large",
        status_code=413,
    )


@transaction.atomic
def consultation_file_add(*, consultation: PhoneConsultation, upload, actor=None) -> tuple[PhoneConsultationFile, bool]:
    """Attach a call recording (WAV, MP3, OGG, M4A), a PDF or an image (PNG, JPEG) to a consultation.

    The format is read from the first bytes, and the declared content type must name the same
    format. Returns ``(file, created)``: the same content uploaded again returns the stored file.
    Too large → 413 (``file_too_large``); another format → 400 (``unsupported_file_type``); a
    declared type that disagrees → 400 (``content_type_mismatch``). Nothing is stored when refused.
    """
    actor = _actor(actor)
    if upload.size > max_file_bytes():
        raise too_large_error()
    if upload.size == 0:
        raise _file_error(_("The file is empty."), code="empty_file")
    file_format = detect_format(read_head(upload, HEAD_BYTES))
    if file_format is not None and file_format.content_type == "application/pdf" and not is_readable_pdf(upload):
        file_format = None  # a PDF header on something no PDF reader can open
    if file_format is None:
        logger.info("refused consultation upload: unknown or unreadable format")
        raise _file_error(
            _("Only call recordings (WAV, MP3, OGG, M4A), PDF documents and images (PNG, JPEG) are accepted."),
            code="unsupported_file_type",
        )
    declared = getattr(upload, "content_type", None)
    if not agrees(file_format, declared):
        raise _file_error(
            _("The declared content type %(declared)s does not match the file, which is %(actual)s.")
            % {"declared": declared or "-", "actual": file_format.content_type},
            code="content_type_mismatch",
        )
    sha256 = file_sha256(upload)
    existing = consultation.files.filter(sha256=sha256).first()
    if existing is not None:
        return existing, False
    stored = PhoneConsultationFile(
        consultation=consultation,
        kind=file_format.kind,
        original_name=clean_filename(upload.name, default=f"{file_format.name}{file_format.extension}"),
        content_type=file_format.content_type,
        size=upload.size,
        sha256=sha256,
        created_by=_user(actor),
        updated_by=_user(actor),
    )
    # The key is random; only the detected format's extension is kept (see consultation_file_path).
    stored.file.save(f"{file_format.name}{file_format.extension}", upload, save=False)
    try:
        stored.save()
        audit_record(
            action=AuditAction.CREATE,
            instance=stored,
            changes={
                "after": {
                    "consultation": consultation.pk,
                    "kind": stored.kind,
                    "original_name": stored.original_name,
                    "content_type": stored.content_type,
                    "size": stored.size,
                    "sha256": sha256,
                    "file": stored.file.name,
                }
            },
            actor=actor,
            case_reference=_case_code(consultation.event if consultation.event_id else None),
        )
    except Exception:
        # The row was not written: do not leave an orphan object in the bucket.
        stored.file.storage.delete(stored.file.name)
        raise
    return stored, True
