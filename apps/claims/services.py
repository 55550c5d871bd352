"""Writes to claims: reserves and payments to providers (bills are in ``apps.claims.bills``).

- A case's **reserve** is what it is expected to cost in total, in its settlement currency (the
  voucher's, else the source's default). It starts from the estimate table when the case opens and
  changes only with a reason; every change is kept and audited. Outstanding = reserve − paid (never
  below zero), incurred = paid + outstanding.
- A **payment** is recorded against an approved bill, never executed. It is converted into the bill's
  currency (the approved total is never exceeded) and into the settlement currency at the payment
  date's rate, both rows kept. A payment above the outstanding reserve raises the reserve first,
  with the reason recorded.
- The **large-loss alert** (``large_loss_check``, run at the end of ``reserve_set`` and
  ``payment_record``): once a case's incurred reaches its source's ``large_loss_amount`` (the source's
  default currency, converted into the settlement currency at the day's rate), the reserve is stamped
  ``large_loss_at`` (once, audited), the partner is told on the SNS notification topic after commit
  (skipped without ``SNS_NOTIFICATION_TOPIC_ARN``), and a shared billing note is written on the case.
  The note is how MOK hears of it under the existing rules: a shared note leaves the company as the
  NOTE_REGISTER tracking message whose shape MOK already reads (MOK's endpoint knows the seed's four
  actions only; a new action would be refused there), and other partners read it through the API.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.assistances.models import Event, NoteKind, NoteVisibility
from apps.assistances.services import note_create
from apps.audit.crud import audit_created, audited_create, audited_delete, audited_update
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.claims import bills
from apps.claims.models import Bill, Payment, Reserve, ReserveChange, ReserveEstimate
from apps.core.context import Actor, current_actor, user_or_none
from apps.core.exceptions import ConflictError, ValidationFailed, coded
from apps.core.money import amount_errors, quantize
from apps.core.services import run_after_commit, serialize_value
from apps.core.validators import is_currency_code
from apps.masters.exchange_rates import convert
from apps.masters.models import Source, StatusRole
from apps.tracking.services import sns_publish

logger = logging.getLogger(__name__)

ZERO = Decimal(0)


def settlement_currency(event: Event) -> str:
    """The currency a case is settled and reported in: its voucher's, else its source's default."""
    if event.voucher_id:
        return event.voucher.currency
    return Source.objects.filter(code=event.source_code).values_list("default_currency", flat=True).first() or "USD"


# --- Reserves ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReserveFigures:
    currency: str
    reserve: Decimal
    paid: Decimal
    outstanding: Decimal
    incurred: Decimal


def case_paid(*, event: Event) -> Decimal:
    """What was paid to providers on a case so far, in its settlement currency."""
    return Payment.objects.filter(event=event).aggregate(total=Sum("settlement_amount"))["total"] or ZERO


def reserve_figures(*, event: Event) -> ReserveFigures | None:
    """The case's reserve, what was paid, what is outstanding and the total incurred (None without a reserve)."""
    reserve = Reserve.objects.filter(event=event).first()
    if reserve is None:
        return None
    paid = case_paid(event=event)
    outstanding = max(reserve.amount - paid, ZERO)
    return ReserveFigures(reserve.currency, reserve.amount, paid, outstanding, paid + outstanding)


def initial_estimate(*, event: Event) -> tuple[Decimal, str] | None:
    """The estimate table's amount for the case (source row first, then every source), or None."""
    rows = ReserveEstimate.objects.filter(assistance_id=event.assistance_id, source_code__in=[event.source_code, ""])
    row = max(rows, key=lambda r: bool(r.source_code), default=None)
    return (row.amount, row.currency) if row else None


def _change(reserve: Reserve, *, before, after: Decimal, reason: str, actor: Actor, now) -> None:
    ReserveChange.objects.create(
        reserve=reserve,
        amount_before=before,
        amount_after=after,
        reason=reason,
        changed_by=user_or_none(actor),
        actor_repr=str(actor)[:255] if actor is not None else "Bigtree Assist",
        changed_at=now,
    )
    audit_record(
        action=AuditAction.UPDATE if before is not None else AuditAction.CREATE,
        instance=reserve,
        changes={"reserve": [serialize_value(before), serialize_value(after)], "reason": reason},
        actor=actor,
        case_reference=reserve.event.code,
    )


@transaction.atomic
def reserve_open(*, event: Event, actor: Actor = None, now: datetime.datetime | None = None) -> Reserve | None:
    """Set a new case's initial reserve from the estimate table (converted at the day's rate); a
    case that already has one keeps it. Without an estimate for its assistance the case starts at zero."""
    actor = current_actor(actor)
    now = now or timezone.now()
    existing = Reserve.objects.filter(event=event).first()
    if existing is not None:
        return existing
    currency = settlement_currency(event)
    estimate = initial_estimate(event=event)
    amount = ZERO
    if estimate is not None:
        amount = convert(estimate[0], from_currency=estimate[1], to_currency=currency, on_date=now.date()).amount
    reserve = Reserve.objects.create(event=event, amount=amount, currency=currency, first_set_at=now)
    _change(reserve, before=None, after=amount, reason=_("Initial estimate for the assistance."), actor=actor, now=now)
    return reserve


