"""Generate realistic demo data from the imported cities, in bulk, at any size.

    manage.py generate_demo_data --providers 50000 --locations 100000 --vouchers 100000
    manage.py generate_demo_data --if-empty --providers 300 --locations 600 --vouchers 300   # make run (+200 cases)
    manage.py generate_demo_data --providers 0 --vouchers 0 --events 200000 --notes 1000000    # cases and notes

``--events`` cases come with ``--notes`` notes spread over them; ``--notes`` alone adds notes to existing cases.

Demo rows bypass the services (and the audit trail): they are fixtures, not business events. The command
lives in the top app (assistances) because it fills every app below it.
"""

import random

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.providers.demo import generate_providers
from apps.providers.models import Provider


class Command(BaseCommand):
    help = "Generate demo providers, locations, payment methods, vouchers, cases and notes (needs import_geo first)."

    def add_arguments(self, parser):
        parser.add_argument("--providers", type=int, default=300)
        parser.add_argument("--locations", type=int, default=600)
        parser.add_argument("--vouchers", type=int, default=300)
        # The defaults are what `make run` loads: a console with some cases to work on.
        parser.add_argument("--events", type=int, default=200, help="Cases, with their status history.")
        parser.add_argument(
            "--notes", type=int, default=1000, help="Notes, spread over the new cases (or existing ones)."
        )
        parser.add_argument("--seed", type=int, default=20261127, help="Random seed (same seed, same data).")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if providers already exist.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        for name in ("providers", "locations", "vouchers", "events", "notes", "batch_size"):
            if options[name] < 0 or (name == "batch_size" and options[name] == 0):
                raise CommandError(f"--{name.replace('_', '-')} must be a positive number.")
        if options["if_empty"] and Provider.objects.exists():
            self.stdout.write("Demo data already present; skipping (run without --if-empty to add more).")
            return
        rng = random.Random(options["seed"])  # noqa: S311 - demo data, not security  # nosec B311
        quiet = options["no_progress"] or options["verbosity"] == 0

        if options["providers"]:
            total = options["providers"] + max(options["locations"], options["providers"])
            with tqdm(total=total, unit="rows", desc="providers", file=self.stderr._out, disable=quiet) as bar:
                try:
                    counts = generate_providers(
                        providers=options["providers"],
                        locations=options["locations"],
                        batch_size=options["batch_size"],
                        progress=bar.update,
                        rng=rng,
                    )
                except ValueError as exc:
                    raise CommandError(str(exc)) from exc
            self.stdout.write(f"Providers: {counts[0]}, locations: {counts[1]}, payment methods: {counts[2]}.")

        if options["vouchers"]:
            from apps.vouchers.demo import generate_vouchers

            with tqdm(total=options["vouchers"], unit="vouchers", file=self.stderr._out, disable=quiet) as bar:
                created = generate_vouchers(
                    count=options["vouchers"], batch_size=options["batch_size"], progress=bar.update, rng=rng
                )
            self.stdout.write(f"Vouchers: {created}.")

        if options["events"] or options["notes"]:
            self._cases(options, rng, quiet)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def _cases(self, options, rng, quiet: bool) -> None:
        from apps.assistances.demo import generate_events, generate_notes

        events, notes = options["events"], options["notes"]
        try:
            if events:
                with tqdm(total=events, unit="cases", file=self.stderr._out, disable=quiet) as bar:
                    counts = generate_events(
                        count=events,
                        notes_per_event_mean=notes / events,
                        batch_size=options["batch_size"],
                        progress=bar.update,
                        rng=rng,
                    )
                self.stdout.write(f"Cases: {counts[0]}, status changes: {counts[1]}, notes: {counts[2]}.")
            else:
                with tqdm(total=notes, unit="notes", file=self.stderr._out, disable=quiet) as bar:
                    created = generate_notes(
                        count=notes, batch_size=options["batch_size"], progress=bar.update, rng=rng
                    )
                self.stdout.write(f"Notes: {created}.")
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
