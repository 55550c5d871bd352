"""Writes of the case workflow. Admin, API and tasks call these; each is one transaction and audited."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.assistances.models import (
    SLA_FACTOR,
    Event,
    EventDraft,
    EventProvider,
    EventStatusHistory,
    EventStatusSwitch,
    Note,
    NoteVisibility,
    StatusChangeKind,
    SwitchState,
)
from apps.assistances.selectors import event_list
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.core.context import current_actor, user_or_none
from apps.core.exceptions import ApplicationError, ConflictError, coded
from apps.core.services import model_snapshot, model_update, serialize_value
from apps.core.validators import is_currency_code
from apps.core.visibility import partner_source
from apps.masters.models import Assistance, EventProviderStatus, EventStatus
from apps.masters.selectors import status_allows
from apps.providers.models import Provider
from apps.tracking.models import TrackingAction
from apps.tracking.services import tracking_record
from apps.vouchers.models import UNKNOWN_VOUCHER, Voucher
from apps.vouchers.selectors import voucher_check_coverage
from apps.vouchers.services import benefit_commit, benefit_release

MAX_SWITCH = timedelta(days=30)
DRAFT_LIFETIME = timedelta(days=7)


_actor = current_actor
_user = user_or_none


def _invalid(errors: dict, message: str | None = None, code: str = "validation_error") -> ApplicationError:
    return ApplicationError(message or _("One or more fields are invalid."), code=code, extra={"errors": errors})


def _record_status(*, event: Event, from_status, to_status, kind: str, reason: str, actor, at: datetime) -> None:
    EventStatusHistory.objects.create(
        event=event,
        from_status=from_status,
        to_status=to_status,
        kind=kind,
        reason=reason,
        changed_by=_user(actor),
        actor_repr=str(actor)[:255] if actor is not None else "",
        changed_at=at,
    )


def sla_due(*, opened_at: datetime, assistance: Assistance, priority: str) -> datetime:
    minutes = assistance.default_sla_minutes * SLA_FACTOR.get(priority, 1.0)
    return opened_at + timedelta(minutes=minutes)


# --- opening -------------------------------------------------------------------------------------

OPENING_FIELDS = {
    "source_code",
    "external_reference",
    "voucher",
    "traveller_name",
    "traveller_document_type",
    "traveller_document_number",
    "traveller_phone",
    "traveller_email",
    "assistance",
    "country",
    "city",
    "address",
    "latitude",
    "longitude",
    "description",
    "priority",
    "assigned_operator",
}


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


def _opening_coverage(*, data: dict, override_reason: str, actor, now: datetime) -> tuple[dict, bool]:
    """The coverage check at opening; refuses an uncovered case without an operator's override."""
    voucher = data.get("voucher")
    if voucher is not None:
        result = voucher_check_coverage(
            voucher=voucher, assistance=data["assistance"], country=data["country"], on_date=timezone.localdate(now)
        )
        coverage, covered = _coverage_json(result), result.covered
    else:
        coverage = {"covered": False, "reasons": [{"code": "no_voucher", "passed": False, "message": _("No voucher.")}]}
        covered = False
    if covered:
        return coverage, True
    if getattr(actor, "is_api_client", False) or _user(actor) is None:
        raise ConflictError(
            _("The voucher does not cover this assistance; an operator must open the case."),
            code="not_covered",
            extra={"coverage": coverage},
        )
    if not override_reason.strip():
        raise ConflictError(
            _("Not covered: give an override reason to open the case anyway."),
            code="not_covered",
            extra={"coverage": coverage, "errors": {"override_reason": [_("Required for an uncovered case.")]}},
        )
    return coverage, False


