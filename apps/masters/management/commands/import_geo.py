"""Import countries and cities, idempotently.

manage.py import_geo                                   # packaged GeoNames data, cities ≥ 15,000 people
manage.py import_geo --dataset 5000                    # more, smaller cities
manage.py import_geo --countries countries.csv --cities cities.csv
                                                       # files in the data-source storage
                                                       # (S3 bucket datasourcemaster in production,
                                                       #  var/media/datasource locally)
manage.py import_geo --if-empty --prefer-datasource   # what the deploy's migrate task runs: a new
                                                       # environment gets countries.csv/cities.csv
                                                       # from the data-source storage if they are
                                                       # there, else the packaged data
"""

import logging

from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.core.context import use_context
from apps.core.exceptions import ApplicationError
from apps.masters import geo
from apps.masters.models import Country
from apps.masters.services import geo_import

logger = logging.getLogger(__name__)

# The files --prefer-datasource looks for in the data-source storage.
DATASOURCE_COUNTRIES = "countries.csv"
DATASOURCE_CITIES = "cities.csv"


class Command(BaseCommand):
    help = "Import countries and cities from the packaged GeoNames data or from CSV files in the data-source storage."

    def add_arguments(self, parser):
        parser.add_argument("--dataset", choices=sorted(geo.PACKAGED_DATASETS, key=int, reverse=True), default="15000")
        parser.add_argument("--countries", help="CSV file name in the data-source storage.")
        parser.add_argument("--cities", help="CSV file name in the data-source storage.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if countries are already loaded (fast restarts)."
        )
        parser.add_argument(
            "--prefer-datasource",
            action="store_true",
            help=f"Use {DATASOURCE_COUNTRIES} / {DATASOURCE_CITIES} of the data-source storage when present, "
            "else the packaged data.",
        )

    def _datasource_files(self) -> tuple[str | None, str | None]:
        """The standard files present in the data-source storage; none when it cannot be read."""
        storage = storages[settings.GEO_DATA_STORAGE_ALIAS]
        try:
            found = [name if storage.exists(name) else None for name in (DATASOURCE_COUNTRIES, DATASOURCE_CITIES)]
        except Exception as exc:  # noqa: BLE001 - any storage failure: the packaged data still works
            logger.warning("data-source storage unreadable (%s); using the packaged geo data", exc)
            self.stderr.write(f"Data-source storage unreadable ({type(exc).__name__}); using the packaged data.")
            return None, None
        return found[0], found[1]

    def _read(self, name: str) -> str:
        storage = storages[settings.GEO_DATA_STORAGE_ALIAS]
        try:
            with storage.open(name, "rb") as handle:
                raw = handle.read()
        except (FileNotFoundError, OSError) as exc:
            raise CommandError(f"Cannot read {name!r} from the data-source storage: {exc}") from exc
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CommandError(f"{name}: not UTF-8 text ({exc})") from exc

    def handle(self, *args, **options):
        if options["if_empty"] and Country.objects.exists():
            self.stdout.write("Countries already loaded; skipping (run without --if-empty to refresh).")
            return
        if options["prefer_datasource"] and not (options["countries"] or options["cities"]):
            options["countries"], options["cities"] = self._datasource_files()
        try:
            if options["countries"] or options["cities"]:
                countries = (
                    geo.parse_countries_csv(self._read(options["countries"]), options["countries"])
                    if options["countries"]
                    else []
                )
                cities = (
                    geo.parse_cities_csv(self._read(options["cities"]), options["cities"]) if options["cities"] else []
                )
                label = ", ".join(name for name in (options["countries"], options["cities"]) if name)
            else:
                countries, cities = geo.packaged_rows(options["dataset"])
                label = f"packaged GeoNames data (cities ≥ {options['dataset']} inhabitants)"
        except geo.GeoFileError as exc:
            raise CommandError(f"Nothing imported. {exc}") from exc

        self.stdout.write(f"Importing {len(countries)} countries and {len(cities)} cities from {label}…")
        bar = tqdm(
            total=len(countries) + len(cities),
            unit="rows",
            file=self.stderr._out,
            disable=options["no_progress"] or options["verbosity"] == 0,
        )
        try:
            with use_context(source="system"), bar:
                result = geo_import(countries=countries, cities=cities, progress=bar.update, source_label=label)
        except ApplicationError as exc:
            raise CommandError(f"Nothing imported. {exc.message}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Countries: {result.countries_created} created, {result.countries_updated} updated. "
                f"Cities: {result.cities_created} created, {result.cities_updated} updated."
            )
        )
