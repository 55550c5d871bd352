"""Generate (or regenerate) a source's bordereau for a month, with progress.

manage.py generate_bordereau --source KOM --month 2026-03
"""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.claims.bordereau import bordereau_generate
from apps.core.context import use_context
from apps.masters.models import Source


def _month(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise CommandError("--month takes YYYY-MM (e.g. 2026-03).") from exc


class Command(BaseCommand):
    help = "Generate a source's monthly claims report (bordereau): CSV and XLSX, stored, partner notified."

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, help="The source's code (KOM, MOK...).")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        source, month = options["source"].upper(), _month(options["month"])
        if not Source.objects.filter(code=source).exists():
            raise CommandError(f"No source {source}.")
        quiet = options["no_progress"] or options["verbosity"] == 0
        started = time.perf_counter()
        with (
            use_context(source="system"),
            tqdm(unit="rows", desc=f"{source} {month:%Y-%m}", file=self.stderr._out, disable=quiet) as bar,
        ):
            bordereau = bordereau_generate(source_code=source, month=month, progress=lambda rows: bar.update(1))
        self.stdout.write(
            self.style.SUCCESS(
                f"Bordereau {bordereau} (id {bordereau.pk}): {bordereau.rows} rows in "
                f"{time.perf_counter() - started:.1f} s; totals {bordereau.totals['settlement']}."
            )
        )
