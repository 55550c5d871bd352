"""Reads of the case workflow.

Who may see which row is each model's rule (``Event.objects.visible_to(caller)``, see
``apps.core.visibility``); the API views apply it to whatever these selectors return, and
selectors that take a ``caller`` apply the same rule for callers outside a view.
"""

import math
import re
from collections.abc import Sequence
from datetime import timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.text import smart_split, unescape_string_literal

from apps.assistances.fields import EVENT_COMPUTED_FIELDS, EVENT_READ_FIELDS, read_path
from apps.assistances.models import Event, EventDraft, EventProvider, EventStatusHistory, Note
from apps.audit.models import AuditLog
from apps.masters.models import (
    Assistance,
    City,
    Country,
    EventProviderStatus,
    EventStatus,
    StatusRole,
    localized_name,
)
from apps.vouchers.models import Voucher
from apps.vouchers.selectors import voucher_check_coverage

# A case is "at risk" when less than this share of its SLA window is left.
AT_RISK_SHARE = 0.25
# In SQL (lists, counters) "at risk" is a fixed margin before the due time: a share of each case's
# own window cannot use an index. An hour: 25 % of a four-hour window, the most common SLA.
AT_RISK_MARGIN = timedelta(minutes=60)


def event_list(*, caller=None) -> QuerySet[Event]:
    """Cases with what a case answer shows; only those ``caller`` may see when one is given."""
    qs = Event.objects.select_related("status", "assistance", "country", "city", "voucher", "assigned_operator")
    return qs if caller is None else qs.visible_to(caller)


# A case as hot list endpoints read it: plain values, the related rows' public codes through joins
# (no model instances; ``values()`` drops the select_related of ``event_list``). Built from the one
# list of what a case answer shows, so this path and EventSerializer cannot drift apart.
EVENT_ROW_FIELDS = tuple(read_path(name) for name in EVENT_READ_FIELDS if name not in EVENT_COMPUTED_FIELDS)


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
        return open_cases.filter(sla_due_at__gt=now, sla_due_at__lte=now + AT_RISK_MARGIN)
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


# --- the operators' queue (the console's landing page) -------------------------------------------------

# The queue's views, in the order the counters show them. "Waiting for a provider": a provider was
# assigned and has not started (its assignment is still in the machine's initial status). "No
# provider": the dispatch cascade ran out of providers (Event.no_provider_at, services.dispatch).
QUEUE_VIEWS = ("all", "breached", "at_risk", "unassigned", "mine", "waiting_provider", "no_provider")
QUEUE_SIZE = 50


def _queue_filters(*, user, now) -> dict[str, Q]:
    """One Q per queue view over open cases; the counters and the lists use the same ones."""
    waiting = EventProvider.objects.filter(event=OuterRef("pk"), status__is_initial=True)
    return {
        "all": Q(),
        "breached": Q(sla_due_at__lte=now),
        # The same fixed margin as the SLA filter (an hour): a per-row share of each case's window
        # cannot use the (closed_at, sla_due_at) index.
        "at_risk": Q(sla_due_at__gt=now, sla_due_at__lte=now + AT_RISK_MARGIN),
        "unassigned": Q(assigned_operator__isnull=True),
        "mine": Q(assigned_operator=user),
        "waiting_provider": Q(Exists(waiting)),
        "no_provider": Q(no_provider_at__isnull=False),
    }


def queue_counts(*, user, now=None) -> dict[str, int]:
    """How many open cases each queue view holds: two queries, whatever the table's size.

    One pass over the open cases with a conditional count per view, read from the event_open_queue_idx
    index alone (it holds every column the views test), and the cases waiting for a provider counted
    from their assignments in the initial status (few at any time) rather than probed case by case.
    Reading the case rows, and an EXISTS per open case, took 0.2–0.4 s at 200,000 cases and grew
    with the table (bench/growth.py).
    """
    now = now or timezone.now()
    filters = _queue_filters(user=user, now=now)
    by_index = {view: q for view, q in filters.items() if view not in ("all", "waiting_provider")}
    counts = Event.objects.filter(closed_at__isnull=True).aggregate(
        all=Count("pk"), **{view: Count("pk", filter=q) for view, q in by_index.items()}
    )
    counts["waiting_provider"] = (
        EventProvider.objects.filter(status__is_initial=True, event__closed_at__isnull=True)
        .values("event_id")
        .distinct()
        .count()
    )
    return {view: counts[view] or 0 for view in QUEUE_VIEWS}


