"""Print an access token for an API client, signed by the local issuer (local settings only)."""

from django.core.management.base import BaseCommand, CommandError

from apps.clients import local_issuer
from apps.clients.models import ApiClient


class Command(BaseCommand):
    help = (
        "Print a Cognito-shaped access token for an API client, signed with the local key pair under var/ "
        "(for `make run` without Cognito). Refused unless the local settings are in use."
    )

    def add_arguments(self, parser):
        parser.add_argument("--client-id", required=True, help="The client's Cognito app client id.")
        parser.add_argument(
            "--scopes", nargs="+", default=None, metavar="SCOPE", help="Default: the client's allowed scopes."
        )
        parser.add_argument("--lifetime", type=int, default=3600, help="Seconds until the token expires.")

    def handle(self, *args, **options):
        if not local_issuer.enabled():
            raise CommandError(
                "Local tokens exist only under the local settings (DEBUG, LOCAL_TOKEN_KEY_PATH and COGNITO_ISSUER)."
            )
        client = ApiClient.objects.filter(cognito_client_id=options["client_id"]).first()
        if client is None:
            raise CommandError("No API client has this client id; create one with create_api_client.")
        if options["lifetime"] <= 0:
            raise CommandError("--lifetime must be positive.")
        scopes = options["scopes"]
        if scopes is None:
            scopes = list(client.allowed_scopes)
        scopes = [scope for item in scopes for scope in item.replace(",", " ").split()]
        # Only the token on stdout, so that TOKEN=$(manage.py mint_local_token ...) works.
        self.stdout.write(
            local_issuer.mint(client_id=client.cognito_client_id, scopes=scopes, lifetime=options["lifetime"])
        )
