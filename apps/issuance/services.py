"""MOK issuance ingestion (idempotent on MOK's issuance id) and its documents."""

import hashlib
import json
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.audit.crud import audited_file_add
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.core.context import current_actor, user_or_none
from apps.core.exceptions import ApplicationError, ConflictError, coded
from apps.core.files.formats import PDF
from apps.core.files.services import ContentCheck, FileRules
from apps.issuance.models import ISSUANCE_SOURCE, IssuanceDocument, IssuanceRecord
from apps.vouchers import services as voucher_services
from apps.vouchers.models import Voucher

logger = logging.getLogger(__name__)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(frozen=True)
class IngestionResult:
    record: IssuanceRecord
    result: str  # created | updated | unchanged
    vouchers: list[Voucher]


def payload_digest(payload) -> str:
    """SHA-256 of the payload's canonical JSON: key order and whitespace do not make a new version."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _at_voucher(index: int, exc: ApplicationError) -> ApplicationError:
    """Re-raise a voucher's error with its position in the payload, so MOK knows which one failed."""
    errors = exc.extra.get("errors")
    if errors is None:
        errors = {"non_field_errors": [str(exc.message)]}
    # A plain ApplicationError with the same status and code: subclasses take other arguments.
    return ApplicationError(
        exc.message,
        code=exc.code,
        status_code=exc.status_code,
        extra={**exc.extra, "errors": {"vouchers": {index: errors}}},
    )


def _voucher_data(item: dict, *, issuance_id: str, issued_at) -> dict:
    return {**item, "external_reference": issuance_id, "issued_at": issued_at}


def _claimable(voucher: Voucher, *, record: IssuanceRecord | None, issuance_id: str) -> bool:
    """A number already in use may be updated only if it came from this very MOK issuance."""
    if record is not None and voucher.issuance_records.filter(pk=record.pk).exists():
        return True
    return voucher.source == ISSUANCE_SOURCE and voucher.external_reference == issuance_id


def _upsert_vouchers(*, items: list[dict], issuance_id: str, issued_at, record, actor) -> list[Voucher]:
    vouchers = []
    for index, item in enumerate(items):
        data = _voucher_data(item, issuance_id=issuance_id, issued_at=issued_at)
        try:
            existing = Voucher.objects.filter(number=item["number"]).first()
            if existing is None:
                voucher = voucher_services.voucher_issue(data={**data, "source": ISSUANCE_SOURCE}, actor=actor)
            elif _claimable(existing, record=record, issuance_id=issuance_id):
                voucher = voucher_services.voucher_update(voucher=existing, data=data, actor=actor)
            else:
                message = _("Voucher number %(number)s belongs to another issuance.") % {"number": item["number"]}
                raise ConflictError(message, code="duplicate_voucher_number", extra={"errors": {"number": [message]}})
        except ApplicationError as exc:
            raise _at_voucher(index, exc) from None
        except DjangoValidationError as exc:
            # Each message keeps its code (``unknown_currency``, ``too_many_decimals``...) for error_codes.
            errors = {
                field: [coded(message, error.code or "invalid") for error in field_errors for message in error.messages]
                for field, field_errors in exc.error_dict.items()
            }
            invalid = ApplicationError(_("One or more fields are invalid."), extra={"errors": errors})
            raise _at_voucher(index, invalid) from None
        vouchers.append(voucher)
    return vouchers


@transaction.atomic
def issuance_receive(*, payload: dict, data: dict, actor=None) -> IngestionResult:
    """Store a MOK issuance and create or update its vouchers; idempotent on ``issuance_id``.

    ``payload`` is the body as received (kept verbatim), ``data`` its validated form (vouchers
    in the shape of ``voucher_issue``'s data). First time: the record and vouchers are created.
    The same payload again: nothing changes but the receipt counter ("unchanged", no audit
    entry). A different payload: the record and its vouchers are updated and audited. Vouchers
    of an earlier version that the new one leaves out are kept as they are. Any error leaves
    nothing stored.
    """
    actor = current_actor(actor)
    issuance_id = data["issuance_id"]
    issued_at = data.get("issued_at")
    digest = payload_digest(payload)
    now = timezone.now()
    record = IssuanceRecord.objects.select_for_update().filter(mok_issuance_id=issuance_id).first()

    if record is None:
        record = IssuanceRecord(
            mok_issuance_id=issuance_id,
            issued_at=issued_at,
            payload=payload,
            payload_sha256=digest,
            times_received=1,
            last_received_at=now,
            created_by=user_or_none(actor),
            updated_by=user_or_none(actor),
        )
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            # Another request is storing the same issuance right now; its answer will be the first.
            raise ConflictError(
                _("Issuance %(id)s is being received by another request; retry.") % {"id": issuance_id},
                code="issuance_in_progress",
            ) from None
        vouchers = _upsert_vouchers(
            items=data["vouchers"], issuance_id=issuance_id, issued_at=issued_at, record=None, actor=actor
        )
        record.vouchers.set(vouchers)
        audit_record(
            action=AuditAction.CREATE,
            instance=record,
            changes={"after": {"payload_sha256": digest, "vouchers": [v.number for v in vouchers]}},
            actor=actor,
        )
        return IngestionResult(record=record, result=CREATED, vouchers=vouchers)

    if record.payload_sha256 == digest:
        IssuanceRecord.objects.filter(pk=record.pk).update(times_received=F("times_received") + 1, last_received_at=now)
        record.refresh_from_db(fields=["times_received", "last_received_at"])
        return IngestionResult(record=record, result=UNCHANGED, vouchers=list(record.vouchers.order_by("id")))

    before_numbers = sorted(record.vouchers.values_list("number", flat=True))
    vouchers = _upsert_vouchers(
        items=data["vouchers"], issuance_id=issuance_id, issued_at=issued_at, record=record, actor=actor
    )
    changes = {"payload_sha256": [record.payload_sha256, digest]}
    record.payload, record.payload_sha256, record.issued_at = payload, digest, issued_at
    record.times_received += 1
    record.last_received_at = now
    if user_or_none(actor) is not None:
        record.updated_by = user_or_none(actor)
    record.save()
    record.vouchers.add(*vouchers)
    after_numbers = sorted(record.vouchers.values_list("number", flat=True))
    if after_numbers != before_numbers:
        changes["vouchers"] = [before_numbers, after_numbers]
    audit_record(action=AuditAction.UPDATE, instance=record, changes=changes, actor=actor)
    return IngestionResult(record=record, result=UPDATED, vouchers=list(record.vouchers.order_by("id")))


# --- Documents ---------------------------------------------------------------------------------------------

DOCUMENT_RULES = FileRules(
    model=IssuanceDocument,
    # Only the bytes count: MOK's declared content type is not compared with them.
    check=ContentCheck(
        formats=(PDF,), refusal=gettext_lazy("The file is not a PDF document."), declared_type_must_agree=False
    ),
    max_bytes_setting="ISSUANCE_DOCUMENT_MAX_BYTES",
    default_name="document.pdf",
)


def issuance_document_add(*, record: IssuanceRecord, upload, actor=None) -> tuple[IssuanceDocument, bool]:
    """Store a PDF for an issuance, after checking its size and that it really is a PDF.

    Returns ``(document, created)``: the same content uploaded again returns the stored
    document. Too large → 413 (``file_too_large``); not a PDF (a renamed executable, an image...)
    → 400 (``unsupported_file_type``). Nothing is stored when refused.
    """
    return audited_file_add(
        rules=DOCUMENT_RULES, owner=record, upload=upload, actor=actor, audit={"record": record.mok_issuance_id}
    )
