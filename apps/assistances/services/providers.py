"""Providers on a case: assigning an active provider that serves the case's assistance (a guaranteed
amount is committed on the voucher's remaining benefit), then starting, resolving or cancelling its
service as the EventProviderStatus machine allows (a cancellation releases the commitment). Each
step is tracked for MOK."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.assistances.models import Event, EventProvider
from apps.assistances.services._common import lock_event
from apps.audit.crud import audit_created
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.core.context import Actor, current_actor, user_or_none
from apps.core.exceptions import ConflictError, ValidationFailed, coded
from apps.core.money import amount_errors
from apps.core.services import serialize_value
from apps.core.validators import is_currency_code
from apps.masters.exchange_rates import apply_rate, convert, rate_date_for
from apps.masters.models import EventProviderStatus, StatusRole
from apps.masters.services import StatusMachine
from apps.providers.models import Provider
from apps.tracking.models import TrackingAction
from apps.tracking.services import tracking_record
from apps.vouchers.services import benefit_commit, benefit_release, benefit_settle


def _provider_payload(assignment: EventProvider) -> dict:
    return {
        "event_provider_id": assignment.pk,
        "provider_id": assignment.provider_id,
        "provider_name": assignment.provider.display_name,
        "status": assignment.status.code,
        "guaranteed_amount": serialize_value(assignment.guaranteed_amount),
        "currency": assignment.currency,
    }


def save_step(assignment: EventProvider, *, actor: Actor, changes: dict, tracking: str | None) -> EventProvider:
    """Save a change of an assignment's status: the case's version moves (an open case page sees it),
    the change is audited, and MOK hears of it when ``tracking`` names its action."""
    assignment.updated_by = user_or_none(actor) or assignment.updated_by
    assignment.save()
    Event.objects.filter(pk=assignment.event_id).update(version=F("version") + 1)
    audit_record(
        action=AuditAction.STATUS_CHANGE,
        instance=assignment,
        changes=changes,
        actor=actor,
        case_reference=assignment.event.code,
    )
    if tracking:
        tracking_record(event=assignment.event, action=tracking, payload=_provider_payload(assignment))
    return assignment


def _commit_guarantee(*, event: Event, amount: Decimal, currency: str, now: datetime, actor: Actor):
    """Commit a guarantee on the voucher, in the voucher's currency: converted at the rate the case's
    source policy picks (409 ``no_exchange_rate`` without one), the rate row kept on the commitment."""
    voucher = event.voucher
    original = {}
    if currency != voucher.currency:
        # Until guarantee letters exist, the service date is the assignment's and the purchase date the issue's.
        on_date = rate_date_for(
            source_code=event.source_code,
            service_date=timezone.localdate(now),
            purchase_date=timezone.localdate(voucher.issued_at) if voucher.issued_at else None,
        )
        conversion = convert(amount, from_currency=currency, to_currency=voucher.currency, on_date=on_date)
        original = {"original_amount": amount, "original_currency": currency, "rate": conversion.rate}
        amount = conversion.amount
    return benefit_commit(
        voucher=voucher, assistance=event.assistance, amount=amount, reference=event.code, actor=actor, **original
    )


def commitment_amount(*, commitment, amount: Decimal) -> Decimal:
    """An amount in the guarantee's currency expressed in the voucher's, at the rate the commitment stored."""
    if commitment.rate_id is None:
        return amount
    rate = commitment.rate
    return apply_rate(
        amount,
        rate=rate,
        inverse=rate.from_currency != commitment.original_currency,
        to_currency=commitment.voucher.currency,
    )


@transaction.atomic
def event_provider_assign(
    *,
    event: Event,
    provider: Provider,
    location=None,
    estimated_cost: Decimal | None = None,
    guaranteed_amount: Decimal | None = None,
    currency: str = "",
    notes: str = "",
    actor: Actor = None,
    now: datetime | None = None,
) -> EventProvider:
    """Assign an active provider that serves the case's assistance; guarantee an amount within the
    voucher's remaining benefit (the commitment is recorded on the voucher)."""
    actor = current_actor(actor)
    event = lock_event(event)
    # Taken once the row is locked, so history times follow the order the changes really happened in.
    now = now or timezone.now()
    errors: dict = {}
    # Each refusal depends on stored rows (the provider, its locations, the case), so each has its code.
    if not provider.is_active:
        errors["provider"] = [coded(_("This provider is not active."), "provider_inactive")]
    elif not provider.assistances.filter(pk=event.assistance_id).exists():
        message = _("This provider does not offer %(code)s.") % {"code": event.assistance.code}
        errors["provider"] = [coded(message, "assistance_not_offered")]
    if location is not None and location.provider_id != provider.pk:
        errors["location"] = [coded(_("This location belongs to another provider."), "another_providers_location")]
    if guaranteed_amount is not None and event.voucher_id is None:
        errors["guaranteed_amount"] = [coded(_("A guarantee needs a voucher on the case."), "voucher_required")]
    if currency and not is_currency_code(currency):
        errors["currency"] = [_("Use a three-letter ISO 4217 code.")]
    if errors:
        raise ValidationFailed(errors)
    # The assignment's amounts are in the provider's currency, the voucher's when none is given.
    currency = (currency or "").upper() or (event.voucher.currency if event.voucher_id else "")
    if errors := amount_errors(
        {"estimated_cost": (estimated_cost, currency), "guaranteed_amount": (guaranteed_amount, currency)}
    ):
        raise ValidationFailed(errors)
    if event.status.is_final:
        raise ConflictError(_("The case is closed."), code="case_closed")
    # Assigned directly (the provider said yes on the phone): the accepted status, not an offer.
    initial = PROVIDER_MACHINE.with_role(StatusRole.ACCEPTED)
    assignment = EventProvider(
        event=event,
        provider=provider,
        location=location,
        status=initial,
        assigned_at=now,
        estimated_cost=estimated_cost,
        guaranteed_amount=guaranteed_amount,
        currency=currency,
        notes=notes,
        created_by=user_or_none(actor),
        updated_by=user_or_none(actor),
    )
    if guaranteed_amount is not None:
        assignment.commitment = _commit_guarantee(
            event=event, amount=guaranteed_amount, currency=currency, now=now, actor=actor
        )
    assignment.full_clean()
    assignment.save()
    Event.objects.filter(pk=event.pk).update(version=F("version") + 1)
    audit_created(assignment, actor=actor, case_reference=event.code)
    tracking_record(event=event, action=TrackingAction.EVENT_PROVIDER_CREATE, payload=_provider_payload(assignment))
    return assignment


