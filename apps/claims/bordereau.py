"""The monthly claims report (bordereau) of a source: one row per case, CSV and XLSX, reconciled to the ledger.

A case is listed when, in the month, it had a payment, a reserve change or a bill received, or when
it still has an outstanding reserve at the month's end. Every figure is **as at the month's end**, so
re-running a past month gives the same bytes whatever happened since:

- the reserve is the last ``ReserveChange.amount_after`` before the end (the history, not
  ``Reserve.amount``); payments count by ``paid_on``; bills by ``received_at``, their allowed amount
  and savings only once reviewed before the end; a case's closing date only if it closed before it;
- outstanding = reserve − paid to date (never below zero), incurred = paid to date + outstanding,
  both in the case's settlement currency (the reserve's: payments store their amount in it);
- billed, allowed and savings are in the bills' own currency (the *original* currency). A case billed
  in more than one currency reads ``MULTIPLE`` there and leaves those three cells empty: adding
  amounts in different currencies would need a rate the ledger never used, and the settlement
  columns carry the money anyway. A case without a bill leaves them empty too.

Months are calendar months in the operators' time zone (``TIME_ZONE``), like every date they see.
Streamed: cases are read by keyset pages and each page's payments, reserves and bills come from
grouped queries, written row by row into temporary files; only one page is ever in memory. (Not
``QuerySet.iterator()``: mysqlclient buffers a whole result set on the client, so it would hold the
month anyway.) The files are stored with the shared file layer; regenerating a month replaces them.
"""

import csv
import datetime
import functools
import hashlib
import logging
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.assistances.models import Event
from apps.audit.crud import audited_file_add
from apps.claims.models import Bill, Bordereau, BordereauFile, Payment, Reserve, ReserveChange
from apps.core.context import Actor, current_actor
from apps.core.files.formats import FileFormat
from apps.core.files.services import ContentCheck, FileRules
from apps.core.money import minor_units, quantize
from apps.core.services import run_after_commit
from apps.masters.models import Source
from apps.tracking.services import sns_publish

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
MULTIPLE = "MULTIPLE"
PAGE_SIZE = 2000

# The files' columns, in this order; machine names (not translated), so a partner's import never breaks.
COLUMNS = (
    "case_code",
    "partner_reference",
    "country",
    "assistance",
    "opened_on",
    "first_reserve_on",
    "closed_on",
    "original_currency",
    "settlement_currency",
    "billed",
    "allowed",
    "savings",
    "paid_this_period",
    "paid_to_date",
    "outstanding_reserve",
    "total_incurred",
)
ORIGINAL_AMOUNTS = ("billed", "allowed", "savings")
SETTLEMENT_AMOUNTS = ("paid_this_period", "paid_to_date", "outstanding_reserve", "total_incurred")

CSV = FileFormat("csv", "text/csv", ".csv", frozenset({"text/csv"}), lambda head: head.startswith(b"case_code,"))
XLSX = FileFormat(
    "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsx",
    frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    lambda head: head.startswith(b"PK\x03\x04"),
)


def _rules(file_format: FileFormat) -> FileRules:
    # Our own bytes, checked like any stored file: a writer that produced something else is refused.
    return FileRules(
        model=BordereauFile,
        check=ContentCheck(
            formats=(file_format,),
            refusal=gettext_lazy("The bordereau file is not what it should be."),
            declared_type_must_agree=False,
        ),
        max_bytes_setting="BORDEREAU_MAX_BYTES",
        format_fields=lambda found: {"format": found.name},
    )


FILE_RULES = {"csv": _rules(CSV), "xlsx": _rules(XLSX)}


