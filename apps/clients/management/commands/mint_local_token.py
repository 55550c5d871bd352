"""Print an access token for an API client, or an operator's, signed by the local issuer (local settings only)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.services import COGNITO_GROUP_MAP
from apps.clients import local_issuer
from apps.clients.models import ApiClient

# What Cognito puts in the scope of a user's access token (the operators' front end signs users in).
USER_SCOPE = "aws.cognito.signin.user.admin"


class Command(BaseCommand):
    help = (
        "Print a Cognito-shaped access token for an API client, signed with the local key pair under var/ "
        "(for `make run` without Cognito). Refused unless the local settings are in use. With --operator "
        "EMAIL instead, a user access token of the operators' front end (COGNITO_FRONTEND_CLIENT_IDS) for that "
        "operator, with their groups, as the console's browser front end sends it."
    )

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--client-id", help="The client's Cognito app client id.")
        who.add_argument("--operator", metavar="EMAIL", help="An operator (a user in an operator group).")
        parser.add_argument(
            "--scopes", nargs="+", default=None, metavar="SCOPE", help="Default: the client's allowed scopes."
        )
        parser.add_argument("--lifetime", type=int, default=3600, help="Seconds until the token expires.")

    def handle(self, *args, **options):
        if not local_issuer.enabled():
            raise CommandError(
                "Local tokens exist only under the local settings (DEBUG, LOCAL_TOKEN_KEY_PATH and COGNITO_ISSUER)."
            )
        if options["lifetime"] <= 0:
            raise CommandError("--lifetime must be positive.")
        if options["operator"]:
            self.stdout.write(self._operator_token(options["operator"], options["lifetime"]))
            return
        client = ApiClient.objects.filter(cognito_client_id=options["client_id"]).first()
        if client is None:
            raise CommandError("No API client has this client id; create one with create_api_client.")
        scopes = options["scopes"]
        if scopes is None:
            scopes = list(client.allowed_scopes)
        scopes = [scope for item in scopes for scope in item.replace(",", " ").split()]
        # Only the token on stdout, so that TOKEN=$(manage.py mint_local_token ...) works.
        self.stdout.write(
            local_issuer.mint(client_id=client.cognito_client_id, scopes=scopes, lifetime=options["lifetime"])
        )

    @staticmethod
    def _operator_token(email: str, lifetime: int) -> str:
        if not settings.COGNITO_FRONTEND_CLIENT_IDS:
            raise CommandError("No operators' front end is configured (COGNITO_FRONTEND_CLIENT_IDS).")
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError("No active user has this e-mail address.")
        groups = sorted(
            cognito for cognito, group in COGNITO_GROUP_MAP.items() if user.groups.filter(name=group).exists()
        )
        if not groups:
            raise CommandError("This user is in no operator group.")
        if not user.cognito_sub:
            # What the first sign-in through Cognito does: link the user to its identity (a local one here).
            user.cognito_sub = f"local-{user.pk}"
            user.save(update_fields=["cognito_sub"])
        return local_issuer.mint(
            client_id=settings.COGNITO_FRONTEND_CLIENT_IDS[0],
            scopes=[USER_SCOPE],
            lifetime=lifetime,
            user_claims={"sub": user.cognito_sub, "cognito:groups": groups, "username": user.cognito_sub},
        )
