"""Register a partner system for the API and print its first API key (shown this once only)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.clients import services
from apps.clients.scopes import ALL_SCOPES
from apps.core.context import use_context
from apps.core.exceptions import ApplicationError
from apps.masters.selectors import active_source_codes


def _describe(message: str, errors: dict) -> str:
    details = "; ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in errors.items())
    return f"{message} {details}".strip()


class Command(BaseCommand):
    help = (
        "Create an API client (partner system) bound to a Cognito app client id and a source, "
        "and print its API key once. Scopes: " + ", ".join(ALL_SCOPES) + "."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--source", required=True, help="The partner's source code (a source of the catalog).")
        parser.add_argument("--client-id", required=True, help="The Cognito app client id (client_id claim).")
        parser.add_argument(
            "--scopes",
            nargs="+",
            default=[],
            metavar="SCOPE",
            help="Scopes the client may use, space- or comma-separated.",
        )
        # The usage plan; the model's defaults otherwise (a local fuzz run raises them, see the README).
        parser.add_argument("--rate", type=float, dest="rate_per_second", help="Requests per second.")
        parser.add_argument("--burst", type=int, help="Requests allowed at once above the rate.")
        parser.add_argument("--monthly-quota", type=int, help="Requests per calendar month.")

    def handle(self, *args, **options):
        scopes = [scope for item in options["scopes"] for scope in item.replace(",", " ").split()]
        if not scopes:
            raise CommandError("Give at least one scope with --scopes (" + ", ".join(ALL_SCOPES) + ").")
        known = active_source_codes()
        if options["source"] not in known:
            raise CommandError(f"{options['source']}: not a known source ({', '.join(known)}).")
        with use_context(source="system"):
            try:
                client, issued = services.api_client_register(
                    name=options["name"],
                    source_code=options["source"],
                    cognito_client_id=options["client_id"],
                    scopes=scopes,
                    plan={
                        name: options[name]
                        for name in ("rate_per_second", "burst", "monthly_quota")
                        if options[name] is not None
                    },
                )
            except ApplicationError as exc:
                raise CommandError(_describe(exc.message, exc.extra.get("errors", {}))) from None
            except ValidationError as exc:
                raise CommandError(_describe("Invalid values.", exc.message_dict)) from None
        self.stdout.write(self.style.SUCCESS(f"API client {client.name} created (source {client.source_code})."))
        self.stdout.write(f"  Cognito client id: {client.cognito_client_id}")
        self.stdout.write(f"  scopes:            {' '.join(client.allowed_scopes)}")
        self.stdout.write(
            f"  usage plan:        {client.rate_per_second:g} req/s, burst {client.burst}, "
            f"{client.monthly_quota} requests/month"
        )
        self.stdout.write("API key (shown only now; send it as the x-api-key header):")
        self.stdout.write(issued.plaintext)
