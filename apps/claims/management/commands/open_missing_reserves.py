"""Give every case without a reserve its initial one (cases opened before reserves existed, or loaded in bulk)."""

from django.core.management.base import BaseCommand

from apps.assistances.models import Event
from apps.claims.services import reserve_open
from apps.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Open the initial reserve (from the estimate table) of every case that has none."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="Cases per progress line.")

    def handle(self, *args, batch: int, **options):
        ids = list(Event.objects.filter(reserve__isnull=True).order_by("pk").values_list("pk", flat=True))
        total, opened, failed = len(ids), 0, 0
        self.stdout.write(f"{total} cases without a reserve")
        for start in range(0, total, batch):
            for event in Event.objects.select_related("voucher").filter(pk__in=ids[start : start + batch]):
                try:
                    reserve_open(event=event)
                    opened += 1
                except ApplicationError as exc:  # no rate for the estimate: said, and the next ones go on
                    failed += 1
                    self.stderr.write(f"{event.code}: {exc.message}")
            self.stdout.write(f"{min(start + batch, total)}/{total} done")
        self.stdout.write(self.style.SUCCESS(f"{opened} reserves opened, {failed} not"))
