"""Opening a case: the fields a new case takes, the place checks, the voucher's coverage on the
opening date (stored on the case, with an operator's override when uncovered), the public code and
the partner's idempotent retry by its own reference."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.assistances.fields import EVENT_OPENING_FIELDS
from apps.assistances.models import Event, StatusChangeKind
from apps.assistances.services._common import EVENT_MACHINE
from apps.assistances.services.sla import sla_due
from apps.audit.crud import audit_created
from apps.core.context import Actor, current_actor, user_or_none
from apps.core.exceptions import ApplicationError, ConflictError, ValidationFailed, coded
from apps.core.services import model_update, serialize_value
from apps.core.visibility import partner_source
from apps.masters.models import EventStatus
from apps.masters.services import source_error
from apps.vouchers.models import UNKNOWN_VOUCHER, Voucher
from apps.vouchers.selectors import voucher_check_coverage

OPENING_FIELDS = frozenset(EVENT_OPENING_FIELDS)


def event_validate_place(data: dict) -> dict:
    """Field errors of the case's place: city inside the country, coordinates given together."""
    errors: dict = {}
    city, country = data.get("city"), data.get("country")
    if city is not None and country is not None and city.country_id != country.pk:
        errors["city"] = [coded(_("The city is not in the case's country."), "city_country_mismatch")]
    if (data.get("latitude") is None) != (data.get("longitude") is None):
        missing = "latitude" if data.get("latitude") is None else "longitude"
        errors[missing] = [coded(_("Latitude and longitude go together."), "required_together")]
    assistance = data.get("assistance")
    if assistance is not None and not assistance.is_active:
        errors["assistance"] = [_("This assistance type is not offered any more.")]
    return errors


def _source_errors(source: str | None, *, own_source: str | None) -> dict:
    """An unknown or inactive source. A partner's own (its API client's, checked then) is not read again."""
    problem = source_error(source) if source and source != own_source else None
    return {"source_code": [problem]} if problem is not None else {}


@dataclass(frozen=True)
class OpenResult:
    event: Event
    created: bool


def _coverage_json(result) -> dict:
    return {
        "covered": result.covered,
        "reasons": [{"code": r.code, "passed": r.passed, "message": str(r.message)} for r in result.reasons],
        "benefit": result.benefit.target_code if result.benefit else None,
        "currency": result.currency,
        "limit_amount": serialize_value(result.limit_amount),
        "limit_count": result.limit_count,
        "remaining_amount": serialize_value(result.remaining_amount),
        "remaining_count": result.remaining_count,
    }


def opening_coverage(*, voucher: Voucher | None, assistance, country, on_date) -> dict:
    """The coverage verdict a case would get if opened now (stored on the case; the console shows it
    live while the operator types, from the same function)."""
    if voucher is None:
        return {"covered": False, "reasons": [{"code": "no_voucher", "passed": False, "message": _("No voucher.")}]}
    result = voucher_check_coverage(voucher=voucher, assistance=assistance, country=country, on_date=on_date)
    return _coverage_json(result)


def _opening_coverage(*, data: dict, override_reason: str, actor: Actor, now: datetime) -> tuple[dict, bool]:
    """The coverage check at opening; refuses an uncovered case without an operator's override."""
    coverage = opening_coverage(
        voucher=data.get("voucher"),
        assistance=data["assistance"],
        country=data["country"],
        on_date=timezone.localdate(now),
    )
    covered = coverage["covered"]
    if covered:
        return coverage, True
    if getattr(actor, "is_api_client", False) or user_or_none(actor) is None:
        raise ConflictError(
            _("The voucher does not cover this assistance; an operator must open the case."),
            code="not_covered",
            extra={"coverage": coverage},
        )
    if not override_reason.strip():
        failed = "; ".join(reason["message"] for reason in coverage["reasons"] if not reason["passed"])
        # The rules that failed are named: the operator decides on the override knowing why.
        message = _("Not covered (%(reasons)s): give an override reason to open the case anyway.") % {"reasons": failed}
        raise ConflictError(
            message, code="not_covered", extra={"coverage": coverage, "errors": {"override_reason": [message]}}
        )
    return coverage, False


