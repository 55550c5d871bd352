"""Exchange rates: loading them (CSV file, admin upload, periodic download) and converting with them.

Kept apart from the catalog services and selectors because it is money code: the no-float test
(``tests/core/test_no_float.py``) scans this module whole (the geo import next door uses floats for
coordinates, rightly). Writes are the ``exchange_rates_*`` functions; reads are ``rate_for``,
``convert`` and ``rate_date_for``.

The CSV format (header required, one rate a line, UTF-8)::

    date,from_currency,to_currency,rate,source
    2026-01-02,USD,MXN,17.1234,BANXICO

Lookup rule: the rate of a pair is the latest row dated on or before the conversion's date (a
weekend or a holiday uses the last business day's rate). When only the opposite pair is stored, its
inverse is used. Between rows of the same date, the direct pair wins over an inverse, then the
rate source that sorts first (so the choice is deterministic). No rate on or before the date is a
409 ``no_exchange_rate``: a conversion never guesses.
"""

import csv
import datetime
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.crud import audit_import
from apps.core.exceptions import ConflictError, ValidationFailed, coded
from apps.core.money import RATE_DECIMAL_PLACES, quantize
from apps.core.validators import is_iso_currency
from apps.masters.models import ExchangeRate, RatePolicy, Source

CSV_COLUMNS = ("date", "from_currency", "to_currency", "rate", "source")
_RATE_EXPONENT = Decimal(1).scaleb(-RATE_DECIMAL_PLACES)
_MAX_RATE = Decimal(10) ** (24 - RATE_DECIMAL_PLACES)


# --- Reads ------------------------------------------------------------------------------------------


class Conversion(NamedTuple):
    """A converted amount (quantised to the target currency) and the rate row used (None: same currency)."""

    amount: Decimal
    currency: str
    rate: ExchangeRate | None
    inverse: bool = False


def rate_for(*, from_currency: str, to_currency: str, on_date: datetime.date) -> tuple[ExchangeRate, bool] | None:
    """The rate row for a pair on a date (latest on or before it) and whether it is the opposite pair's."""
    direct = (
        ExchangeRate.objects.filter(from_currency=from_currency, to_currency=to_currency, date__lte=on_date)
        .order_by("-date", "source")
        .first()
    )
    opposite = (
        ExchangeRate.objects.filter(from_currency=to_currency, to_currency=from_currency, date__lte=on_date)
        .order_by("-date", "source")
        .first()
    )
    if direct is not None and (opposite is None or direct.date >= opposite.date):
        return direct, False
    if opposite is not None:
        return opposite, True
    return None


def apply_rate(amount: Decimal, *, rate: ExchangeRate, inverse: bool, to_currency: str) -> Decimal:
    """``amount`` through a stored rate (divided by it for the opposite pair), quantised to ``to_currency``."""
    converted = amount / rate.rate if inverse else amount * rate.rate
    return quantize(converted, to_currency)


def convert(amount: Decimal, *, from_currency: str, to_currency: str, on_date: datetime.date) -> Conversion:
    """``amount`` in ``from_currency`` expressed in ``to_currency`` at the rate of ``on_date`` (see the lookup rule).

    Raises ConflictError ``no_exchange_rate`` when neither pair has a rate on or before the date.
    """
    from_currency, to_currency = from_currency.upper(), to_currency.upper()
    if from_currency == to_currency:
        return Conversion(quantize(amount, to_currency), to_currency, None)
    found = rate_for(from_currency=from_currency, to_currency=to_currency, on_date=on_date)
    if found is None:
        raise ConflictError(
            _("There is no exchange rate from %(from)s to %(to)s on or before %(date)s.")
            % {"from": from_currency, "to": to_currency, "date": on_date.isoformat()},
            code="no_exchange_rate",
            extra={"from_currency": from_currency, "to_currency": to_currency, "date": on_date.isoformat()},
        )
    rate, inverse = found
    return Conversion(
        apply_rate(amount, rate=rate, inverse=inverse, to_currency=to_currency), to_currency, rate, inverse
    )


def rate_date_for(
    *,
    source_code: str,
    service_date: datetime.date,
    gop_date: datetime.date | None = None,
    purchase_date: datetime.date | None = None,
) -> datetime.date:
    """The date whose rate converts an amount of a case of ``source_code``, as the source's policy says.

    A policy whose date is not known (no guarantee letter yet, a voucher without an issue date)
    falls back to the service date, which every case has.
    """
    policy = Source.objects.filter(code=source_code).values_list("rate_policy", flat=True).first()
    if policy == RatePolicy.GOP_DATE and gop_date is not None:
        return gop_date
    if policy == RatePolicy.PURCHASE_DATE and purchase_date is not None:
        return purchase_date
    return service_date


# --- Writes -----------------------------------------------------------------------------------------


@dataclass
class RateRow:
    line: int
    date: datetime.date
    from_currency: str
    to_currency: str
    rate: Decimal
    source: str


