"""Benchmark of the monthly claims report (bordereau) of a source with 100,000 cases in the month.

What is measured
    Dataset: the ``bigtree_bench`` database of the other benchmarks (migrated and with the packaged
    countries, ``bench/run.py``'s preparation; kept between runs), plus a source ``BENCH`` whose
    ``--cases`` cases (default 100,000) all have activity in March 2026, generated once by bulk
    inserts (``apps.core.bulk``, the demo generators' style; topped up only if fewer are there): per
    case its provider assignment, one bill (a third in EUR, the rest USD; allowed ≤ billed), one or
    two payments (some in February, most in March), its reserve and one to three reserve changes.

    Then, in a fresh process (so nothing of the generation counts), ``bordereau_generate`` for
    BENCH, March 2026: the whole service — keyset pages of cases, grouped queries per page, CSV and
    XLSX written, both stored with the shared file layer (the test settings' local bucket), totals.
    Reported: wall time, the process's peak RSS (``ru_maxrss``, which includes the database client's
    buffers) and its RSS before the run, and in a second fresh process the Python heap's peak under
    ``tracemalloc`` (slower, so not timed).

How to read it
    Targets (QUALITY.md, issue 16): < 60 s and < 300 MB. Figures are printed, never asserted; MariaDB
    shares the machine.

Usage: ``make bench`` or ``.venv/bin/python bench/bordereau.py [--cases N] [--keep-db]``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

from run import ENV, PYTHON, ROOT, prepare_database, step

SOURCE = "BENCH"
MONTH = datetime.date(2026, 3, 1)
BATCH = 5000


def _django() -> None:
    os.environ.update({k: v for k, v in ENV.items() if k in ("DJANGO_SETTINGS_MODULE", "TEST_DATABASE_URL")})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- dataset (in a child process) -------------------------------------------------------------------


def _defaults(model) -> dict:
    """Every concrete column with its default, so a bulk row needs only what differs."""
    return {field.attname: field.get_default() for field in model._meta.concrete_fields}


def _rows(model, base: dict, changes: list[dict]) -> tuple[list[str], list[tuple]]:
    columns = list(base)
    return columns, [tuple({**base, **change}[column] for column in columns) for change in changes]


class _Context:
    """What every generated case draws from, loaded once."""

    def __init__(self, seed: int) -> None:
        from django.utils import timezone

        from apps.assistances.models import Event, EventProvider
        from apps.claims.bills import BILL_MACHINE
        from apps.claims.models import Bill, Payment, Reserve, ReserveChange
        from apps.core.bulk import next_pk
        from apps.masters.models import Assistance, Country, EventProviderStatus, EventStatus, StatusRole
        from apps.providers.models import Provider

        self.rng = random.Random(seed)  # nosec B311 - bench data
        self.countries = list(Country.objects.values_list("id", flat=True)[:50])
        self.assistances = list(Assistance.objects.filter(is_active=True).values_list("id", flat=True))
        self.status = EventStatus.objects.filter(is_initial=True).values_list("id", flat=True).first()
        self.assignment_status = EventProviderStatus.objects.order_by("sort_order").values_list("id", flat=True)[0]
        provider = Provider.objects.order_by("id").first()
        if provider is None:
            from tests.providers.factories import ProviderFactory

            provider = ProviderFactory(country=Country.objects.get(pk=self.countries[0]))
        self.provider = provider.pk
        self.approved = BILL_MACHINE.with_role(StatusRole.APPROVED).pk
        self.zone = timezone.get_default_timezone()
        self.now = timezone.now()
        self.models = (Event, EventProvider, Bill, Payment, Reserve, ReserveChange)
        self.first = {model: next_pk(model) for model in (Event, EventProvider, Bill, Reserve)}

    def moment(self, month: int, day: int) -> datetime.datetime:
        from django.utils import timezone

        hour, minute = self.rng.randrange(24), self.rng.randrange(60)
        return timezone.make_aware(datetime.datetime(2026, month, day, hour, minute), self.zone)


def _case(ctx: _Context, offset: int, rows: dict) -> None:
    """One case's rows (by model): its assignment, a bill, one or two payments, its reserve and changes."""
    from apps.core.money import quantize

    event_model, assignment_model, bill_model, payment_model, reserve_model, change_model = ctx.models
    rng, stamp = ctx.rng, {"created_at": ctx.now, "updated_at": ctx.now}
    pk = ctx.first[event_model] + offset
    opened = ctx.moment(rng.choice((2, 3)), rng.randint(1, 28))
    rows[event_model].append(
        {
            **stamp,
            "id": pk,
            "code": f"BT-2026-{pk:07d}",
            "source_code": SOURCE,
            "external_reference": f"{SOURCE}-{pk:08d}",
            "coverage": "{}",
            "traveller_name": "Bench Traveller",
            "assistance_id": rng.choice(ctx.assistances),
            "country_id": rng.choice(ctx.countries),
            "status_id": ctx.status,
            "opened_at": opened,
            "closed_at": ctx.moment(3, rng.randint(20, 31)) if rng.random() < 0.3 else None,
        }
    )
    assignment = ctx.first[assignment_model] + offset
    rows[assignment_model].append(
        {
            **stamp,
            "id": assignment,
            "event_id": pk,
            "provider_id": ctx.provider,
            "status_id": ctx.assignment_status,
            "assigned_at": opened,
        }
    )
    currency = "EUR" if rng.random() < 0.33 else "USD"
    billed = Decimal(rng.randint(10_000, 900_000)).scaleb(-2)
    allowed = quantize(billed * rng.randint(60, 100) / 100, currency)
    bill = ctx.first[bill_model] + offset
    received = ctx.moment(3, rng.randint(1, 10))
    rows[bill_model].append(
        {
            **stamp,
            "id": bill,
            "event_id": pk,
            "assignment_id": assignment,
            "provider_id": ctx.provider,
            "invoice_number": f"B-{pk}",
            "invoice_date": received.date(),
            "currency": currency,
            "billed_total": billed,
            "allowed_total": allowed,
            "savings": billed - allowed,
            "status_id": ctx.approved,
            "received_via": "console",
            "received_at": received,
            "reviewed_at": received,
            "flags": "[]",
        }
    )
    rate = Decimal("1.0825") if currency == "EUR" else Decimal(1)
    left = allowed
    for month in (2, 3) if rng.random() < 0.4 else (3,):
        amount = quantize(left * rng.randint(30, 70) / 100, currency)
        left -= amount
        rows[payment_model].append(
            {
                **stamp,
                "event_id": pk,
                "bill_id": bill,
                "paid_on": datetime.date(2026, month, rng.randint(11, 28)),
                "amount": amount,
                "currency": currency,
                "bill_amount": amount,
                "settlement_amount": quantize(amount * rate, "USD"),
                "settlement_currency": "USD",
                "reference": f"T-{pk}-{month}",
            }
        )
    reserve = ctx.first[reserve_model] + offset
    amount = quantize(allowed * rate * rng.randint(100, 180) / 100, "USD")
    rows[reserve_model].append(
        {**stamp, "id": reserve, "event_id": pk, "amount": amount, "currency": "USD", "first_set_at": opened}
    )
    before = None
    for number in range(rng.randint(1, 3)):
        after = amount if number == 0 else quantize(amount * rng.randint(80, 120) / 100, "USD")
        rows[change_model].append(
            {
                "reserve_id": reserve,
                "amount_before": before,
                "amount_after": after,
                "reason": "Bench",
                "actor_repr": "bench",
                "changed_at": opened if number == 0 else ctx.moment(3, rng.randint(1, 31)),
            }
        )
        before = after


