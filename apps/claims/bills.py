"""Writes to providers' bills: the BillStatus machine (catalog data, found by role) and its moves.

Received → in review → approved | partially approved | rejected → scheduled → paid. Creating a bill,
its checks (duplicates, anomalies) and the review of its lines live here too.
"""

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.audit.crud import audited_file_add
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.claims import selectors
from apps.claims.models import AdjustmentReason, Bill, BillFile, BillLine, BillSource, BillStatusHistory
from apps.core.context import Actor, current_actor, user_or_none
from apps.core.exceptions import ConflictError, ValidationFailed, coded
from apps.core.files.formats import PDF
from apps.core.files.services import ContentCheck, FileRules
from apps.core.money import amount_errors, quantize
from apps.core.services import model_snapshot, serialize_value
from apps.core.validators import is_iso_currency
from apps.masters.models import BillStatus, StatusRole
from apps.masters.services import StatusMachine

BILL_MACHINE = StatusMachine(
    BillStatus, history=BillStatusHistory, subject="bill", user="changed_by", nobody="Bigtree Assist"
)


def bill_move(bill: Bill, role: str, *, actor: Actor, reason: str = "", now: datetime.datetime) -> None:
    """Move the bill to the status holding ``role`` if the machine allows it (409 otherwise)."""
    BILL_MACHINE.move_to_role(bill, role, actor=actor, reason=reason, at=now, case_reference=bill.event.code)


def bill_after_payment(*, bill: Bill, paid: Decimal, actor: Actor, now: datetime.datetime | None = None) -> None:
    """A bill with a payment is scheduled; once the approved total is paid, it is paid."""
    now = now or timezone.now()
    if bill.status.role in (StatusRole.APPROVED, StatusRole.PARTIAL):
        bill_move(bill, StatusRole.SCHEDULED, actor=actor, now=now)
    if paid >= bill.allowed_total:
        bill_move(bill, StatusRole.PAID, actor=actor, now=now)


# --- Creating a bill --------------------------------------------------------------------------------

BILL_FILE_RULES = FileRules(
    model=BillFile,
    check=ContentCheck(formats=(PDF,), refusal=gettext_lazy("The bill is not a PDF document.")),
    max_bytes_setting="BILL_FILE_MAX_BYTES",
    default_name="bill.pdf",
)

# Another bill of the same provider and case this close in amount and date may be the same one sent twice.
DUPLICATE_AMOUNT_SHARE = Decimal("0.02")
DUPLICATE_DAYS = 7
ZERO = Decimal(0)
# What the amount columns hold (14 digits, 4 decimals): a larger product is refused, never truncated.
MAX_AMOUNT = Decimal(10) ** 10


def _line_errors(index_lines: list[dict], currency: str) -> tuple[list[dict], list[dict]]:
    """The lines with their billed amounts (computed, or checked when given) and their errors by index."""
    cleaned, errors = [], []
    for raw in index_lines:
        line_errors: dict = {}
        description = (raw.get("description") or "").strip()
        if not description:
            line_errors["description"] = [_("Describe the service billed.")]
        quantity = raw.get("quantity", Decimal(1))
        unit_price = raw.get("unit_price")
        if quantity is None or quantity <= 0:
            line_errors["quantity"] = [_("The quantity must be greater than zero.")]
        if unit_price is None or unit_price < 0:
            line_errors["unit_price"] = [_("The unit price cannot be negative.")]
        billed = raw.get("billed_amount")
        if not line_errors:
            # The line's amount is the provider's arithmetic, checked to the minor unit: a printed amount
            # that is not quantity × unit price is a typo or a hidden charge, and the operator must see it.
            computed = quantize(quantity * unit_price, currency)
            if computed >= MAX_AMOUNT:
                line_errors["unit_price"] = [coded(_("Quantity × unit price is too large."), "amount_too_large")]
            elif billed is None:
                billed = computed
            elif billed != computed:
                line_errors["billed_amount"] = [
                    coded(
                        _("%(quantity)s × %(price)s is %(computed)s, not %(billed)s.")
                        % {"quantity": quantity, "price": unit_price, "computed": computed, "billed": billed},
                        "line_amount_mismatch",
                    )
                ]
            line_errors.update(amount_errors({"billed_amount": (billed, currency)}))
        errors.append(line_errors)
        cleaned.append(
            {
                "description": description[:500],
                "code": (raw.get("code") or "").strip()[:40],
                "quantity": quantity,
                "unit_price": unit_price,
                "billed_amount": billed,
            }
        )
    return cleaned, errors