def event_open(*, data: dict, override_reason: str = "", actor=None, now: datetime | None = None) -> OpenResult:
    """Open a case, or return the existing one when the partner retries with the same reference.

    Checks the assistance, the place and the voucher's coverage on the opening date; the coverage
    result is stored on the case. An uncovered case (or one without a voucher) is refused unless an
    operator — never an API client — records ``override_reason``.
    """
    actor = _actor(actor)
    now = now or timezone.now()
    unknown = set(data) - OPENING_FIELDS
    if unknown:
        raise _invalid({name: [_("Unknown field.")] for name in sorted(unknown)})
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
    if errors:
        raise _invalid(errors)

    coverage, covered = _opening_coverage(data=data, override_reason=override_reason, actor=actor, now=now)

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
                created_by=_user(actor),
                updated_by=_user(actor),
            )
            model_update(instance=event, data={**data, "external_reference": reference})
            event.sla_due_at = sla_due(opened_at=now, assistance=event.assistance, priority=event.priority)
            # The public code comes from the primary key: unique under any concurrency.
            event.code = f"BT-{now:%Y}-{event.pk:07d}"
            event.save(update_fields=["code", "sla_due_at"])
            _record_status(
                event=event,
                from_status=None,
                to_status=initial,
                kind=StatusChangeKind.OPENED,
                reason="",
                actor=actor,
                at=now,
            )
            audit_record(
                action=AuditAction.CREATE,
                instance=event,
                changes={"after": model_snapshot(event)},
                actor=actor,
                case_reference=event.code,
            )
    except IntegrityError:
        # A concurrent retry with the same reference won the race: answer with its case.
        existing = Event.objects.filter(source_code=source, external_reference=reference).first() if reference else None
        if existing is None:
            raise
        return OpenResult(existing, created=False)
    return OpenResult(event, created=True)


# --- updates with optimistic concurrency -------------------------------------------------------------

UPDATABLE_FIELDS = {
    "traveller_name",
    "traveller_document_type",
    "traveller_document_number",
    "traveller_phone",
    "traveller_email",
    "city",
    "address",
    "latitude",
    "longitude",
    "description",
    "priority",
    "assigned_operator",
}


def _bump(event: Event, expected_version: int | None) -> None:
    """Claim the next version; fails if someone else saved the case since ``expected_version``."""
    expected = event.version if expected_version is None else expected_version
    updated = Event.objects.filter(pk=event.pk, version=expected).update(version=F("version") + 1)
    if not updated:
        raise ConflictError(
            _("The case was changed by someone else; reload it and try again."),
            code="stale_version",
            extra={"current_version": Event.objects.filter(pk=event.pk).values_list("version", flat=True).first()},
        )
    event.version = expected + 1


@transaction.atomic
def event_update(*, event: Event, data: dict, expected_version: int | None = None, actor=None) -> Event:
    """Change a case's details. ``expected_version`` (from If-Match) turns a lost update into a 409."""
    actor = _actor(actor)
    not_allowed = set(data) - UPDATABLE_FIELDS
    if not_allowed:
        raise _invalid({name: [_("This field cannot be changed here.")] for name in sorted(not_allowed)})
    merged = {"country": event.country, "latitude": event.latitude, "longitude": event.longitude, **data}
    errors = event_validate_place(merged)
    if errors:
        raise _invalid(errors)
    _bump(event, expected_version)
    event.updated_by = _user(actor) or event.updated_by
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


# --- status machine -----------------------------------------------------------------------------------


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update().select_related("status").get(pk=event.pk)


def _apply_status(*, event: Event, to_status: EventStatus, kind: str, reason: str, actor, now: datetime) -> None:
    from_status = event.status
    event.status = to_status
    fields = ["status", "updated_at"]
    if to_status.is_final:
        event.closed_at = now
        fields.append("closed_at")
    elif event.closed_at is not None:
        event.closed_at = None  # reopened
        fields.append("closed_at")
    if event.first_response_at is None and from_status.is_initial and not to_status.is_initial:
        event.first_response_at = now
        fields.append("first_response_at")
    event.save(update_fields=fields)
    _record_status(
        event=event, from_status=from_status, to_status=to_status, kind=kind, reason=reason, actor=actor, at=now
    )
    audit_record(
        action="status_change",
        instance=event,
        changes={"status": [from_status.code, to_status.code], "kind": kind, "reason": reason},
        actor=actor,
        case_reference=event.code,
    )


def _target_status(event: Event, to_code: str) -> EventStatus:
    to_status = EventStatus.objects.filter(code=to_code).first()
    if to_status is None:
        raise _invalid({"status": [coded(_("Unknown status %(code)s.") % {"code": to_code}, "does_not_exist")]})
    if not status_allows(EventStatus, from_code=event.status.code, to_code=to_code):
        raise ConflictError(
            _("A case cannot go from %(from)s to %(to)s.") % {"from": event.status.code, "to": to_code},
            code="illegal_transition",
        )
    return to_status


