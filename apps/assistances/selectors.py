"""Reads of the case workflow, scoped to what the caller may see."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.assistances.models import Event, EventProvider, EventStatusHistory, Note, NoteVisibility

# A case is "at risk" when less than this share of its SLA window is left.
AT_RISK_SHARE = 0.25


def caller_source(caller) -> str | None:
    """The partner source a caller is confined to (API clients), or None for operators."""
    return getattr(caller, "source_code", None) if getattr(caller, "is_api_client", False) else None


def event_list(*, caller=None) -> QuerySet[Event]:
    qs = Event.objects.select_related("status", "assistance", "country", "city", "voucher", "assigned_operator")
    source = caller_source(caller)
    if source is not None:
        qs = qs.filter(source_code=source)
    return qs


def sla_state(event: Event, *, now=None) -> str:
    """ok | at_risk | breached | closed."""
    if event.closed_at is not None:
        return "closed"
    if event.sla_due_at is None:
        return "ok"
    now = now or timezone.now()
    if now >= event.sla_due_at:
        return "breached"
    window = event.sla_due_at - event.opened_at
    if event.sla_due_at - now <= window * AT_RISK_SHARE:
        return "at_risk"
    return "ok"


def filter_sla(qs: QuerySet[Event], state: str, *, now=None) -> QuerySet[Event]:
    """Open cases by SLA state. 'At risk' uses a fixed 25% of a one-hour window as the margin
    in SQL (per-row windows vary); the exact state is reported per case in the answer."""
    now = now or timezone.now()
    open_cases = qs.filter(closed_at__isnull=True, sla_due_at__isnull=False)
    if state == "breached":
        return open_cases.filter(sla_due_at__lte=now)
    if state == "at_risk":
        return open_cases.filter(sla_due_at__gt=now, sla_due_at__lte=now + timedelta(minutes=60 * AT_RISK_SHARE * 4))
    if state == "ok":
        return qs.filter(Q(closed_at__isnull=False) | Q(sla_due_at__gt=now) | Q(sla_due_at__isnull=True))
    return qs


def status_history(*, event: Event) -> QuerySet[EventStatusHistory]:
    return event.status_history.select_related("from_status", "to_status").order_by("-changed_at", "-id")


def event_provider_list(*, caller=None) -> QuerySet[EventProvider]:
    qs = EventProvider.objects.select_related("event", "provider", "location", "status")
    source = caller_source(caller)
    if source is not None:
        qs = qs.filter(event__source_code=source)
    return qs


def note_list(*, caller=None) -> QuerySet[Note]:
    """Notes the caller may read: partners see only shared notes of their own cases."""
    qs = Note.objects.select_related("event")
    source = caller_source(caller)
    if source is not None:
        qs = qs.filter(event__source_code=source, visibility=NoteVisibility.SHARED)
    return qs