@dataclass
class RateLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _parse_line(line: int, raw: dict) -> tuple[RateRow | None, list[str]]:
    problems = []
    values = {name: (raw.get(name) or "").strip() for name in CSV_COLUMNS}
    try:
        day = datetime.date.fromisoformat(values["date"])
    except ValueError:
        day = None
        problems.append(_("date %(value)r is not a date (YYYY-MM-DD)") % {"value": values["date"]})
    currencies = {}
    for name in ("from_currency", "to_currency"):
        code = values[name].upper()
        if not is_iso_currency(code):
            problems.append(_("%(column)s %(value)r is not an ISO 4217 code") % {"column": name, "value": values[name]})
        currencies[name] = code
    if currencies["from_currency"] == currencies["to_currency"] and currencies["from_currency"]:
        problems.append(_("a rate needs two different currencies"))
    try:
        rate = Decimal(values["rate"])
        if not rate.is_finite() or rate <= 0 or rate >= _MAX_RATE:
            raise InvalidOperation
        if rate != rate.quantize(_RATE_EXPONENT):
            problems.append(
                _("rate %(value)s has more than %(places)d decimals")
                % {"value": values["rate"], "places": RATE_DECIMAL_PLACES}
            )
    except InvalidOperation:
        rate = None
        problems.append(_("rate %(value)r is not a positive decimal number") % {"value": values["rate"]})
    source = values["source"]
    if not source or len(source) > 40:
        problems.append(_("source must have between 1 and 40 characters"))
    if problems:
        return None, [_("line %(line)d: %(problems)s") % {"line": line, "problems": "; ".join(problems)}]
    return RateRow(line, day, currencies["from_currency"], currencies["to_currency"], rate, source), []


def exchange_rates_parse(text: str) -> tuple[list[RateRow], list[str]]:
    """The rows of a rates CSV and the errors found (each with its line number; the header is line 1)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [name for name in CSV_COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        return [], [_("line 1: the header lacks %(columns)s") % {"columns": ", ".join(missing)}]
    rows, errors, seen = [], [], {}
    for raw in reader:
        row, problems = _parse_line(reader.line_num, raw)
        errors.extend(problems)
        if row is None:
            continue
        key = (row.date, row.from_currency, row.to_currency, row.source)
        if key in seen:
            errors.append(_("line %(line)d: the same rate as line %(first)d") % {"line": row.line, "first": seen[key]})
            continue
        seen[key] = row.line
        rows.append(row)
    return rows, errors


@transaction.atomic
def exchange_rates_upsert(
    *, rows: Iterable[RateRow], dry_run: bool = False, progress: Callable[[int], None] | None = None
) -> RateLoadResult:
    """Insert new rates and correct changed ones (same date, pair and source); loading a file twice changes nothing.

    With ``dry_run`` nothing is written (the counts say what would happen). A load that wrote something
    is audited once, as an import, with the corrected rates' before and after.
    """
    result = RateLoadResult()
    corrected: list[dict] = []
    for index, row in enumerate(rows, start=1):
        key = {
            "date": row.date,
            "from_currency": row.from_currency,
            "to_currency": row.to_currency,
            "source": row.source,
        }
        current = ExchangeRate.objects.select_for_update().filter(**key).first()
        if current is None:
            result.created += 1
            if not dry_run:
                ExchangeRate.objects.create(**key, rate=row.rate)
        elif current.rate != row.rate:
            result.updated += 1
            corrected.append({**{k: str(v) for k, v in key.items()}, "rate": [str(current.rate), str(row.rate)]})
            if not dry_run:
                current.rate = row.rate
                current.save(update_fields=["rate", "updated_at"])
        else:
            result.unchanged += 1
        if progress is not None and index % 500 == 0:
            progress(index)
    if not dry_run and (result.created or result.updated):
        audit_import(
            ExchangeRate,
            "exchange rates",
            {"created": result.created, "updated": result.updated, "corrected": corrected[:1000]},
        )
    return result


def exchange_rates_load(
    *, text: str, dry_run: bool = False, progress: Callable[[int], None] | None = None
) -> RateLoadResult:
    """Parse a rates CSV and upsert it; a file with any bad line is refused whole (400, errors by line)."""
    rows, errors = exchange_rates_parse(text)
    if errors:
        raise ValidationFailed({"file": [coded(message, "invalid_rates_file") for message in errors]})
    return exchange_rates_upsert(rows=rows, dry_run=dry_run, progress=progress)


def exchange_rates_fetch(*, url: str | None = None, timeout: float | None = None) -> RateLoadResult | None:
    """Download the rates CSV from ``EXCHANGE_RATES_URL`` (same format as the file) and upsert it.

    Returns None when no URL is configured (the periodic job is off).
    """
    import httpx

    url = settings.EXCHANGE_RATES_URL if url is None else url
    if not url:
        return None
    response = httpx.get(url, timeout=timeout or settings.EXCHANGE_RATES_TIMEOUT_SECONDS, follow_redirects=True)
    response.raise_for_status()
    return exchange_rates_load(text=response.text)