@transaction.atomic
def event_change_status(
    *,
    event: Event,
    to_code: str,
    reason: str = "",
    revert_at: datetime | None = None,
    expected_version: int | None = None,
    actor=None,
    now: datetime | None = None,
) -> Event:
    """Move a case to ``to_code`` as the status machine allows. With ``revert_at``, the change is
    temporary: the previous status comes back at that time (a periodic task does it)."""
    actor = _actor(actor)
    event = _lock(event)
    # Taken once the row is locked, so history times follow the order the changes really happened in.
    now = now or timezone.now()
    to_status = _target_status(event, to_code)
    if revert_at is not None:
        if revert_at <= now:
            raise _invalid({"revert_at": [_("The revert time must be in the future.")]})
        if revert_at - now > MAX_SWITCH:
            raise _invalid({"revert_at": [_("A temporary switch lasts at most 30 days.")]})
        if to_status.is_final:
            raise _invalid({"status": [_("A final status cannot be temporary.")]})
    _bump(event, expected_version)
    previous = event.status
    kind = StatusChangeKind.TEMPORARY if revert_at else StatusChangeKind.MANUAL
    _apply_status(event=event, to_status=to_status, kind=kind, reason=reason, actor=actor, now=now)
    if revert_at is not None:
        EventStatusSwitch.objects.create(
            event=event,
            switched_to=to_status,
            revert_to=previous,
            revert_at=revert_at,
            reason=reason,
            created_by=_user(actor),
        )
    return event


def _finish_switch(switch: EventStatusSwitch, *, state: str, now: datetime) -> None:
    switch.state = state
    switch.resolved_at = now
    switch.save(update_fields=["state", "resolved_at", "updated_at"])


def _revert(switch: EventStatusSwitch, *, kind: str, actor, now: datetime) -> EventStatusSwitch:
    event = _lock(switch.event)
    if event.status_id != switch.switched_to_id:
        # Someone changed the status by hand meanwhile: theirs wins; record the skip.
        _record_status(
            event=event,
            from_status=event.status,
            to_status=event.status,
            kind=StatusChangeKind.REVERT_SKIPPED,
            reason=_("Temporary switch to %(code)s not reverted: the status had changed.")
            % {"code": switch.switched_to.code},
            actor=actor,
            at=now,
        )
        _finish_switch(switch, state=SwitchState.SKIPPED, now=now)
        return switch
    Event.objects.filter(pk=event.pk).update(version=F("version") + 1)
    _apply_status(event=event, to_status=switch.revert_to, kind=kind, reason=switch.reason, actor=actor, now=now)
    _finish_switch(
        switch, state=SwitchState.REVERTED if kind == StatusChangeKind.REVERT else SwitchState.CANCELLED, now=now
    )
    return switch


@transaction.atomic
def event_switch_cancel(*, switch: EventStatusSwitch, actor=None, now: datetime | None = None) -> EventStatusSwitch:
    """End a temporary switch early: the previous status comes back now (unless changed meanwhile)."""
    switch = (
        EventStatusSwitch.objects.select_for_update()
        .select_related("event", "switched_to", "revert_to")
        .get(pk=switch.pk)
    )
    if switch.state != SwitchState.ACTIVE:
        raise ConflictError(_("This temporary switch is already over."), code="switch_not_active")
    return _revert(switch, kind=StatusChangeKind.CANCEL_SWITCH, actor=_actor(actor), now=now or timezone.now())


