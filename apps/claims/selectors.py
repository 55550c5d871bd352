"""Reads of claims: bills with their lines, the guarantee a bill is checked against and its amount in
the bill's currency, and the price reference (median and p90 of allowed amounts so far).

Price figures are nearest-rank percentiles (``apps.guarantees.selectors.percentile``): the median and
the p90 are amounts that were really allowed, never an average of two, so they need no rounding.
They count the lines of decided bills only (approved, partially approved, scheduled, paid), with an
allowed amount above zero: a line allowed at zero (a duplicate, not covered) is a refusal, not a price.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from apps.claims.models import Bill, BillLine, Payment, ReserveChange
from apps.guarantees.models import Guarantee
from apps.guarantees.selectors import percentile
from apps.masters.exchange_rates import apply_rate, convert
from apps.masters.models import StatusRole

# Fewer allowed amounts than this say nothing about a price: no p90 flag, no city-level reference.
PRICE_MIN_SAMPLES = 5
PRICE_FLAG_PERCENTILE = 90
DECIDED_ROLES = (StatusRole.APPROVED, StatusRole.PARTIAL, StatusRole.SCHEDULED, StatusRole.PAID)
# A guarantee that was withdrawn or refused by the provider promises nothing to bill against.
_NOT_IN_FORCE = (StatusRole.CANCELLED, StatusRole.DECLINED)


def bill_list() -> QuerySet[Bill]:
    """Bills with their case, provider, status, guarantee and lines (with reasons) in two queries."""
    lines = BillLine.objects.select_related("reason").order_by("position")
    return Bill.objects.select_related("event", "provider", "status", "guarantee").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


def payment_list() -> QuerySet[Payment]:
    return Payment.objects.select_related("bill", "bill_rate", "settlement_rate").order_by("paid_on", "id")


def reserve_changes(*, event) -> QuerySet[ReserveChange]:
    return ReserveChange.objects.filter(reserve__event=event).order_by("changed_at", "id")


# --- The guarantee a bill answers to ----------------------------------------------------------------


def guarantee_in_force(*, assignment) -> Guarantee | None:
    """The assignment's guarantee with a version in force, the final one first, else the latest issued."""
    return (
        Guarantee.objects.filter(assignment=assignment, current_version__isnull=False)
        .exclude(status__role__in=_NOT_IN_FORCE)
        .select_related("current_version__rate", "status")
        .order_by("-current_version__is_final", "-current_version__issued_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class GuaranteeCap:
    """What a guarantee allows, in a bill's currency, and how it was converted (None: same currency)."""

    guarantee: Guarantee
    amount: Decimal
    currency: str
    gop_amount: Decimal
    gop_currency: str
    rate: object | None


def guarantee_cap(*, guarantee: Guarantee, currency: str, on_date: datetime.date) -> GuaranteeCap:
    """The guarantee in force's amount in ``currency``.

    The same currency compares directly. Another currency uses the version's own stored rate row when
    that row is the pair between the two (a bill in the voucher's currency: the rate the guarantee was
    committed at); otherwise the rate of ``on_date``. No rate is the conversion's 409 no_exchange_rate.
    """
    version = guarantee.current_version
    rate = version.rate
    pair = {rate.from_currency, rate.to_currency} if rate is not None else set()
    if version.currency == currency:
        amount, used = version.amount, None
    elif pair == {version.currency, currency}:
        amount = apply_rate(
            version.amount, rate=rate, inverse=rate.from_currency != version.currency, to_currency=currency
        )
        used = rate
    else:
        converted = convert(version.amount, from_currency=version.currency, to_currency=currency, on_date=on_date)
        amount, used = converted.amount, converted.rate
    return GuaranteeCap(guarantee, amount, currency, version.amount, version.currency, used)


# --- Price reference --------------------------------------------------------------------------------


def allowed_amounts(*, assistance, country, currency: str, city=None, exclude_bill=None) -> list[Decimal]:
    """Allowed line amounts of decided bills for an assistance type in a country (or one city), in one currency."""
    rows = BillLine.objects.filter(
        bill__event__assistance=assistance,
        bill__event__country=country,
        bill__currency=currency,
        bill__status__role__in=DECIDED_ROLES,
        allowed_amount__gt=0,
    )
    if city is not None:
        rows = rows.filter(bill__event__city=city)
    if exclude_bill is not None:
        rows = rows.exclude(bill=exclude_bill)
    return list(rows.values_list("allowed_amount", flat=True))


@dataclass(frozen=True)
class PriceReference:
    currency: str
    scope: str  # "city" or "country": where the figures come from
    count: int
    median: Decimal | None
    p90: Decimal | None


def price_reference(*, assistance, country, currency: str, city=None) -> PriceReference:
    """Median and p90 of allowed amounts so far: the city's when it has enough of them, else the country's.

    Below ``PRICE_MIN_SAMPLES`` amounts the figures are still given, with their count, for a reader to judge.
    """
    values, scope = [], "country"
    if city is not None:
        values = allowed_amounts(assistance=assistance, country=country, city=city, currency=currency)
        scope = "city"
    if len(values) < PRICE_MIN_SAMPLES:
        values = allowed_amounts(assistance=assistance, country=country, currency=currency)
        scope = "country"
    return PriceReference(currency, scope, len(values), percentile(values, 50), percentile(values, 90))
