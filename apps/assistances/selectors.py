"""Reads of the case workflow.

Who may see which row is each model's rule (``Event.objects.visible_to(caller)``, see
``apps.core.visibility``); the API views apply it to whatever these selectors return, and
selectors that take a ``caller`` apply the same rule for callers outside a view.
"""

from collections.abc import Sequence
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.assistances.models import Event, EventProvider, EventStatusHistory, Note

# A case is "at risk" when less than this share of its SLA window is left.
AT_RISK_SHARE = 0.25


def event_list(*, caller=None) -> QuerySet[Event]:
    """Cases with what a case answer shows; only those ``caller`` may see when one is given."""
    qs = Event.objects.select_related("status", "assistance", "country", "city", "voucher", "assigned_operator")
    return qs if caller is None else qs.visible_to(caller)


# A case as hot list endpoints read it: plain values, the related rows' public codes through joins
# (no model instances; ``values()`` drops the select_related of ``event_list``).
EVENT_ROW_FIELDS = (
    "id",
    "code",
    "source_code",
    "external_reference",
    "voucher__number",
    "covered",
    "coverage",
    "coverage_override_reason",
    "traveller_name",
    "traveller_document_type",
    "traveller_document_number",
    "traveller_phone",
    "traveller_email",
    "assistance__code",
    "country__iso2",
    "city__code",
    "address",
    "latitude",
    "longitude",
    "description",
    "priority",
    "status__code",
    "assigned_operator__email",
    "opened_at",
    "first_response_at",
    "closed_at",
    "sla_due_at",
    "version",
    "created_at",
    "updated_at",
)


def event_page_keys(queryset: QuerySet[Event], *, ordering: Sequence[str]) -> QuerySet[dict]:
    """What choosing a page of ``queryset`` needs: each case's id and ordering columns, nothing else.

    Why two steps: a page ordered by opening time over the case row *and* its six related tables
    makes MariaDB start from a small catalog table and sort every joined case (seconds at 200,000
    cases). Keys alone come from the events indexes (plus the join a filter itself needs); the full
    rows are then read by primary key (``event_rows``).
    """
    return queryset.values(*dict.fromkeys(["id", *(field.lstrip("-") for field in ordering)]))


def event_rows(*, ids: Sequence[int], caller=None) -> list[dict]:
    """The cases ``ids`` as dicts of ``EVENT_ROW_FIELDS``, in that order: one query by primary key.

    Read through ``Event.objects.visible_to(caller)`` again, so a row outside the caller's scope can never be
    returned whatever ``ids`` holds.
    """
    if not ids:
        return []
    rows = Event.objects.visible_to(caller).filter(pk__in=ids).values(*EVENT_ROW_FIELDS)
    by_id = {row["id"]: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def sla_state_of(*, opened_at, sla_due_at, closed_at, now) -> str:
    """ok | at_risk | breached | closed, from the case's times (``now`` is required: one clock per page)."""
    if closed_at is not None:
        return "closed"
    if sla_due_at is None:
        return "ok"
    if now >= sla_due_at:
        return "breached"
    if sla_due_at - now <= (sla_due_at - opened_at) * AT_RISK_SHARE:
        return "at_risk"
    return "ok"


def sla_state(event: Event, *, now=None) -> str:
    """ok | at_risk | breached | closed."""
    return sla_state_of(
        opened_at=event.opened_at,
        sla_due_at=event.sla_due_at,
        closed_at=event.closed_at,
        now=now or timezone.now(),
    )


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
    return qs if caller is None else qs.visible_to(caller)


def note_list(*, caller=None) -> QuerySet[Note]:
    """Notes (partners see only shared notes of their own cases: ``NoteQuerySet``)."""
    # No join to the cases: the answer carries only the case id, and joining made MariaDB sort every
    # note of a million-row table before taking the newest page (25 s against 5 ms without it).
    qs = Note.objects.all()
    return qs if caller is None else qs.visible_to(caller)


def case_lookup() -> QuerySet[Event]:
    """Where a reference to a case (by id) is looked up, before it is narrowed to the caller's cases:
    only what visibility and the referring row's ``event_code`` need."""
    return Event.objects.only("id", "code", "source_code")


def event_codes(*, ids) -> dict[int, str]:
    """Case codes by case id."""
    return dict(Event.objects.filter(pk__in=ids).values_list("pk", "code"))