@transaction.atomic
def reserve_set(
    *, event: Event, amount: Decimal, reason: str, actor: Actor = None, now: datetime.datetime | None = None
) -> Reserve:
    """Change a case's reserve, with a reason (kept in its history and the audit trail)."""
    actor = current_actor(actor)
    now = now or timezone.now()
    reserve = Reserve.objects.select_for_update().filter(event=event).first() or reserve_open(event=event, now=now)
    errors: dict = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the reserve changes.")]
    if amount < 0:
        errors["amount"] = [_("A reserve cannot be negative.")]
    errors.update(amount_errors({"amount": (amount, reserve.currency)}))
    if errors:
        raise ValidationFailed(errors)
    paid = case_paid(event=event)
    if amount < paid:
        raise ValidationFailed(
            {
                "amount": [
                    coded(_("The reserve cannot be below what was paid (%(paid)s).") % {"paid": paid}, "out_of_range")
                ]
            }
        )
    before = reserve.amount
    if before == amount:
        return reserve
    reserve.amount = amount
    reserve.save(update_fields=["amount", "updated_at"])
    _change(reserve, before=before, after=amount, reason=reason, actor=actor, now=now)
    large_loss_check(event=event, actor=actor, now=now)
    return reserve


# --- Payments ---------------------------------------------------------------------------------------


def bill_paid(*, bill: Bill) -> Decimal:
    """What was paid on a bill so far, in the bill's currency."""
    return Payment.objects.filter(bill=bill).aggregate(total=Sum("bill_amount"))["total"] or ZERO


_PAYABLE = (StatusRole.APPROVED, StatusRole.PARTIAL, StatusRole.SCHEDULED)


@transaction.atomic
def payment_record(
    *,
    bill: Bill,
    paid_on: datetime.date,
    amount: Decimal,
    currency: str,
    reference: str,
    actor: Actor = None,
    now: datetime.datetime | None = None,
) -> Payment:
    """Record a payment to the provider against an approved bill (never more than its approved total)."""
    actor = current_actor(actor)
    now = now or timezone.now()
    bill = Bill.objects.select_for_update().select_related("status", "event__voucher").get(pk=bill.pk)
    currency = (currency or "").upper()
    errors: dict = {}
    if not is_currency_code(currency):
        errors["currency"] = [_("Use a three-letter ISO 4217 code.")]
    elif amount is None or amount <= 0:
        errors["amount"] = [_("The amount must be greater than zero.")]
    else:
        errors.update(amount_errors({"amount": (amount, currency)}))
    if paid_on > timezone.localdate(now):
        errors["paid_on"] = [coded(_("A payment cannot be dated in the future."), "date_out_of_range")]
    if not (reference or "").strip():
        errors["reference"] = [_("Give the transfer's or cheque's reference.")]
    if errors:
        raise ValidationFailed(errors)
    if bill.status.role not in _PAYABLE:
        raise ConflictError(
            _("Only an approved bill is paid (this one is %(status)s).") % {"status": bill.status.code},
            code="bill_not_approved",
        )
    to_bill = convert(amount, from_currency=currency, to_currency=bill.currency, on_date=paid_on)
    paid_before = bill_paid(bill=bill)
    if paid_before + to_bill.amount > bill.allowed_total:
        left = bill.allowed_total - paid_before
        raise ConflictError(
            _("The payment exceeds what is left of the approved total (%(left)s %(currency)s).")
            % {"left": quantize(left, bill.currency), "currency": bill.currency},
            code="payment_exceeds_approved",
            extra={"remaining": serialize_value(quantize(left, bill.currency)), "currency": bill.currency},
        )
    event = bill.event
    settlement = settlement_currency(event)
    to_settlement = convert(amount, from_currency=currency, to_currency=settlement, on_date=paid_on)
    # Above what the reserve still holds: the reserve is raised first, and says why.
    figures = reserve_figures(event=event)
    if figures is None:
        reserve_open(event=event, actor=actor, now=now)
        figures = reserve_figures(event=event)
    if to_settlement.amount > figures.outstanding:
        reserve_set(
            event=event,
            amount=figures.paid + to_settlement.amount,
            reason=_("Payment %(reference)s of %(amount)s %(currency)s is above the outstanding reserve.")
            % {"reference": reference, "amount": to_settlement.amount, "currency": settlement},
            actor=actor,
            now=now,
        )
    payment = Payment(
        event=event,
        bill=bill,
        paid_on=paid_on,
        amount=amount,
        currency=currency,
        bill_amount=to_bill.amount,
        bill_rate=to_bill.rate,
        settlement_amount=to_settlement.amount,
        settlement_currency=settlement,
        settlement_rate=to_settlement.rate,
        reference=reference,
        created_by=user_or_none(actor),
        updated_by=user_or_none(actor),
    )
    payment.full_clean()
    payment.save()
    audit_created(payment, actor=actor, case_reference=event.code)
    Event.objects.filter(pk=event.pk).update(version=F("version") + 1)
    bills.bill_after_payment(bill=bill, paid=paid_before + to_bill.amount, actor=actor, now=now)
    large_loss_check(event=event, actor=actor, now=now)
    return payment