def _check_total(total: Decimal, given: Decimal | None, currency: str) -> None:
    """The lines' sum is the bill's total: something, within what the columns hold, and the invoice's when given."""
    if total >= MAX_AMOUNT:
        raise ValidationFailed.field("lines", _("The bill's total is too large."), "amount_too_large")
    if total <= 0:
        raise ValidationFailed.field("lines", _("The bill's lines add up to nothing."), "total_mismatch")
    if given is not None and given != total:
        raise ValidationFailed.field(
            "billed_total",
            _("The lines add up to %(sum)s %(currency)s, not %(total)s.")
            % {"sum": total, "currency": currency, "total": given},
            "total_mismatch",
        )


@transaction.atomic
def bill_create(
    *,
    assignment,
    data: dict,
    lines: list[dict],
    file=None,
    received_via: str = BillSource.CONSOLE,
    actor: Actor = None,
    now: datetime.datetime | None = None,
) -> Bill:
    """Record a provider's bill on its case assignment, with its lines, its PDF (optional) and its checks.

    ``data``: invoice_number, invoice_date (not in the future), currency (the assignment's when left
    out), billed_total (optional; when given it must equal the lines' sum). The same provider and
    invoice number twice is a 409 ``duplicate_invoice``. The bill answers to the assignment's guarantee
    in force (the final one first), if any.
    """
    actor = current_actor(actor)
    now = now or timezone.now()
    event = assignment.event
    currency = (data.get("currency") or assignment.currency or "").upper()
    invoice_number = (data.get("invoice_number") or "").strip()
    invoice_date = data.get("invoice_date")
    errors: dict = {}
    if not invoice_number:
        errors["invoice_number"] = [_("Give the provider's invoice number.")]
    if invoice_date is None:
        errors["invoice_date"] = [_("Give the invoice's date.")]
    elif invoice_date > timezone.localdate(now):
        errors["invoice_date"] = [coded(_("An invoice cannot be dated in the future."), "date_out_of_range")]
    if not is_iso_currency(currency):
        errors["currency"] = [coded(_("Use an ISO 4217 currency code."), "unknown_currency")]
    if not lines:
        errors["lines"] = [_("A bill has at least one line.")]
    if errors:
        raise ValidationFailed(errors)
    cleaned, line_errors = _line_errors(lines, currency)
    if any(line_errors):
        raise ValidationFailed({"lines": line_errors})
    total = sum((line["billed_amount"] for line in cleaned), ZERO)
    _check_total(total, data.get("billed_total"), currency)
    provider = assignment.provider
    if Bill.objects.filter(provider=provider, invoice_number__iexact=invoice_number).exists():
        raise _duplicate_invoice(invoice_number)
    received = BILL_MACHINE.with_role(StatusRole.RECEIVED)
    guarantee = selectors.guarantee_in_force(assignment=assignment)
    bill = Bill(
        event=event,
        assignment=assignment,
        provider=provider,
        guarantee=guarantee,
        invoice_number=invoice_number,
        invoice_date=invoice_date,
        currency=currency,
        billed_total=total,
        status=received,
        received_via=received_via,
        received_at=now,
        notes=(data.get("notes") or "").strip(),
        created_by=user_or_none(actor),
        updated_by=user_or_none(actor),
    )
    bill.full_clean(exclude=["event", "assignment", "provider", "guarantee", "status"], validate_unique=False)
    try:
        with transaction.atomic():  # the unique constraint is the last guard against a concurrent twin
            bill.save()
    except IntegrityError:
        raise _duplicate_invoice(invoice_number) from None
    BillLine.objects.bulk_create(
        [BillLine(bill=bill, position=position, **line) for position, line in enumerate(cleaned, start=1)]
    )
    BILL_MACHINE.record(subject=bill, from_status=None, to_status=received, actor=actor, at=now)
    audit_record(
        action=AuditAction.CREATE,
        instance=bill,
        changes={
            "after": {
                **model_snapshot(bill),
                "lines": [{k: serialize_value(v) for k, v in line.items()} for line in cleaned],
            }
        },
        actor=actor,
        case_reference=event.code,
    )
    if file is not None:
        audited_file_add(
            rules=BILL_FILE_RULES,
            owner=bill,
            upload=file,
            actor=actor,
            audit={"bill": invoice_number},
            case_reference=event.code,
        )
    return bill_check(bill=bill, now=now)


def _duplicate_invoice(invoice_number: str) -> ConflictError:
    return ConflictError(
        _("This provider's invoice %(number)s is already recorded.") % {"number": invoice_number},
        code="duplicate_invoice",
    )


# --- Checks -----------------------------------------------------------------------------------------