@dataclass(frozen=True)
class Period:
    """A calendar month: its days (payments) and its instants in the operators' time zone (the rest)."""

    start: datetime.date
    end: datetime.date  # the first day of the next month
    starts_at: datetime.datetime
    ends_at: datetime.datetime

    @classmethod
    def of(cls, month: datetime.date) -> "Period":
        start = month.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1)
        zone = timezone.get_default_timezone()
        midnight = datetime.time.min
        return cls(
            start,
            end,
            timezone.make_aware(datetime.datetime.combine(start, midnight), zone),
            timezone.make_aware(datetime.datetime.combine(end, midnight), zone),
        )


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment, timezone.get_default_timezone()).date() if moment else None


@dataclass
class Totals:
    """The report's sums: settlement figures per settlement currency, bill figures per original currency."""

    rows: int = 0
    settlement: dict = field(default_factory=lambda: defaultdict(lambda: dict.fromkeys(SETTLEMENT_AMOUNTS, ZERO)))
    original: dict = field(default_factory=lambda: defaultdict(lambda: dict.fromkeys(ORIGINAL_AMOUNTS, ZERO)))

    def add(self, row: dict) -> None:
        self.rows += 1
        for name in SETTLEMENT_AMOUNTS:
            self.settlement[row["settlement_currency"]][name] += row[name]
        if row["original_currency"] not in ("", MULTIPLE):
            for name in ORIGINAL_AMOUNTS:
                self.original[row["original_currency"]][name] += row[name]

    def as_json(self) -> dict:
        def strings(groups: dict) -> dict:
            return {
                currency: {name: str(quantize(value, currency)) for name, value in sums.items()}
                for currency, sums in sorted(groups.items())
            }

        return {"rows": self.rows, "settlement": strings(self.settlement), "original": strings(self.original)}


# --- Rows ---------------------------------------------------------------------------------------------


def _cases(source_code: str, period: Period):
    """Cases of the source with any reserve, bill or payment before the month's end (a superset of the
    report's rows: whether each is listed needs its figures), by id."""
    return (
        Event.objects.filter(source_code=source_code)
        .filter(
            Exists(Reserve.objects.filter(event=OuterRef("pk"), first_set_at__lt=period.ends_at))
            | Exists(Bill.objects.filter(event=OuterRef("pk"), received_at__lt=period.ends_at))
            | Exists(Payment.objects.filter(event=OuterRef("pk"), paid_on__lt=period.end))
        )
        .order_by("id")
        .values(
            "id",
            "code",
            "external_reference",
            "country__iso2",
            "assistance__code",
            "opened_at",
            "closed_at",
            "voucher__currency",
        )
    )


def _pages(queryset, size: int):
    """Keyset pages of ``queryset`` (ordered by id): each page is one bounded query."""
    last = 0
    while True:
        page = list(queryset.filter(id__gt=last)[:size])
        if not page:
            return
        yield page
        last = page[-1]["id"]


def _payments(ids: list[int], period: Period) -> dict[int, tuple[str, Decimal, Decimal, int]]:
    """Per case: (settlement currency, paid to date, paid this period, payments this period)."""
    found: dict[int, tuple[str, Decimal, Decimal, int]] = {}
    rows = (
        Payment.objects.filter(event_id__in=ids, paid_on__lt=period.end)
        .values("event_id", "settlement_currency")
        .annotate(
            to_date=Sum("settlement_amount"),
            period=Sum("settlement_amount", filter=Q(paid_on__gte=period.start)),
            in_period=Count("id", filter=Q(paid_on__gte=period.start)),
        )
        .order_by()
    )
    for row in rows:
        if row["event_id"] in found:
            # Payments and reserves take the case's settlement currency; two of them would be broken data.
            raise ValueError(f"Case {row['event_id']} has payments in two settlement currencies.")
        found[row["event_id"]] = (row["settlement_currency"], row["to_date"], row["period"] or ZERO, row["in_period"])
    return found


@dataclass
class _ReserveAtEnd:
    currency: str
    amount: Decimal = ZERO
    first_at: datetime.datetime | None = None
    changed_in_period: bool = False