# --- Large loss -------------------------------------------------------------------------------------


def large_loss_threshold(*, event: Event, currency: str, on_date: datetime.date) -> Decimal | None:
    """The case's source's large-loss threshold in ``currency`` (None: the source has none, or no rate)."""
    row = Source.objects.filter(code=event.source_code).values_list("large_loss_amount", "default_currency").first()
    if row is None or row[0] is None:
        return None
    try:
        return convert(row[0], from_currency=row[1], to_currency=currency, on_date=on_date).amount
    except ConflictError:
        # No rate today: the next reserve change or payment checks again.
        logger.warning("large-loss check skipped: no %s-%s rate", row[1], currency, extra={"case": event.code})
        return None


@transaction.atomic
def large_loss_check(*, event: Event, actor: Actor = None, now: datetime.datetime | None = None) -> bool:
    """Stamp the case's reserve as a large loss and tell the partner once its incurred reaches the
    source's threshold (see the module's docstring); True when it did so now, False otherwise."""
    actor = current_actor(actor)
    now = now or timezone.now()
    reserve = Reserve.objects.select_for_update().select_related("event").filter(event=event).first()
    if reserve is None or reserve.large_loss_at is not None:
        return False
    threshold = large_loss_threshold(event=reserve.event, currency=reserve.currency, on_date=timezone.localdate(now))
    figures = reserve_figures(event=reserve.event)
    if threshold is None or figures.incurred < threshold:
        return False
    event = reserve.event
    reserve.large_loss_at = now
    reserve.save(update_fields=["large_loss_at", "updated_at"])
    audit_record(
        action=AuditAction.UPDATE,
        instance=reserve,
        changes={
            "large_loss_at": [None, serialize_value(now)],
            "incurred": serialize_value(figures.incurred),
            "threshold": serialize_value(threshold),
        },
        actor=actor,
        case_reference=event.code,
    )
    words = {
        "incurred": quantize(figures.incurred, reserve.currency),
        "threshold": threshold,
        "currency": reserve.currency,
    }
    note_create(
        event=event,
        body=_(
            "Large loss: the case's incurred (%(incurred)s %(currency)s) reached the threshold of "
            "%(threshold)s %(currency)s."
        )
        % words,
        kind=NoteKind.BILLING,
        visibility=NoteVisibility.SHARED,
        actor=None,  # the system's note, whoever's change crossed the line
    )
    if settings.SNS_NOTIFICATION_TOPIC_ARN:
        body = {
            "event": "large_loss",
            "event_code": event.code,
            "external_reference": event.external_reference,
            "source": event.source_code,
            "currency": reserve.currency,
            "incurred": serialize_value(quantize(figures.incurred, reserve.currency)),
            "paid": serialize_value(quantize(figures.paid, reserve.currency)),
            "outstanding": serialize_value(quantize(figures.outstanding, reserve.currency)),
            "threshold": serialize_value(threshold),
            "at": now.isoformat(),
        }
        run_after_commit(lambda: _announce_large_loss(body))
    return True


def _announce_large_loss(body: dict) -> None:
    # After commit: a failed publish is logged, never undoes the stamp (the case's badge and note stay).
    try:
        sns_publish(
            subject=f"Large loss {body['event_code']}",
            body=body,
            event="large_loss",
            source=body["source"] or "-",
        )
    except Exception:
        logger.warning("large-loss notification of %s not published", body["event_code"], exc_info=True)


# --- The initial estimate table (administrators edit it in the console) -------------------------------


def reserve_estimate_validate(*, instance: ReserveEstimate, data: dict) -> None:
    currency = (data.get("currency") or instance.currency or "").upper()
    if not is_currency_code(currency):
        raise ValidationFailed({"currency": [_("Use a three-letter ISO 4217 code.")]})
    amount = data.get("amount", instance.amount)
    if amount is not None and amount < 0:
        raise ValidationFailed({"amount": [_("An estimate cannot be negative.")]})


def reserve_estimate_create(*, model: type[ReserveEstimate] = ReserveEstimate, data: dict, actor: Actor = None):
    return audited_create(model=model, data=data, actor=actor, validate=reserve_estimate_validate)


def reserve_estimate_update(*, instance: ReserveEstimate, data: dict, actor: Actor = None):
    return audited_update(instance=instance, data=data, actor=actor, validate=reserve_estimate_validate)


def reserve_estimate_delete(*, instance: ReserveEstimate, actor: Actor = None) -> None:
    audited_delete(instance=instance, actor=actor)