def status_switches_revert_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Revert every active switch whose time has come (periodic task). Each in its own transaction."""
    now = now or timezone.now()
    due = list(
        EventStatusSwitch.objects.filter(state=SwitchState.ACTIVE, revert_at__lte=now)
        .order_by("revert_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in due:
        with transaction.atomic():
            switch = (
                EventStatusSwitch.objects.select_for_update(skip_locked=True)
                .select_related("event", "switched_to", "revert_to")
                .filter(pk=pk, state=SwitchState.ACTIVE)
                .first()
            )
            if switch is None:
                continue  # handled concurrently
            _revert(switch, kind=StatusChangeKind.REVERT, actor=None, now=now)
            done += 1
    return done


# --- providers on a case ------------------------------------------------------------------------------


def _provider_payload(assignment: EventProvider) -> dict:
    return {
        "event_provider_id": assignment.pk,
        "provider_id": assignment.provider_id,
        "provider_name": assignment.provider.display_name,
        "status": assignment.status.code,
        "guaranteed_amount": serialize_value(assignment.guaranteed_amount),
        "currency": assignment.currency,
    }


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
    actor=None,
    now: datetime | None = None,
) -> EventProvider:
    """Assign an active provider that serves the case's assistance; guarantee an amount within the
    voucher's remaining benefit (the commitment is recorded on the voucher)."""
    actor = _actor(actor)
    event = _lock(event)
    # Taken once the row is locked, so history times follow the order the changes really happened in.
    now = now or timezone.now()
    errors: dict = {}
    if not provider.is_active:
        errors["provider"] = [_("This provider is not active.")]
    elif not provider.assistances.filter(pk=event.assistance_id).exists():
        errors["provider"] = [_("This provider does not offer %(code)s.") % {"code": event.assistance.code}]
    if location is not None and location.provider_id != provider.pk:
        errors["location"] = [_("This location belongs to another provider.")]
    if guaranteed_amount is not None and event.voucher_id is None:
        errors["guaranteed_amount"] = [_("A guarantee needs a voucher on the case.")]
    if currency and not is_currency_code(currency):
        errors["currency"] = [_("Use a three-letter ISO 4217 code.")]
    if errors:
        raise _invalid(errors)
    if event.status.is_final:
        raise ConflictError(_("The case is closed."), code="case_closed")
    initial = EventProviderStatus.objects.filter(is_initial=True).order_by("sort_order").first()
    assignment = EventProvider(
        event=event,
        provider=provider,
        location=location,
        status=initial,
        assigned_at=now,
        estimated_cost=estimated_cost,
        guaranteed_amount=guaranteed_amount,
        currency=(currency or "").upper(),
        notes=notes,
        created_by=_user(actor),
        updated_by=_user(actor),
    )
    if guaranteed_amount is not None:
        assignment.commitment = benefit_commit(
            voucher=event.voucher,
            assistance=event.assistance,
            amount=guaranteed_amount,
            reference=event.code,
            actor=actor,
        )
        assignment.currency = assignment.commitment.benefit.currency or assignment.currency
    assignment.full_clean()
    assignment.save()
    Event.objects.filter(pk=event.pk).update(version=F("version") + 1)
    audit_record(
        action=AuditAction.CREATE,
        instance=assignment,
        changes={"after": model_snapshot(assignment)},
        actor=actor,
        case_reference=event.code,
    )
    tracking_record(event=event, action=TrackingAction.EVENT_PROVIDER_CREATE, payload=_provider_payload(assignment))
    return assignment


_PROVIDER_TRACKING = {"STARTED": TrackingAction.EVENT_PROVIDER_START, "RESOLVED": TrackingAction.EVENT_PROVIDER_RESOLVE}


@transaction.atomic
def event_provider_transition(
    *,
    assignment: EventProvider,
    to_code: str,
    final_cost: Decimal | None = None,
    reason: str = "",
    actor=None,
    now: datetime | None = None,
) -> EventProvider:
    """Start, resolve or cancel a provider's service on a case (as the EventProviderStatus machine allows)."""
    actor = _actor(actor)
    assignment = (
        EventProvider.objects.select_for_update()
        .select_related("event", "status", "provider", "commitment")
        .get(pk=assignment.pk)
    )
    now = now or timezone.now()  # after the lock: times follow the real order of changes
    to_status = EventProviderStatus.objects.filter(code=to_code).first()
    if to_status is None:
        raise _invalid({"status": [coded(_("Unknown status %(code)s.") % {"code": to_code}, "does_not_exist")]})
    if not status_allows(EventProviderStatus, from_code=assignment.status.code, to_code=to_code):
        raise ConflictError(
            _("A case provider cannot go from %(from)s to %(to)s.") % {"from": assignment.status.code, "to": to_code},
            code="illegal_transition",
        )
    before = assignment.status.code
    assignment.status = to_status
    stamp = {"STARTED": "started_at", "RESOLVED": "resolved_at", "CANCELLED": "cancelled_at"}.get(to_code)
    if stamp:
        setattr(assignment, stamp, now)
    if final_cost is not None:
        if final_cost < 0:
            raise _invalid({"final_cost": [_("A cost cannot be negative.")]})
        assignment.final_cost = final_cost
    if to_code == "CANCELLED" and assignment.commitment is not None and not assignment.commitment.released:
        benefit_release(commitment=assignment.commitment, actor=actor)
    assignment.updated_by = _user(actor) or assignment.updated_by
    assignment.save()
    Event.objects.filter(pk=assignment.event_id).update(version=F("version") + 1)
    audit_record(
        action="status_change",
        instance=assignment,
        changes={"status": [before, to_code], "reason": reason, "final_cost": serialize_value(final_cost)},
        actor=actor,
        case_reference=assignment.event.code,
    )
    if to_code in _PROVIDER_TRACKING:
        tracking_record(
            event=assignment.event, action=_PROVIDER_TRACKING[to_code], payload=_provider_payload(assignment)
        )
    return assignment