def generate(cases: int, seed: int = 20260301) -> None:
    from django.db import connection, transaction

    from apps.assistances.models import Event
    from apps.core.bulk import insert_rows
    from apps.masters.models import Source

    have = Event.objects.filter(source_code=SOURCE).count()
    if have >= cases:
        print(f"    {have} {SOURCE} cases already there", flush=True)
        return
    Source.objects.get_or_create(
        code=SOURCE, defaults={"name_es": "Socio de pruebas", "name_en": "Bench partner", "default_currency": "USD"}
    )
    ctx = _Context(seed + have)
    base = {model: _defaults(model) for model in ctx.models}
    for model in ctx.models[3], ctx.models[5]:
        base[model].pop("id")  # auto-increment: nothing links to payments and reserve changes
    started, count = time.perf_counter(), cases - have
    for start in range(0, count, BATCH):
        rows: dict = {model: [] for model in ctx.models}
        for offset in range(start, min(count, start + BATCH)):
            _case(ctx, offset, rows)
        with transaction.atomic():
            for model, changes in rows.items():
                insert_rows(model, *_rows(model, base[model], changes))
        print(f"    {have + min(count, start + BATCH)} / {cases} cases ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE TABLE assistances_event, assistances_eventprovider, claims_bill, claims_payment,"
            " claims_reserve, claims_reservechange"
        )
        cursor.fetchall()


