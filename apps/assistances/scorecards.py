"""Provider scorecards: how each provider answered its offers, computed from the dispatch timestamps.

Every figure is read from the assignments' timestamps (``offered_at``, ``accepted_at``, ``eta_at``,
``started_at`` = arrival, ``resolved_at`` = completion, ``cancelled_at``) and amounts, never typed in:

- offers: assignments offered in the period (``offered_at`` in [start, end));
- accepted, acceptance rate (accepted / offers), median minutes from offer to acceptance;
- ETA promised vs actual: median minutes from acceptance to the promised arrival (``eta_at``) and to
  the actual one (``started_at``), over arrivals with a promise; on time = arrived at or before the
  promise; on-time share = on time / those arrivals;
- completion rate: resolved / accepted; cancellations: offers later cancelled;
- final cost against the guarantee of payment: per currency (the assignment's own: both amounts are in
  it, so never mixed across currencies), the average final cost, the average guaranteed amount and
  their ratio, over assignments with both amounts;
- complaints: notes of kind "complaint" on the case written after the provider accepted the job (a
  complaint is about the service the case got, so it counts against every provider serving it then).

One query per period: the period's rows are read once (only the timestamp and amount columns) and
grouped per provider in Python, because medians have no portable SQL aggregate (SQLite has none).
"""

import datetime
import statistics
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.assistances.models import EventProvider, Note, NoteKind
from apps.providers.models import Provider

ROLLING_DAYS = 90

_COLUMNS = (
    "provider_id",
    "offered_at",
    "accepted_at",
    "eta_at",
    "started_at",
    "resolved_at",
    "cancelled_at",
    "currency",
    "final_cost",
    "guaranteed_amount",
    "complaints",
)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[first instant of the month, first instant of the next) in the current time zone."""
    start = datetime.datetime(month.year, month.month, 1)
    end = datetime.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return timezone.make_aware(start), timezone.make_aware(end)


def rolling_bounds(now: datetime.datetime | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    now = now or timezone.now()
    return now - datetime.timedelta(days=ROLLING_DAYS), now


def _minutes(later, earlier) -> float:
    return (later - earlier).total_seconds() / 60


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _card(rows: list[tuple]) -> dict:
    offers = len(rows)
    to_accept, promised, actual = [], [], []
    accepted = arrivals = on_time = resolved = cancelled = 0
    costs: dict[str, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    complaints = 0
    for _provider, offered, accepted_at, eta, started, resolved_at, cancelled_at, currency, final, gop, bad in rows:
        if cancelled_at is not None:
            cancelled += 1
        if accepted_at is None:
            continue
        accepted += 1
        complaints += bad
        to_accept.append(_minutes(accepted_at, offered))
        if resolved_at is not None:
            resolved += 1
        if eta is not None and started is not None:
            arrivals += 1
            on_time += started <= eta
            promised.append(_minutes(eta, accepted_at))
            actual.append(_minutes(started, accepted_at))
        if final is not None and gop is not None and currency:
            entry = costs[currency]
            entry[0] += 1
            entry[1] += final
            entry[2] += gop
    return {
        "offers": offers,
        "accepted": accepted,
        "acceptance_rate": _share(accepted, offers),
        "median_minutes_to_accept": _median(to_accept),
        "arrivals": arrivals,
        "on_time": on_time,
        "on_time_share": _share(on_time, arrivals),
        "median_eta_promised_minutes": _median(promised),
        "median_eta_actual_minutes": _median(actual),
        "resolved": resolved,
        "completion_rate": _share(resolved, accepted),
        "cancellations": cancelled,
        "cost_vs_guarantee": {
            currency: {
                "count": count,
                "average_final_cost": (final / count).quantize(Decimal("0.01")),
                "average_guaranteed": (gop / count).quantize(Decimal("0.01")),
                "ratio": round(final / gop, 4) if gop else None,
            }
            for currency, (count, final, gop) in sorted(costs.items())
        },
        "complaints": complaints,
    }


def _period_rows(start, end, *, provider_ids=None) -> dict[int, list[tuple]]:
    complaints = (
        Note.objects.filter(
            event=OuterRef("event_id"), kind=NoteKind.COMPLAINT, created_at__gte=OuterRef("accepted_at")
        )
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = EventProvider.objects.filter(offered_at__gte=start, offered_at__lt=end).annotate(
        complaints=Coalesce(Subquery(complaints), 0)
    )
    if provider_ids is not None:
        qs = qs.filter(provider_id__in=list(provider_ids))
    by_provider: dict[int, list[tuple]] = defaultdict(list)
    for row in qs.order_by().values_list(*_COLUMNS).iterator(chunk_size=2000):
        by_provider[row[0]].append(row)
    return by_provider


def provider_scorecard(*, provider_id: int, start: datetime.datetime, end: datetime.datetime) -> dict:
    """One provider's figures for offers made in [start, end) (one query)."""
    rows = _period_rows(start, end, provider_ids=[provider_id]).get(provider_id, [])
    return {"provider_id": provider_id, "start": start, "end": end, **_card(rows)}


def provider_scorecards(*, provider_id: int, month: datetime.date | None = None, now=None) -> dict:
    """The provider page's two periods: a calendar month (this one by default) and the last 90 days."""
    now = now or timezone.now()
    month = month or timezone.localdate(now)
    return {
        "month": provider_scorecard(provider_id=provider_id, start=month_bounds(month)[0], end=month_bounds(month)[1]),
        "rolling": provider_scorecard(provider_id=provider_id, start=rolling_bounds(now)[0], end=now),
    }


def network_report(month: datetime.date) -> list[dict]:
    """Every provider offered a case in ``month``, with its scorecard, most offers first (one query,
    plus one for the providers' names)."""
    start, end = month_bounds(month)
    by_provider = _period_rows(start, end)
    names = dict(Provider.objects.filter(pk__in=list(by_provider)).values_list("id", "display_name"))
    report = [
        {"provider_id": pk, "provider": names.get(pk, str(pk)), "start": start, "end": end, **_card(rows)}
        for pk, rows in by_provider.items()
    ]
    report.sort(key=lambda card: (-card["offers"], card["provider"], card["provider_id"]))
    return report


def reliability_counts(*, now: datetime.datetime | None = None) -> dict[int, dict]:
    """Provider id → offers, accepted, arrivals (with a promised time) and on time over the last 90
    days: the search's reliability figures, in one grouped query."""
    start, end = rolling_bounds(now)
    rows = (
        EventProvider.objects.filter(offered_at__gte=start, offered_at__lt=end)
        .order_by()
        .values("provider_id")
        .annotate(
            offers=Count("id"),
            accepted=Count("id", filter=Q(accepted_at__isnull=False)),
            arrivals=Count("id", filter=Q(accepted_at__isnull=False, eta_at__isnull=False, started_at__isnull=False)),
            on_time=Count("id", filter=Q(accepted_at__isnull=False, eta_at__isnull=False, started_at__lte=F("eta_at"))),
        )
    )
    return {row.pop("provider_id"): row for row in rows}