# --- notes ---------------------------------------------------------------------------------------------


@transaction.atomic
def note_create(*, event: Event, body: str, kind: str = "general", visibility: str | None = None, actor=None) -> Note:
    """Add a note to a case.

    Operators' notes are internal unless they say ``shared``. A partner's note is always shared
    with that partner (it wrote it; it must be able to read it back), so asking for an internal
    one is refused. Only shared notes leave the company: a NOTE_REGISTER tracking message is
    recorded for a shared note written by someone other than the partner it would go to (an
    internal note, or the partner's own note echoed back to it, records nothing).
    """
    actor = _actor(actor)
    # A partner may only write on its own source's cases (operators see them all).
    if not event_list(caller=actor).filter(pk=event.pk).exists():
        raise _invalid({"event": [coded(_("Unknown case."), "does_not_exist")]})
    if not (body or "").strip():
        raise _invalid({"body": [_("A note needs some text.")]})
    by_partner = partner_source(actor) is not None
    if by_partner:
        if visibility not in (None, "", NoteVisibility.SHARED):
            raise _invalid(
                {"visibility": [coded(_("Notes written by a partner are always shared with it."), "shared_only")]}
            )
        visibility = NoteVisibility.SHARED
    visibility = visibility or NoteVisibility.INTERNAL
    note = Note(
        event=event,
        body=body.strip(),
        kind=kind,
        visibility=visibility,
        author=_user(actor),
        author_repr=str(actor)[:255] if actor is not None else "",
    )
    note.full_clean()
    note.save()
    audit_record(
        action=AuditAction.CREATE,
        instance=note,
        changes={"after": model_snapshot(note)},
        actor=actor,
        case_reference=event.code,
    )
    if note.visibility == NoteVisibility.SHARED and not by_partner:
        tracking_record(
            event=event,
            action=TrackingAction.NOTE_REGISTER,
            payload={"note_id": note.pk, "kind": note.kind, "visibility": note.visibility, "body": note.body},
        )
    return note


# --- drafts ----------------------------------------------------------------------------------------------


@transaction.atomic
def draft_save(*, owner, data: dict, draft: EventDraft | None = None, now: datetime | None = None) -> EventDraft:
    """Create or replace a draft's content; any shape is accepted until promotion."""
    now = now or timezone.now()
    if not isinstance(data, dict):
        raise _invalid({"data": [_("A draft is a JSON object.")]})
    if draft is None:
        draft = EventDraft(owner=owner)
    elif draft.owner_id != owner.pk:
        raise ConflictError(_("Only the author can change a draft."), code="not_owner", status_code=403)
    if draft.promoted_event_id:
        raise ConflictError(_("This draft was already promoted."), code="draft_promoted")
    draft.data = data
    draft.expires_at = now + DRAFT_LIFETIME
    draft.save()
    return draft


def drafts_expire(*, now: datetime | None = None) -> int:
    """Delete drafts past their expiry (periodic task)."""
    deleted, _ = EventDraft.objects.filter(expires_at__lte=now or timezone.now(), promoted_event__isnull=True).delete()
    return deleted


@transaction.atomic
def draft_promote(*, draft: EventDraft, data: dict, override_reason: str = "", actor=None) -> Event:
    """Open the case a draft describes (``data``: the draft's content, validated like a new case)."""
    actor = _actor(actor)
    draft = EventDraft.objects.select_for_update().get(pk=draft.pk)
    if draft.promoted_event_id:
        raise ConflictError(_("This draft was already promoted."), code="draft_promoted")
    if _user(actor) is not None and draft.owner_id != actor.pk:
        raise ConflictError(_("Only the author can promote a draft."), code="not_owner", status_code=403)
    result = event_open(data=data, override_reason=override_reason, actor=actor)
    draft.promoted_event = result.event
    draft.save(update_fields=["promoted_event", "updated_at"])
    return result.event


def sla_flag_breaches(*, now: datetime | None = None) -> int:
    """Stamp open cases whose SLA has passed (periodic task); each case is flagged once."""
    now = now or timezone.now()
    breached = Event.objects.filter(closed_at__isnull=True, sla_due_at__lte=now, sla_breached_at__isnull=True)
    return breached.update(sla_breached_at=now)
