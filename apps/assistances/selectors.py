"""Reads of the case workflow.

Who may see which row is each model's rule (``Event.objects.visible_to(caller)``, see
``apps.core.visibility``); the API views apply it to whatever these selectors return, and
selectors that take a ``caller`` apply the same rule for callers outside a view.
"""

import re
from collections.abc import Sequence
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import smart_split, unescape_string_literal

from apps.assistances.fields import EVENT_COMPUTED_FIELDS, EVENT_READ_FIELDS, read_path
from apps.assistances.models import Event, EventProvider, EventStatusHistory, Note

# A case is "at risk" when less than this share of its SLA window is left.
AT_RISK_SHARE = 0.25


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