_FLAG_MESSAGES = {
    "possible_duplicate": gettext_lazy(
        "Possible duplicate: invoice %(invoice_number)s of the same provider on this case is %(billed_total)s "
        "%(currency)s (%(difference_percent)s%% apart), dated %(invoice_date)s."
    ),
    "duplicate_line": gettext_lazy("Same service, quantity and price as line %(same_as)s."),
    "above_p90": gettext_lazy(
        "%(billed)s %(currency)s is above the 90th percentile of allowed amounts for this assistance in this "
        "country (%(p90)s %(currency)s, from %(count)s amounts)."
    ),
    "above_guarantee": gettext_lazy(
        "The bill's total is above guarantee %(guarantee)s, which allows %(amount)s %(currency)s."
    ),
}


def flag_message(flag: dict) -> str:
    """The flag in words, in the reader's language (the stored message is the creator's)."""
    template = _FLAG_MESSAGES.get(flag.get("code"))
    try:
        return str(template) % flag.get("data", {}) if template else flag.get("message", "")
    except (KeyError, TypeError, ValueError):
        return flag.get("message", "")


def _flag(code: str, data: dict, *, line: int | None = None) -> dict:
    flag = {"code": code, "line": line, "data": data}
    flag["message"] = flag_message(flag)
    return flag


def _kept_acknowledgement(flag: dict, before: list[dict]) -> dict:
    """A flag found again keeps its acknowledgement: what the reviewer accepted stays accepted."""
    for old in before:
        same = (old.get("code"), old.get("line"), old.get("data")) == (flag["code"], flag["line"], flag["data"])
        if same and old.get("acknowledged_at"):
            return {**flag, "acknowledged_at": old["acknowledged_at"], "acknowledged_by": old["acknowledged_by"]}
    return flag


def _bill_flags(bill: Bill, *, now: datetime.datetime) -> list[dict]:
    flags = []
    window = datetime.timedelta(days=DUPLICATE_DAYS)
    others = (
        Bill.objects.filter(
            provider_id=bill.provider_id,
            event_id=bill.event_id,
            currency=bill.currency,
            invoice_date__range=(bill.invoice_date - window, bill.invoice_date + window),
        )
        .exclude(pk=bill.pk)
        .order_by("invoice_date", "id")
    )
    for other in others:
        difference = abs(other.billed_total - bill.billed_total)
        if difference <= bill.billed_total * DUPLICATE_AMOUNT_SHARE:
            data = {
                "bill": other.pk,
                "invoice_number": other.invoice_number,
                "billed_total": str(quantize(other.billed_total, bill.currency)),
                "currency": bill.currency,
                "invoice_date": other.invoice_date.isoformat(),
                "difference_percent": str((difference * 100 / bill.billed_total).quantize(Decimal("0.01"))),
            }
            flags.append(_flag("possible_duplicate", data))
    if bill.guarantee_id:
        try:
            cap = selectors.guarantee_cap(guarantee=bill.guarantee, currency=bill.currency, on_date=now.date())
        except ConflictError:  # no rate to compare with: the decision will say so
            cap = None
        if cap is not None and bill.billed_total > cap.amount:
            data = {"guarantee": bill.guarantee.number, "amount": str(cap.amount), "currency": bill.currency}
            flags.append(_flag("above_guarantee", data))
    return flags


def _line_flags(bill: Bill, lines: list[BillLine]) -> dict[int, list[dict]]:
    flags: dict[int, list[dict]] = {line.pk: [] for line in lines}
    seen: dict[tuple, int] = {}
    for line in lines:
        key = ((line.code or line.description).strip().casefold(), line.quantity, line.unit_price)
        if key in seen:
            flags[line.pk].append(_flag("duplicate_line", {"same_as": seen[key]}, line=line.position))
        else:
            seen[key] = line.position
    event = bill.event
    amounts = selectors.allowed_amounts(
        assistance=event.assistance_id, country=event.country_id, currency=bill.currency, exclude_bill=bill
    )
    if len(amounts) >= selectors.PRICE_MIN_SAMPLES:
        p90 = selectors.percentile(amounts, selectors.PRICE_FLAG_PERCENTILE)
        for line in lines:
            if line.billed_amount > p90:
                data = {
                    "billed": str(quantize(line.billed_amount, bill.currency)),
                    "p90": str(quantize(p90, bill.currency)),
                    "currency": bill.currency,
                    "count": len(amounts),
                }
                flags[line.pk].append(_flag("above_p90", data, line=line.position))
    return flags


