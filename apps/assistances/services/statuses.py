"""The case's status machine: changes the machine allows (each recorded in the status history and the
audit log), temporary switches that bring the previous status back at a set time, their early
cancellation, and the periodic revert of the switches that are due."""

from datetime import datetime, timedelta

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.assistances.models import Event, EventProvider, EventStatusSwitch, StatusChangeKind, SwitchState
from apps.assistances.services import providers as provider_services
from apps.assistances.services._common import EVENT_MACHINE, bump_version, lock_event
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.core.context import Actor, current_actor, user_or_none
from apps.core.exceptions import ConflictError, ValidationFailed, coded
from apps.masters.models import EventStatus, StatusRole

MAX_SWITCH = timedelta(days=30)


def _apply_status(*, event: Event, to_status: EventStatus, kind: str, reason: str, actor: Actor, now: datetime) -> None:
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
    EVENT_MACHINE.record(
        subject=event, from_status=from_status, to_status=to_status, kind=kind, reason=reason, actor=actor, at=now
    )
    audit_record(
        action=AuditAction.STATUS_CHANGE,
        instance=event,
        changes={"status": [from_status.code, to_status.code], "kind": kind, "reason": reason},
        actor=actor,
        case_reference=event.code,
    )


class OpenAssignments(models.TextChoices):
    """What closing a case does with its provider assignments still open (the operator's explicit choice)."""

    REFUSE = "", _("Refuse to close")
    RESOLVE = "resolve", _("Resolve them")
    CANCEL = "cancel", _("Cancel them")


def _close_the_work(*, event: Event, open_assignments: str, actor: Actor, now: datetime) -> None:
    """A closed case closes its work: no provider left assigned, nothing left committed in vain.

    Open assignments refuse the closing unless the operator chose to resolve or cancel them (each
    walks the provider machine to the status with that role, tracked for MOK as usual); then every
    commitment of the case still held for an assignment that will cost nothing more is released:
    cancelled ones (the transition already did), and the part of a resolved one above its final cost.
    """
    still_open = list(
        EventProvider.objects.select_related("status", "provider").filter(event=event, status__is_final=False)
    )
    if still_open and open_assignments not in (OpenAssignments.RESOLVE, OpenAssignments.CANCEL):
        names = ", ".join(a.provider.display_name for a in still_open)
        raise ConflictError(
            _("Providers still assigned (%(names)s): resolve or cancel them first, or choose to do it on closing.")
            % {"names": names},
            code="open_assignments",
            extra={"assignments": [a.pk for a in still_open]},
        )
    role = StatusRole.RESOLVED if open_assignments == OpenAssignments.RESOLVE else StatusRole.CANCELLED
    for assignment in still_open:
        provider_services.event_provider_finish(assignment=assignment, role=role, actor=actor, now=now)
    provider_services.event_commitments_settle(event=event, actor=actor)


@transaction.atomic
def event_change_status(
    *,
    event: Event,
    to_code: str,
    reason: str = "",
    revert_at: datetime | None = None,
    expected_version: int | None = None,
    open_assignments: str = OpenAssignments.REFUSE,
    actor: Actor = None,
    now: datetime | None = None,
) -> Event:
    """Move a case to ``to_code`` as the status machine allows. With ``revert_at``, the change is
    temporary: the previous status comes back at that time (a periodic task does it). Closing (a
    final status) closes the case's work first: see ``_close_the_work``."""
    actor = current_actor(actor)
    event = lock_event(event)
    # Taken once the row is locked, so history times follow the order the changes really happened in.
    now = now or timezone.now()
    to_status = EVENT_MACHINE.check_transition(from_status=event.status, to_code=to_code)
    if revert_at is not None:
        if revert_at <= now:
            raise ValidationFailed(
                {"revert_at": [coded(_("The revert time must be in the future."), "date_out_of_range")]}
            )
        if revert_at - now > MAX_SWITCH:
            raise ValidationFailed(
                {"revert_at": [coded(_("A temporary switch lasts at most 30 days."), "date_out_of_range")]}
            )
        if to_status.is_final:
            raise ValidationFailed({"status": [_("A final status cannot be temporary.")]})
    bump_version(event, expected_version)
    if to_status.is_final:
        _close_the_work(event=event, open_assignments=open_assignments, actor=actor, now=now)
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
            created_by=user_or_none(actor),
        )
    return event


def _finish_switch(switch: EventStatusSwitch, *, state: str, now: datetime) -> None:
    switch.state = state
    switch.resolved_at = now
    switch.save(update_fields=["state", "resolved_at", "updated_at"])


def _revert(switch: EventStatusSwitch, *, kind: str, actor: Actor, now: datetime) -> EventStatusSwitch:
    event = lock_event(switch.event)
    if event.status_id != switch.switched_to_id:
        # Someone changed the status by hand meanwhile: theirs wins; record the skip.
        EVENT_MACHINE.record(
            subject=event,
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
def event_switch_cancel(
    *, switch: EventStatusSwitch, actor: Actor = None, now: datetime | None = None
) -> EventStatusSwitch:
    """End a temporary switch early: the previous status comes back now (unless changed meanwhile)."""
    switch = (
        EventStatusSwitch.objects.select_for_update()
        .select_related("event", "switched_to", "revert_to")
        .get(pk=switch.pk)
    )
    if switch.state != SwitchState.ACTIVE:
        raise ConflictError(_("This temporary switch is already over."), code="switch_not_active")
    return _revert(switch, kind=StatusChangeKind.CANCEL_SWITCH, actor=current_actor(actor), now=now or timezone.now())


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