# --- measurement (in fresh child processes) ----------------------------------------------------------


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def measure(traced: bool) -> None:
    from django.db import connection

    from apps.claims.bordereau import bordereau_generate

    connection.ensure_connection()
    before = _rss_mb()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    bordereau = bordereau_generate(source_code=SOURCE, month=MONTH)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
    sizes = {f.format: f.size for f in bordereau.files.all()}
    print(
        "RESULT="
        + json.dumps(
            {
                "rows": bordereau.rows,
                "seconds": seconds,
                "rss_before_mb": before,
                "rss_peak_mb": _rss_mb(),
                "heap_peak_mb": peak,
                "sizes": sizes,
                "totals": bordereau.totals["settlement"],
            }
        ),
        flush=True,
    )


def _child(*args: str) -> dict | None:
    proc = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), *args], cwd=ROOT, env=ENV, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"bench/bordereau.py {' '.join(args)} failed (exit {proc.returncode})")
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT="):
            return json.loads(line.removeprefix("RESULT="))
        print(line, flush=True)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=int(os.environ.get("BENCH_BORDEREAU_CASES", "100000")))
    parser.add_argument("--keep-db", action="store_true", default=True, help="(always: the dataset is kept)")
    parser.add_argument("--child", choices=["generate", "measure", "trace"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _django()
        if args.child == "generate":
            generate(args.cases)
        else:
            measure(traced=args.child == "trace")
        return

    prepare_database(keep_db=True)
    step(f"Dataset: {args.cases} {SOURCE} cases with activity in {MONTH:%Y-%m} (bulk inserts, kept)")
    started = time.perf_counter()
    _child("--child", "generate", "--cases", str(args.cases))
    print(f"    ready in {time.perf_counter() - started:.1f} s", flush=True)
    step("bordereau_generate (fresh process): time and peak RSS")
    timed = _child("--child", "measure")
    step("bordereau_generate again (fresh process, tracemalloc): Python heap peak")
    traced = _child("--child", "trace")
    print()
    print(f"  rows                  {timed['rows']}")
    print(f"  files                 {timed['sizes']}")
    print(f"  totals                {timed['totals']}")
    print(f"  time                  {timed['seconds']:.1f} s (target < 60 s)")
    print(f"  peak RSS              {timed['rss_peak_mb']:.0f} MB (< 300 MB; {timed['rss_before_mb']:.0f} MB at start)")
    print(f"  Python heap peak      {traced['heap_peak_mb']:.1f} MB (tracemalloc; that run {traced['seconds']:.1f} s)")


if __name__ == "__main__":
    main()