def event_open_check(
    *, data: dict, override_reason: str = "", actor: Actor = None, now: datetime | None = None
) -> dict:
    """What ``event_open`` checks before it writes (the place, then the coverage and the override),
    without writing: raises as it would, else returns the coverage verdict. The console's opening form
    calls it, so a refusal shows beside the fields with everything typed still there."""
    actor = current_actor(actor)
    errors = event_validate_place(data)
    if errors:
        raise ValidationFailed(errors)
    coverage, _covered = _opening_coverage(
        data=data, override_reason=override_reason, actor=actor, now=now or timezone.now()
    )
    return coverage


def event_open(
    *, data: dict, override_reason: str = "", actor: Actor = None, now: datetime | None = None
) -> OpenResult:
    """Open a case, or return the existing one when the partner retries with the same reference.

    Checks the assistance, the place and the voucher's coverage on the opening date; the coverage
    result is stored on the case. An uncovered case (or one without a voucher) is refused unless an
    operator — never an API client — records ``override_reason``.
    """
    actor = current_actor(actor)
    now = now or timezone.now()
    unknown = set(data) - OPENING_FIELDS
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    reference = (data.get("external_reference") or "").strip() or None
    source = data.get("source_code")
    own_source = partner_source(actor)
    if own_source is not None and source not in (None, "", own_source):
        # A partner opens cases under its own source only (checked before the retry lookup, so it
        # cannot learn another source's references either).
        message = _("An API client can only open cases under its own source (%(source)s).") % {"source": own_source}
        raise ApplicationError(
            message, code="source_not_allowed", status_code=403, extra={"errors": {"source_code": [message]}}
        )
    if reference:
        existing = Event.objects.filter(source_code=source, external_reference=reference).first()
        if existing is not None:
            return OpenResult(existing, created=False)
    errors = event_validate_place(data)
    voucher = data.get("voucher")
    if voucher is not None and not Voucher.objects.visible_to(actor).filter(pk=voucher.pk).exists():
        # Another partner's voucher reads exactly like a missing one (its benefits are not ours to consume).
        errors["voucher"] = [str(UNKNOWN_VOUCHER)]
    for required in ("source_code", "traveller_name", "assistance", "country"):
        if not data.get(required):
            errors.setdefault(required, [_("This field is required.")])
    errors.update(_source_errors(source, own_source=own_source))
    if errors:
        raise ValidationFailed(errors)

    coverage, covered = _opening_coverage(data=data, override_reason=override_reason, actor=actor, now=now)
    if user_or_none(actor) is not None and not data.get("assigned_operator"):
        # The operator who opens a case owns it until someone else takes it.
        data = {**data, "assigned_operator": user_or_none(actor)}

    initial = EventStatus.objects.filter(is_initial=True, is_active=True).order_by("sort_order").first()
    if initial is None:
        raise ConflictError(_("No initial case status is configured."), code="no_initial_status")
    try:
        with transaction.atomic():
            event = Event(
                code=f"TMP-{timezone.now().timestamp():.6f}"[-20:],
                status=initial,
                opened_at=now,
                covered=covered,
                coverage=coverage,
                coverage_override_reason="" if covered else override_reason.strip(),
                created_by=user_or_none(actor),
                updated_by=user_or_none(actor),
            )
            model_update(instance=event, data={**data, "external_reference": reference})
            event.sla_due_at = sla_due(opened_at=now, assistance=event.assistance, priority=event.priority)
            # The public code comes from the primary key: unique under any concurrency.
            event.code = f"BT-{now:%Y}-{event.pk:07d}"
            event.save(update_fields=["code", "sla_due_at"])
            EVENT_MACHINE.record(
                subject=event,
                from_status=None,
                to_status=initial,
                kind=StatusChangeKind.OPENED,
                reason="",
                actor=actor,
                at=now,
            )
            audit_created(event, actor=actor, case_reference=event.code)
    except IntegrityError:
        # A concurrent retry with the same reference won the race: answer with its case.
        existing = Event.objects.filter(source_code=source, external_reference=reference).first() if reference else None
        if existing is None:
            raise
        return OpenResult(existing, created=False)
    return OpenResult(event, created=True)
