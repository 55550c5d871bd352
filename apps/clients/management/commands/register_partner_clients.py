"""Register the partner app clients terraform created (output ``partner_clients``) as API clients.

    terraform -chdir=terraform/envs/prod output -json stack \\
      | manage register_partner_clients -          # or: --file partner_clients.json

Idempotent: a client id already registered is left as it is (its scopes, plan and keys may have been
changed in the admin since); a new one is created with the scopes terraform gave its app client and
its first API key is printed, once, to hand to the partner with the app client's secret.
"""

import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.clients import services
from apps.clients.models import ApiClient
from apps.core.context import use_context
from apps.core.exceptions import ApplicationError
from apps.masters.selectors import active_source_codes


def _partner_clients(document) -> dict:
    """``{source: {"client_id": ..., "scopes": [...], "name": ...}}`` from the output or the whole stack."""
    if isinstance(document, dict) and "partner_clients" in document:
        document = document["partner_clients"]
    if isinstance(document, dict) and set(document) == {"sensitive", "type", "value"}:
        document = document["value"]  # `terraform output -json partner_clients` wraps the value
    if not isinstance(document, dict) or not document:
        raise CommandError("Expected a JSON object of partner clients by source (terraform output partner_clients).")
    known = active_source_codes()
    for source, entry in document.items():
        if source not in known:
            raise CommandError(f"{source}: not a known source ({', '.join(known)}).")
        if not isinstance(entry, dict) or not entry.get("client_id") or not isinstance(entry.get("scopes"), list):
            raise CommandError(f"{source}: needs client_id and scopes.")
    return document


class Command(BaseCommand):
    help = "Register terraform's partner app clients (client credentials) as API clients; prints new keys once."

    def add_arguments(self, parser):
        parser.add_argument("input", nargs="?", default="-", help="JSON file, or - for standard input (default).")

    def handle(self, *args, **options):
        source = options["input"]
        try:
            raw = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
            clients = _partner_clients(json.loads(raw))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the partner clients: {exc}") from None
        created = 0
        with use_context(source="system"):
            for code, entry in sorted(clients.items()):
                client_id = entry["client_id"]
                existing = ApiClient.objects.filter(cognito_client_id=client_id).first()
                if existing is not None:
                    self.stdout.write(f"{code}: {client_id} already registered as {existing.name}; left as it is.")
                    continue
                name = f"{code} ({entry.get('name') or 'partner'})"
                try:
                    client, issued = services.api_client_register(
                        name=name, source_code=code, cognito_client_id=client_id, scopes=entry["scopes"]
                    )
                except (ApplicationError, ValidationError) as exc:
                    raise CommandError(f"{code}: {getattr(exc, 'message', exc)}") from None
                created += 1
                self.stdout.write(self.style.SUCCESS(f"{code}: registered {client.name} ({client_id})."))
                self.stdout.write(f"  API key for {code} (shown only now): {issued.plaintext}")
        self.stdout.write(f"{created} registered, {len(clients) - created} already there.")