def bill_check(*, bill: Bill, now: datetime.datetime | None = None) -> Bill:
    """(Re)compute the bill's flags and its lines': possible duplicates, duplicate lines, lines above the
    p90 of allowed amounts (with at least ``PRICE_MIN_SAMPLES`` of them), a total above the guarantee.
    Acknowledgements of flags found again are kept."""
    now = now or timezone.now()
    bill = Bill.objects.select_related("event", "guarantee__current_version__rate").get(pk=bill.pk)
    bill.flags = [_kept_acknowledgement(flag, bill.flags) for flag in _bill_flags(bill, now=now)]
    bill.save(update_fields=["flags", "updated_at"])
    lines = list(bill.lines.order_by("position"))
    found = _line_flags(bill, lines)
    for line in lines:
        line.flags = [_kept_acknowledgement(flag, line.flags) for flag in found[line.pk]]
    BillLine.objects.bulk_update(lines, ["flags"])
    return bill


# --- Review -----------------------------------------------------------------------------------------


def _lock(bill: Bill) -> Bill:
    return (
        Bill.objects.select_for_update()
        .select_related("status", "event", "guarantee__current_version__rate", "assignment")
        .get(pk=bill.pk)
    )


@transaction.atomic
def bill_start_review(bill: Bill, actor: Actor = None, *, now: datetime.datetime | None = None) -> Bill:
    """A reviewer takes the bill: received → in review."""
    actor = current_actor(actor)
    bill = _lock(bill)
    bill_move(bill, StatusRole.IN_REVIEW, actor=actor, now=now or timezone.now())
    return bill


def _require_review(bill: Bill, *, actor: Actor, now: datetime.datetime) -> None:
    # Reviewing a line of a bill just received starts its review: one click less for the reviewer.
    if bill.status.role == StatusRole.RECEIVED:
        bill_move(bill, StatusRole.IN_REVIEW, actor=actor, now=now)
    elif bill.status.role != StatusRole.IN_REVIEW:
        raise ConflictError(
            _("Only a bill in review is reviewed (this one is %(status)s).") % {"status": bill.status.code},
            code="bill_not_in_review",
            extra={"bill_status": bill.status.code},
        )


@transaction.atomic
def bill_line_review(
    *,
    line: BillLine,
    allowed_amount: Decimal,
    reason_code: str | None = None,
    actor: Actor = None,
    now: datetime.datetime | None = None,
) -> BillLine:
    """Set what a line is allowed at: at most what was billed, and below it only with an adjustment reason."""
    actor = current_actor(actor)
    now = now or timezone.now()
    bill = _lock(line.bill)
    line = BillLine.objects.select_for_update().select_related("reason").get(pk=line.pk)
    errors: dict = {}
    reason = None
    if allowed_amount is None or allowed_amount < 0:
        errors["allowed_amount"] = [_("The allowed amount cannot be negative.")]
    elif allowed_amount > line.billed_amount:
        errors["allowed_amount"] = [
            coded(
                _("The allowed amount cannot exceed the billed %(billed)s %(currency)s.")
                % {"billed": quantize(line.billed_amount, bill.currency), "currency": bill.currency},
                "above_billed",
            )
        ]
    else:
        errors.update(amount_errors({"allowed_amount": (allowed_amount, bill.currency)}))
    if reason_code:
        reason = AdjustmentReason.objects.filter(code=reason_code.strip().upper(), is_active=True).first()
        if reason is None:
            errors["reason"] = [coded(_("Unknown adjustment reason."), "does_not_exist")]
    elif not errors and allowed_amount < line.billed_amount:
        errors["reason"] = [coded(_("Say why less than billed is allowed (an adjustment reason)."), "reason_required")]
    if errors:
        raise ValidationFailed(errors)
    _require_review(bill, actor=actor, now=now)
    before = [serialize_value(line.allowed_amount), line.reason.code if line.reason else None]
    line.allowed_amount = allowed_amount
    line.reason = reason
    line.reviewed_by = user_or_none(actor)
    line.reviewed_at = now
    line.save(update_fields=["allowed_amount", "reason", "reviewed_by", "reviewed_at"])
    audit_record(
        action=AuditAction.UPDATE,
        instance=bill,
        changes={
            "line": line.position,
            "allowed_amount": [before[0], serialize_value(allowed_amount)],
            "reason": [before[1], reason.code if reason else None],
        },
        actor=actor,
        case_reference=bill.event.code,
    )
    return line


def _unacknowledged(bill: Bill) -> list[dict]:
    return [flag for flag in bill.flags if flag.get("code") in ACKNOWLEDGE_FLAGS and not flag.get("acknowledged_at")]