def _reserves(ids: list[int], period: Period) -> dict[int, _ReserveAtEnd]:
    """Per case: its reserve as at the month's end, from the change history (a case has a handful)."""
    found: dict[int, _ReserveAtEnd] = {}
    changes = (
        ReserveChange.objects.filter(reserve__event_id__in=ids, changed_at__lt=period.ends_at)
        .order_by("reserve__event_id", "changed_at", "id")
        .values_list("reserve__event_id", "reserve__currency", "amount_after", "changed_at")
    )
    for event_id, currency, amount, changed_at in changes:
        reserve = found.get(event_id)
        if reserve is None:
            reserve = found[event_id] = _ReserveAtEnd(currency, first_at=changed_at)
        reserve.amount = amount
        reserve.changed_in_period |= changed_at >= period.starts_at
    return found


def _bills(ids: list[int], period: Period) -> dict[int, list[dict]]:
    """Per case: its bills received before the month's end, summed per currency."""
    reviewed = Q(reviewed_at__lt=period.ends_at)
    rows = (
        Bill.objects.filter(event_id__in=ids, received_at__lt=period.ends_at)
        .values("event_id", "currency")
        .annotate(
            billed=Sum("billed_total"),
            allowed=Sum("allowed_total", filter=reviewed),
            savings=Sum("savings", filter=reviewed),
            in_period=Count("id", filter=Q(received_at__gte=period.starts_at)),
        )
        .order_by("event_id", "currency")
    )
    found: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        found[row["event_id"]].append(row)
    return found


def _row(case: dict, period: Period, *, payment, reserve, bills, default_currency: str) -> dict | None:
    """The case's row, or None when it had no activity in the month and holds no outstanding reserve."""
    paid_currency, paid_to_date, paid_period, payments_in_period = payment or ("", ZERO, ZERO, 0)
    currency = (reserve.currency if reserve else "") or paid_currency or case["voucher__currency"] or default_currency
    reserve_amount = reserve.amount if reserve else ZERO
    outstanding = max(reserve_amount - paid_to_date, ZERO)
    active = payments_in_period or (reserve and reserve.changed_in_period) or any(b["in_period"] for b in bills)
    if not active and outstanding <= 0:
        return None
    original = ""
    billed = allowed = savings = None
    if len(bills) == 1:
        original = bills[0]["currency"]
        billed = quantize(bills[0]["billed"], original)
        allowed = quantize(bills[0]["allowed"] or ZERO, original)
        savings = quantize(bills[0]["savings"] or ZERO, original)
    elif bills:
        original = MULTIPLE
    closed_at = case["closed_at"] if case["closed_at"] and case["closed_at"] < period.ends_at else None
    return {
        "case_code": case["code"],
        "partner_reference": case["external_reference"] or "",
        "country": case["country__iso2"] or "",
        "assistance": case["assistance__code"] or "",
        "opened_on": _local_date(case["opened_at"]),
        "first_reserve_on": _local_date(reserve.first_at) if reserve else None,
        "closed_on": _local_date(closed_at),
        "original_currency": original,
        "settlement_currency": currency,
        "billed": billed,
        "allowed": allowed,
        "savings": savings,
        "paid_this_period": quantize(paid_period, currency),
        "paid_to_date": quantize(paid_to_date, currency),
        "outstanding_reserve": quantize(outstanding, currency),
        "total_incurred": quantize(paid_to_date + outstanding, currency),
    }


def bordereau_rows(*, source_code: str, month: datetime.date, page_size: int = PAGE_SIZE):
    """The report's rows in case order (a generator: one page of cases in memory at a time)."""
    period = Period.of(month)
    default_currency = _source_currency(source_code)
    for page in _pages(_cases(source_code, period), page_size):
        ids = [case["id"] for case in page]
        payments, reserves, bills = _payments(ids, period), _reserves(ids, period), _bills(ids, period)
        for case in page:
            row = _row(
                case,
                period,
                payment=payments.get(case["id"]),
                reserve=reserves.get(case["id"]),
                bills=bills.get(case["id"], []),
                default_currency=default_currency,
            )
            if row is not None:
                yield row