# No history of its own: the audit log and MOK tracking record each step.
PROVIDER_MACHINE = StatusMachine(EventProviderStatus)

# What reaching a status means is read from its role (catalog data), never from its code.
_PROVIDER_STAMPS = {
    StatusRole.STARTED: "started_at",
    StatusRole.RESOLVED: "resolved_at",
    StatusRole.CANCELLED: "cancelled_at",
}
_PROVIDER_TRACKING = {
    StatusRole.STARTED: TrackingAction.EVENT_PROVIDER_START,
    StatusRole.RESOLVED: TrackingAction.EVENT_PROVIDER_RESOLVE,
}


@transaction.atomic
def event_provider_transition(
    *,
    assignment: EventProvider,
    to_code: str,
    final_cost: Decimal | None = None,
    reason: str = "",
    actor: Actor = None,
    now: datetime | None = None,
) -> EventProvider:
    """Start, resolve or cancel a provider's service on a case (as the EventProviderStatus machine allows)."""
    actor = current_actor(actor)
    assignment = (
        EventProvider.objects.select_for_update()
        .select_related("event", "status", "provider", "commitment")
        .get(pk=assignment.pk)
    )
    now = now or timezone.now()  # after the lock: times follow the real order of changes
    to_status = PROVIDER_MACHINE.check_transition(from_status=assignment.status, to_code=to_code)
    before = assignment.status.code
    assignment.status = to_status
    role = to_status.role
    stamp = _PROVIDER_STAMPS.get(role)
    if stamp:
        setattr(assignment, stamp, now)
    if final_cost is not None:
        if final_cost < 0:
            raise ValidationFailed({"final_cost": [_("A cost cannot be negative.")]})
        if errors := amount_errors({"final_cost": (final_cost, assignment.currency)}):
            raise ValidationFailed(errors)
        assignment.final_cost = final_cost
    if role == StatusRole.CANCELLED and reason:
        assignment.reason = reason  # kept with the assignment, like a decline's (operators read it)
    if role == StatusRole.CANCELLED and assignment.commitment is not None and not assignment.commitment.released:
        benefit_release(commitment=assignment.commitment, actor=actor)
    return save_step(
        assignment,
        actor=actor,
        changes={"status": [before, to_status.code], "reason": reason, "final_cost": serialize_value(final_cost)},
        tracking=_PROVIDER_TRACKING.get(role),
    )


def _path_to(from_status: EventProviderStatus, target: EventProviderStatus) -> list[EventProviderStatus]:
    """The shortest walk the machine allows from one status to another (a few statuses: read them all)."""
    statuses = {s.pk: s for s in EventProviderStatus.objects.prefetch_related("next_statuses")}
    previous = {from_status.pk: None}
    queue = [from_status.pk]
    while queue:
        current = queue.pop(0)
        if current == target.pk:
            break
        for following in statuses[current].next_statuses.all():
            if following.pk not in previous:
                previous[following.pk] = current
                queue.append(following.pk)
    if target.pk not in previous:
        return []
    path, step = [], target.pk
    while step != from_status.pk:
        path.append(statuses[step])
        step = previous[step]
    return path[::-1]


def event_provider_finish(*, assignment: EventProvider, role: str, actor: Actor = None, now=None) -> EventProvider:
    """Bring an open assignment to the status with ``role`` (resolved or cancelled), step by step as
    the machine allows (an assigned provider is started, then resolved), each step tracked as usual."""
    target = PROVIDER_MACHINE.with_role(role)
    steps = _path_to(assignment.status, target)
    if not steps:
        raise ConflictError(
            _("The provider's status %(from)s cannot lead to %(to)s.")
            % {"from": assignment.status.code, "to": target.code},
            code="illegal_transition",
        )
    for status in steps:
        assignment = event_provider_transition(
            assignment=assignment, to_code=status.code, reason=_("The case was closed."), actor=actor, now=now
        )
    return assignment


def event_commitments_settle(*, event: Event, actor: Actor = None) -> None:
    """What a closed case leaves committed on the voucher is what it really cost, nothing more.

    A cancelled assignment's commitment is released (if it was not already); a resolved one with a
    final cost below its guarantee keeps only the final cost.
    """
    assignments = EventProvider.objects.select_related("status", "commitment__rate", "commitment__voucher").filter(
        event=event, commitment__isnull=False, commitment__released=False
    )
    for assignment in assignments:
        if assignment.status.role == StatusRole.CANCELLED:
            benefit_release(commitment=assignment.commitment, actor=actor)
        elif assignment.final_cost is not None:
            # The final cost is in the provider's currency: settled in the voucher's at the guarantee's rate.
            amount = commitment_amount(commitment=assignment.commitment, amount=assignment.final_cost)
            benefit_settle(commitment=assignment.commitment, amount=amount, actor=actor)
