"""Load exchange rates from a CSV file (``date,from_currency,to_currency,rate,source``): an idempotent upsert."""

from django.core.management.base import BaseCommand, CommandError

from apps.core.context import use_context
from apps.core.exceptions import ValidationFailed
from apps.masters.exchange_rates import exchange_rates_load


class Command(BaseCommand):
    help = "Load exchange rates from a CSV file (date,from_currency,to_currency,rate,source); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file (UTF-8, with a header line).")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and count, write nothing.")

    def handle(self, *args, path: str, dry_run: bool, **options):
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc

        def progress(count: int) -> None:
            self.stdout.write(f"  {count} rates read…")

        try:
            with use_context(source="command"):
                result = exchange_rates_load(text=text, dry_run=dry_run, progress=progress)
        except ValidationFailed as exc:
            raise CommandError("\n".join(["The file was not loaded:", *map(str, exc.errors["file"])])) from exc
        prefix = "Dry run: would have " if dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{result.created} created, {result.updated} updated, {result.unchanged} unchanged "
                f"({result.total} rates)."
            )
        )