# A bill with one of these flags is approved only once the reviewer says they saw it.
ACKNOWLEDGE_FLAGS = ("possible_duplicate",)


@transaction.atomic
def bill_decide(
    *,
    bill: Bill,
    actor: Actor = None,
    note: str = "",
    acknowledge_flags: bool = False,
    now: datetime.datetime | None = None,
) -> Bill:
    """Close the review: allowed and savings totalled from the lines; approved, partially approved or
    rejected (nothing allowed). The allowed total never exceeds the guarantee in force (the final one
    first) in the bill's currency (``selectors.guarantee_cap``): above it is a 409 ``above_guarantee``.
    A possible duplicate must be acknowledged (``acknowledge_flags``) first."""
    actor = current_actor(actor)
    now = now or timezone.now()
    bill = _lock(bill)
    if bill.status.role != StatusRole.IN_REVIEW:
        raise ConflictError(
            _("Only a bill in review is decided (this one is %(status)s).") % {"status": bill.status.code},
            code="bill_not_in_review",
            extra={"bill_status": bill.status.code},
        )
    lines = list(bill.lines.order_by("position"))
    pending = [line.position for line in lines if line.allowed_amount is None]
    if pending:
        raise ConflictError(
            _("Review every line first (lines %(lines)s are not reviewed).") % {"lines": ", ".join(map(str, pending))},
            code="lines_not_reviewed",
            extra={"lines": pending},
        )
    if _unacknowledged(bill) and not acknowledge_flags:
        raise ValidationFailed.field(
            "acknowledge_flags",
            _("This bill may be a duplicate: check the flags and acknowledge them to decide."),
            "flags_not_acknowledged",
        )
    allowed = sum((line.allowed_amount for line in lines), ZERO)
    guarantee = selectors.guarantee_in_force(assignment=bill.assignment)
    if guarantee is not None:
        cap = selectors.guarantee_cap(guarantee=guarantee, currency=bill.currency, on_date=timezone.localdate(now))
        if allowed > cap.amount:
            raise ConflictError(
                _(
                    "The allowed total %(allowed)s %(currency)s is above guarantee %(number)s "
                    "(%(gop_amount)s %(gop_currency)s, %(cap)s %(currency)s)."
                )
                % {
                    "allowed": quantize(allowed, bill.currency),
                    "currency": bill.currency,
                    "number": guarantee.number,
                    "gop_amount": quantize(cap.gop_amount, cap.gop_currency),
                    "gop_currency": cap.gop_currency,
                    "cap": cap.amount,
                },
                code="above_guarantee",
                extra={"guarantee": guarantee.number, "limit": serialize_value(cap.amount), "currency": bill.currency},
            )
    if acknowledge_flags:
        stamp = {"acknowledged_at": now.isoformat(), "acknowledged_by": str(actor)[:255] if actor else ""}
        bill.flags = [{**flag, **stamp} if flag in _unacknowledged(bill) else flag for flag in bill.flags]
    before = {"allowed_total": serialize_value(bill.allowed_total), "savings": serialize_value(bill.savings)}
    bill.guarantee = guarantee or bill.guarantee
    bill.allowed_total = allowed
    bill.savings = bill.billed_total - allowed
    bill.reviewed_by = user_or_none(actor)
    bill.reviewed_at = now
    bill.save(
        update_fields=["guarantee", "allowed_total", "savings", "flags", "reviewed_by", "reviewed_at", "updated_at"]
    )
    audit_record(
        action=AuditAction.UPDATE,
        instance=bill,
        changes={
            "allowed_total": [before["allowed_total"], serialize_value(allowed)],
            "savings": [before["savings"], serialize_value(bill.savings)],
        },
        actor=actor,
        case_reference=bill.event.code,
    )
    if allowed == bill.billed_total:
        role = StatusRole.APPROVED
    elif allowed == 0:
        role = StatusRole.REJECTED
    else:
        role = StatusRole.PARTIAL
    bill_move(bill, role, actor=actor, reason=note, now=now)
    return bill


@transaction.atomic
def bill_reject(bill: Bill, reason: str, *, actor: Actor = None, now: datetime.datetime | None = None) -> Bill:
    """Reject the whole bill (nothing is allowed: its savings are its total), with a reason."""
    actor = current_actor(actor)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [_("Say why the bill is rejected.")]})
    bill = _lock(bill)
    bill_move(bill, StatusRole.REJECTED, actor=actor, reason=reason, now=now or timezone.now())
    bill.allowed_total = ZERO
    bill.savings = bill.billed_total
    bill.save(update_fields=["allowed_total", "savings", "updated_at"])
    return bill