def _source_currency(source_code: str) -> str:
    return Source.objects.filter(code=source_code).values_list("default_currency", flat=True).first() or "USD"


# --- Files ----------------------------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class _Writers:
    """The CSV and the XLSX written side by side, row by row, into a temporary folder."""

    def __init__(self, folder: Path, *, title: str, month: datetime.date) -> None:
        self.paths = {"csv": folder / "bordereau.csv", "xlsx": folder / "bordereau.xlsx"}
        self._csv_file = self.paths["csv"].open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._csv_file, lineterminator="\n")
        self._csv.writerow(COLUMNS)
        # constant_memory: each row goes to disk once the next starts; tmpdir keeps its scratch files here.
        self._book = xlsxwriter.Workbook(
            str(self.paths["xlsx"]), {"constant_memory": True, "tmpdir": str(folder), "strings_to_numbers": False}
        )
        # Fixed properties (the creation date is the month's end, not now): a re-run gives the same bytes.
        end = Period.of(month).end
        self._book.set_properties(
            {"title": title, "author": "Bigtree Assist", "created": datetime.datetime(end.year, end.month, end.day)}
        )
        self._sheet = self._book.add_worksheet("Bordereau")
        bold = self._book.add_format({"bold": True})
        self._date = self._book.add_format({"num_format": "yyyy-mm-dd"})
        self._money = {places: self._book.add_format({"num_format": "#,##0" + ("." + "0" * places if places else "")})
                       for places in range(5)}  # fmt: skip
        self._sheet.write_row(0, 0, COLUMNS, bold)
        self._sheet.freeze_panes(1, 0)
        self._next = 1

    def write(self, row: dict) -> None:
        self._csv.writerow([_cell(row[name]) for name in COLUMNS])
        sheet, line = self._sheet, self._next
        for column, name in enumerate(COLUMNS):
            value = row[name]
            if value is None or value == "":
                continue
            if isinstance(value, datetime.date):
                sheet.write_datetime(line, column, value, self._date)
            elif isinstance(value, Decimal):
                currency = row["original_currency"] if name in ORIGINAL_AMOUNTS else row["settlement_currency"]
                sheet.write_number(line, column, value, self._money[min(minor_units(currency), 4)])
            else:
                sheet.write_string(line, column, value)
        self._next += 1

    def close(self, totals: Totals) -> None:
        self._csv_file.close()
        sheet = self._book.add_worksheet("Totals")
        sheet.write_row(0, 0, ("group", "currency", "figure", "amount"))
        line = 1
        for group, sums in (("settlement", totals.settlement), ("original", totals.original)):
            for currency in sorted(sums):
                for name, value in sums[currency].items():
                    fmt = self._money[min(minor_units(currency), 4)]
                    sheet.write_row(line, 0, (group, currency, name))
                    sheet.write_number(line, 3, quantize(value, currency), fmt)
                    line += 1
        self._book.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _store(bordereau: Bordereau, file_format: str, path: Path, *, actor: Actor) -> BordereauFile:
    """Store one file of the month, replacing the previous one unless it has the same bytes."""
    old = BordereauFile.objects.filter(bordereau=bordereau, format=file_format).first()
    if old is not None and old.sha256 != _sha256(path):
        old.delete()
        # The object goes once the replacement is committed; a rollback keeps the old file whole.
        run_after_commit(functools.partial(old.file.storage.delete, old.file.name))
    label = f"bordereau-{bordereau.source_code}-{bordereau.month:%Y-%m}.{file_format}"
    with path.open("rb") as handle:
        stored, _created = audited_file_add(
            rules=FILE_RULES[file_format],
            owner=bordereau,
            upload=File(handle, name=label),
            actor=actor,
            audit={"bordereau": str(bordereau), "format": file_format},
        )
    return stored


