"""The savings report: billed, allowed, savings and savings rate of decided bills, by provider, country,
source and month.

Decided bills only (approved, partially approved, rejected, scheduled, paid: those with an allowed
total); a rejected bill saves all it billed. Amounts stay in each bill's own currency: every
dimension is grouped by (key, currency), one grouped query per dimension, and amounts of different
currencies are never added (a provider billing in MXN and USD has two rows; converting would need
a rate per bill and date, and that is the bordereau's job in the settlement currency). The month is
the invoice's (its date, no time zone to convert).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import TruncMonth

from apps.claims.models import Bill
from apps.masters.models import StatusRole, in_english

DECIDED = (StatusRole.APPROVED, StatusRole.PARTIAL, StatusRole.REJECTED, StatusRole.SCHEDULED, StatusRole.PAID)

# dimension -> (key expression, label expression)
DIMENSIONS = {
    "provider": (F("provider_id"), F("provider__display_name")),
    "country": (F("event__country__iso2"), F("event__country__name_es")),  # the label: see savings_by
    "source": (F("event__source_code"), F("event__source_code")),
    "month": (TruncMonth("invoice_date"), TruncMonth("invoice_date")),
}


@dataclass(frozen=True)
class SavingsRow:
    key: object
    label: object
    currency: str
    bills: int
    billed: Decimal
    allowed: Decimal
    savings: Decimal

    @property
    def rate(self) -> Decimal | None:
        """Savings as a share of what was billed (0.25 = 25 %); None when nothing was billed."""
        return (self.savings / self.billed).quantize(Decimal("0.0001")) if self.billed else None


def decided_bills(
    *, since: datetime.date | None = None, until: datetime.date | None = None, source_code: str = ""
) -> QuerySet[Bill]:
    qs = Bill.objects.filter(status__role__in=DECIDED, allowed_total__isnull=False)
    if since:
        qs = qs.filter(invoice_date__gte=since)
    if until:
        qs = qs.filter(invoice_date__lte=until)
    if source_code:
        qs = qs.filter(event__source_code=source_code)
    return qs


def savings_by(dimension: str, *, bills: QuerySet[Bill] | None = None) -> list[SavingsRow]:
    """One grouped query: the decided bills' totals per ``dimension`` and currency."""
    key, label = DIMENSIONS[dimension]
    if dimension == "country" and in_english():
        label = F("event__country__name_en")
    rows = (
        (bills if bills is not None else decided_bills())
        .annotate(dim_key=key, dim_label=label)
        .values("dim_key", "dim_label", "currency")
        .annotate(
            bills_count=Count("id"),
            billed=Sum("billed_total"),
            allowed=Sum("allowed_total"),
            saved=Sum("savings"),
        )
        .order_by("dim_key", "currency")
    )
    return [
        SavingsRow(
            key=row["dim_key"],
            label=row["dim_label"],
            currency=row["currency"],
            bills=row["bills_count"],
            billed=row["billed"] or Decimal(0),
            allowed=row["allowed"] or Decimal(0),
            savings=row["saved"] if row["saved"] is not None else (row["billed"] or 0) - (row["allowed"] or 0),
        )
        for row in rows
    ]


def savings_report(**filters) -> dict[str, list[SavingsRow]]:
    bills = decided_bills(**filters)
    return {dimension: savings_by(dimension, bills=bills) for dimension in DIMENSIONS}
