"""Rebuild the provider search index from scratch (after bulk loads or direct data fixes).

The services keep the index current on every write; this command is for data that reached the
tables some other way. It works provider by provider in batches, each batch in its own transaction.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from apps.providers.models import LocationService, Provider
from apps.providers.services import search_index_rebuild


class Command(BaseCommand):
    help = "Rebuild the provider search index (rows per location and assistance served)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        ids = list(Provider.objects.order_by("pk").values_list("pk", flat=True))
        size = max(1, options["batch_size"])
        written = 0
        quiet = options["no_progress"] or options["verbosity"] == 0
        with tqdm(total=len(ids), unit="providers", file=self.stderr._out, disable=quiet) as bar:
            for start in range(0, len(ids), size):
                batch = ids[start : start + size]
                with transaction.atomic():
                    written += search_index_rebuild(provider_ids=batch)
                bar.update(len(batch))
        # Rows of providers deleted meanwhile go with them (cascade); nothing else can be stale.
        self.stdout.write(
            self.style.SUCCESS(
                f"Search index: {written} rows for {len(ids)} providers ({LocationService.objects.count()} total)."
            )
        )