# --- The service ------------------------------------------------------------------------------------------


def bordereau_generate(
    *, source_code: str, month: datetime.date, actor: Actor = None, progress=None, page_size: int = PAGE_SIZE
) -> Bordereau:
    """Generate (or regenerate) the bordereau of ``source_code`` for ``month``: its rows, totals, the CSV and
    XLSX files, then the partner's notification once committed. ``progress(rows)`` is called per row."""
    actor = current_actor(actor)
    month = month.replace(day=1)
    with transaction.atomic():
        # One transaction: every page reads the same snapshot (REPEATABLE READ), and a second run of the
        # same month waits for the first one's row instead of writing beside it.
        bordereau, _created = Bordereau.objects.select_for_update().get_or_create(
            source_code=source_code, month=month, defaults={"currency": _source_currency(source_code)}
        )
        totals = Totals()
        with tempfile.TemporaryDirectory(prefix="bordereau-") as folder:
            writers = _Writers(Path(folder), title=f"Bordereau {source_code} {month:%Y-%m}", month=month)
            try:
                for row in bordereau_rows(source_code=source_code, month=month, page_size=page_size):
                    writers.write(row)
                    totals.add(row)
                    if progress is not None:
                        progress(totals.rows)
            finally:
                writers.close(totals)
            for file_format, path in writers.paths.items():
                _store(bordereau, file_format, path, actor=actor)
        bordereau.currency = _source_currency(source_code)
        bordereau.rows = totals.rows
        bordereau.totals = totals.as_json()
        bordereau.generated_at = timezone.now()
        bordereau.notified_at = None
        bordereau.save(update_fields=["currency", "rows", "totals", "generated_at", "notified_at", "updated_at"])
        run_after_commit(functools.partial(bordereau_notify, bordereau_id=bordereau.pk))
    return bordereau


def bordereau_notify(*, bordereau_id: int) -> bool:
    """Tell the partner its bordereau is ready (SNS) and stamp ``notified_at``; False when not sent
    (no topic configured, or SNS failed: the daily scan tries again)."""
    if not settings.SNS_NOTIFICATION_TOPIC_ARN:
        return False
    bordereau = Bordereau.objects.filter(pk=bordereau_id, generated_at__isnull=False).first()
    if bordereau is None:
        return False
    try:
        sns_publish(
            subject=f"Bordereau {bordereau.source_code} {bordereau.month:%Y-%m} ready",
            body={
                "bordereau_id": bordereau.pk,
                "source_code": bordereau.source_code,
                "month": f"{bordereau.month:%Y-%m}",
                "rows": bordereau.rows,
                "totals": bordereau.totals,
                "formats": sorted(bordereau.files.values_list("format", flat=True)),
            },
            event="bordereau_ready",
            source_code=bordereau.source_code,
        )
    except Exception:  # a failed notice is retried by the daily scan, never fatal
        logger.warning("could not notify bordereau %s", bordereau.pk, exc_info=True)
        return False
    Bordereau.objects.filter(pk=bordereau.pk).update(notified_at=timezone.now())
    return True


def previous_month(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def bordereaux_due(*, today: datetime.date | None = None) -> list[tuple[str, datetime.date]]:
    """(source, month) of last month's bordereaux still to generate: one per active source."""
    month = previous_month(today)
    done = set(Bordereau.objects.filter(month=month, generated_at__isnull=False).values_list("source_code", flat=True))
    sources = Source.objects.filter(is_active=True).order_by("code").values_list("code", flat=True)
    return [(code, month) for code in sources if code not in done]


def bordereaux_unnotified() -> list[int]:
    """Generated bordereaux whose partner was not told yet (nothing to do without a topic)."""
    if not settings.SNS_NOTIFICATION_TOPIC_ARN:
        return []
    return list(
        Bordereau.objects.filter(generated_at__isnull=False, notified_at__isnull=True).values_list("pk", flat=True)
    )