def queue_cases(*, user, view: str = "all", now=None, limit: int = QUEUE_SIZE) -> list[Event]:
    """Open cases of one queue view, most urgent first: SLA due soonest (none last), then oldest.

    Each case carries ``open_offer_expires_at``: when its soonest open dispatch offer runs out (None
    without one), read in the same query (a subquery on the assignments' case index).
    """
    now = now or timezone.now()
    q = _queue_filters(user=user, now=now)[view if view in QUEUE_VIEWS else "all"]
    ids = _queue_page_ids(Event.objects.filter(q, closed_at__isnull=True), limit)
    open_offer = EventProvider.objects.filter(event=OuterRef("pk"), status__role=StatusRole.OFFERED).order_by(
        "offer_expires_at"
    )
    rows = (
        Event.objects.filter(pk__in=ids)
        .select_related("status", "assistance", "country", "city", "assigned_operator")
        .annotate(open_offer_expires_at=Subquery(open_offer.values("offer_expires_at")[:1]))
    )
    by_id = {event.pk: event for event in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def _queue_page_ids(open_cases: QuerySet[Event], limit: int) -> list[int]:
    """The ids of the ``limit`` most urgent of ``open_cases``: one query, over the events index alone.

    Why not one ORDER BY over the case rows: "SLA soonest, none last" is not the order of any index
    (NULL sorts first), and with the queue's joins MariaDB started from a catalog table and read every
    case of the table through it (12 s at 200,000 cases, bench/growth.py). Here the cases with an SLA
    and those without are two halves of the (closed_at, sla_due_at, opened_at) index, each read in its
    own order for ``limit`` keys at most (a UNION ALL), then merged: the work does not grow with the
    number of open cases, nor with the table.
    """
    keys = open_cases.order_by().values_list("id", "sla_due_at", "opened_at")
    with_sla = keys.filter(sla_due_at__isnull=False).order_by("sla_due_at", "opened_at", "id")[:limit]
    without_sla = keys.filter(sla_due_at__isnull=True).order_by("opened_at", "id")[:limit]
    merged = sorted(
        with_sla.union(without_sla, all=True), key=lambda row: (row[1] is None, row[1] or row[2], row[2], row[0])
    )
    return [pk for pk, _sla, _opened in merged[:limit]]


def queue_newest() -> Event | None:
    """The most recently opened open case: the console alerts operators when it changes."""
    return Event.objects.filter(closed_at__isnull=True).only("id", "code").order_by("-opened_at", "-id").first()


# --- opening a case in the console -------------------------------------------------------------------


def draft_of(*, owner, draft_id) -> EventDraft | None:
    """The operator's own unpromoted draft with this id (None for anything else: never another's)."""
    if not str(draft_id or "").isdigit():
        return None
    return EventDraft.objects.filter(pk=int(draft_id), owner=owner, promoted_event__isnull=True).first()


def case_notes(*, event: Event) -> QuerySet[Note]:
    """A case's notes, newest first, for the operators (internal and shared alike)."""
    return Note.objects.filter(event=event).order_by("-created_at", "-id")


def case_remaining_coverage(*, event: Event) -> dict | None:
    """What the voucher still covers for this case's assistance today: amount or count, and currency."""
    if event.voucher_id is None:
        return None
    result = voucher_check_coverage(
        voucher=event.voucher, assistance=event.assistance, country=event.country, on_date=timezone.localdate()
    )
    return {
        "covered": result.covered,
        "amount": result.remaining_amount,
        "count": result.remaining_count,
        "currency": result.currency,
    }


def case_lookup() -> QuerySet[Event]:
    """Where a reference to a case (by id) is looked up, before it is narrowed to the caller's cases:
    only what visibility and the referring row's ``event_code`` need."""
    return Event.objects.only("id", "code", "source_code")


def event_codes(*, ids) -> dict[int, str]:
    """Case codes by case id."""
    return dict(Event.objects.filter(pk__in=ids).values_list("pk", "code"))


def case_audit_entries(*, event: Event, limit: int = 50):
    """The newest audit entries about a case (the case and its rows carry its code)."""
    return AuditLog.objects.filter(case_reference=event.code).order_by("-occurred_at", "-id")[:limit]


def status_names() -> dict[str, str]:
    """Status code → name in the active language, for telling a status change in words."""
    names = {s.code: s.name for s in EventProviderStatus.objects.all()}
    names.update({s.code: s.name for s in EventStatus.objects.all()})
    return names


# --- the supervisors' dashboard (each figure one selector; a window of days ending now) -------------------

DASHBOARD_DAYS = 30


def _window_start(days: int, now):
    start = timezone.localtime(now) - timedelta(days=days - 1)
    return start.replace(hour=0, minute=0, second=0, microsecond=0)


def cases_opened_per_day(*, days: int = DASHBOARD_DAYS, now=None) -> list[dict]:
    """Cases opened per local day and source: [{"day": date, "source": code, "count": n}], oldest first."""
    now = now or timezone.now()
    rows = (
        Event.objects.filter(opened_at__gte=_window_start(days, now))
        .annotate(day=TruncDate("opened_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "source_code")
        .annotate(count=Count("pk"))
        .order_by("day", "source_code")
    )
    return [{"day": row["day"], "source": row["source_code"], "count": row["count"]} for row in rows]


def sla_breach_rate(*, days: int = DASHBOARD_DAYS, now=None) -> dict:
    """Of the cases opened in the window with an SLA, how many missed it (flagged, or still open past due)."""
    now = now or timezone.now()
    counts = Event.objects.filter(opened_at__gte=_window_start(days, now), sla_due_at__isnull=False).aggregate(
        total=Count("pk"),
        breached=Count("pk", filter=Q(sla_breached_at__isnull=False) | Q(closed_at__isnull=True, sla_due_at__lte=now)),
    )
    total, breached = counts["total"], counts["breached"]
    return {"total": total, "breached": breached, "rate": (breached / total) if total else None}


def time_to_first_provider(*, days: int = DASHBOARD_DAYS, now=None) -> dict:
    """Minutes from opening to the first provider assignment, for cases opened in the window: p50, p90."""
    now = now or timezone.now()
    rows = (
        EventProvider.objects.filter(event__opened_at__gte=_window_start(days, now))
        .values("event_id", "event__opened_at")
        .annotate(first=Min("assigned_at"))
    )
    minutes = sorted(max(0.0, (row["first"] - row["event__opened_at"]).total_seconds() / 60) for row in rows)
    return {"cases": len(minutes), "p50": _percentile(minutes, 0.5), "p90": _percentile(minutes, 0.9)}


def _percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile of sorted values (None for none)."""
    if not values:
        return None
    return values[max(0, math.ceil(share * len(values)) - 1)]


def open_cases_by_status() -> list[dict]:
    """Open cases per status, in the machine's order: [{"status": name, "count": n}]."""
    rows = (
        Event.objects.filter(closed_at__isnull=True)
        .values("status__code", "status__name_es", "status__name_en", "status__sort_order")
        .annotate(count=Count("pk"))
        .order_by("status__sort_order", "status__code")
    )
    return [
        {
            "code": row["status__code"],
            "status": localized_name(row["status__name_es"], row["status__name_en"]),
            "count": row["count"],
        }
        for row in rows
    ]


def open_cases_by_country(*, limit: int = 10) -> list[dict]:
    """The countries with the most open cases: [{"country": name, "count": n}], most first."""
    rows = (
        Event.objects.filter(closed_at__isnull=True)
        .values("country__iso2", "country__name_es", "country__name_en")
        .annotate(count=Count("pk"))
        .order_by("-count", "country__iso2")[:limit]
    )
    return [
        {
            "iso2": row["country__iso2"],
            "country": localized_name(row["country__name_es"], row["country__name_en"]),
            "count": row["count"],
        }
        for row in rows
    ]


# --- case search -------------------------------------------------------------------------------------

# A case code typed whole ("BT-2026-0000123"), without its prefix ("2026-0000123") or as its number
# alone ("123", "0000123"): the number is the primary key (see Event), so each is one index read.
_CODE = re.compile(r"^(?:BT-?)?(?:(?P<year>\d{4})-)?(?P<number>\d{1,10})$", re.IGNORECASE)
# Shorter words would match a large share of all names and still scan the whole name index.
NAME_MIN_LENGTH = 3
# A word matching more cases than this keeps its newest ones (a broader search is a list, not a
# search). Kept under MariaDB's in_predicate_conversion_threshold (1,000): a longer IN list of keys
# becomes a temporary table joined and sorted for every page (0.5 s for 5,000 keys at 200,000 cases).
SEARCH_MAX_MATCHES = 999


def search_words(term: str) -> list[str]:
    """The words of a search: split on spaces, a quoted phrase ("Maria da Silva") kept as one word."""
    words = []
    for bit in smart_split(term.strip()):
        quoted = len(bit) > 1 and bit[0] in "\"'" and bit[0] == bit[-1]
        word = unescape_string_literal(bit) if quoted else bit
        if word.strip():
            words.append(word.strip())
    return words


def event_search(queryset: QuerySet[Event], term: str) -> QuerySet[Event]:
    """The cases of ``queryset`` that match every word of ``term``; the one case search (API ``q`` and admin).

    A word matches a case when it is one of the case's identifiers, ignoring case:

    - its code, whole or in part: ``BT-2026-0000123``, ``2026-0000123`` or the number ``123``;
    - the partner's external reference, the voucher number or the traveller's document number, whole;
    - the traveller's e-mail address, whole (a word with an ``@``);

    or when it is part of the traveller's name (``silva`` finds "María Silva"; words of at least
    three characters and without digits; accents are ignored by the database collation). A word
    matching more than ``SEARCH_MAX_MATCHES`` cases keeps the newest of them.

    Scope first: ``queryset`` is what the caller may see (the API passes the partner-scoped list),
    and every lookup runs inside it, so a partner never finds, nor fills the match limit with,
    another partner's cases. Index-friendly at 200,000 cases (EXPLAIN on MariaDB): each identifier
    is an equality on its own index (the code and the primary key, the (source, reference) unique
    index and the reference index, the voucher number, the document and e-mail indexes); the name
    is a covering scan of the narrow (source, name) index, never of the case rows, and ranged on the
    source for a partner. The lookups of a word are one UNION of primary keys, and the page is then
    read by primary key: an OR across them (and the voucher join) made MariaDB scan every case.
    """
    for word in search_words(term):
        queryset = queryset.filter(pk__in=_word_ids(queryset, word))
    return queryset


def _word_ids(queryset: QuerySet[Event], word: str) -> list[int]:
    keys = queryset.order_by().values_list("pk", flat=True)
    parts = [
        keys.filter(external_reference__iexact=word),
        keys.filter(voucher__number__iexact=word),
        keys.filter(traveller_document_number__iexact=word),
    ]
    code = _CODE.match(word)
    if code:
        number = int(code["number"])
        if code["year"]:
            parts.append(keys.filter(code__iexact=f"BT-{code['year']}-{number:07d}"))
        else:
            # The primary key finds the case; the code check keeps a number that is not a case's.
            parts.append(keys.filter(pk=number, code__endswith=f"-{number:07d}"))
    if "@" in word:
        parts.append(keys.filter(traveller_email__iexact=word))
    if len(word) >= NAME_MIN_LENGTH and not any(char.isdigit() or char == "@" for char in word):
        # Names have no digits: a code, reference or document never pays for the name index scan.
        # No ORDER BY/LIMIT here: with one, MariaDB walks the primary key newest first and reads
        # every case row when few names match (0.8 s at 200,000); the index scan alone takes 30 ms.
        parts.append(keys.filter(traveller_name__icontains=word))
    first, *others = parts
    ids = sorted(first.union(*others), reverse=True)
    return ids[:SEARCH_MAX_MATCHES]


def open_assignments(*, event: Event) -> QuerySet[EventProvider]:
    """The case's provider assignments not yet resolved or cancelled (closing the case must settle them)."""
    return EventProvider.objects.filter(event=event, status__is_final=False).select_related("provider", "status")


# A draft holds what the API's opening takes: related rows by their public code. The console's form
# sends ids; these two read one shape as the other (an unknown id or code is simply left out).
_DRAFT_CODES = {
    "voucher": (Voucher, "number"),
    "assistance": (Assistance, "code"),
    "country": (Country, "iso2"),
    "city": (City, "code"),
}
_DRAFT_TEXT = (
    "source_code",
    "external_reference",
    "traveller_name",
    "traveller_document_type",
    "traveller_document_number",
    "traveller_phone",
    "traveller_email",
    "address",
    "latitude",
    "longitude",
    "description",
    "priority",
    "override_reason",
)


def draft_data_from_form(form_data) -> dict:
    data = {name: form_data[name] for name in _DRAFT_TEXT if form_data.get(name)}
    for name, (model, code_field) in _DRAFT_CODES.items():
        pk = form_data.get(name, "")
        if str(pk).isdigit():
            code = model.objects.filter(pk=int(pk)).values_list(code_field, flat=True).first()
            if code:
                data[name] = code
    return data


def form_initial_from_draft(data: dict) -> dict:
    initial = {name: data[name] for name in _DRAFT_TEXT if isinstance(data.get(name), str | int | float)}
    for name, (model, code_field) in _DRAFT_CODES.items():
        code = data.get(name)
        if isinstance(code, str) and code:
            lookup = {f"{code_field}__iexact": code}
            if name == "city" and isinstance(data.get("country"), str):
                lookup["country__iso2__iexact"] = data["country"]  # city codes are unique per country only
            pk = model.objects.filter(**lookup).values_list("pk", flat=True).first()
            if pk is not None:
                initial[name] = pk
    return initial
