"""DRF authentication of partner systems: a Cognito access token plus the client's API key.

``Authorization: Bearer <access token>`` identifies the Cognito app client (verified here, see
``tokens.py``; no call to Cognito per request: client-credentials tokens have no userinfo), and
``x-api-key`` must be a usable key of that same client — the API Gateway pairing of the seed.

The caller becomes an ``ApiClientPrincipal`` (``request.user``: not a user; confined to its
source by the selectors) and ``request.auth`` a ``ClientCredentials`` (scopes, key, usage plan),
which the scope permission and the usage-plan throttle read.

Failures answer 401 with a ``WWW-Authenticate: Bearer`` challenge and a problem document that
says what the client can act on (expired token, missing key) and nothing about which other check
failed; the precise reason goes to the server log.
"""

import logging
from dataclasses import dataclass

from django.apps import apps as django_apps
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from apps.accounts.oidc import groups_claim
from apps.accounts.services import SignInRefused, operator_from_access_token
from apps.clients import auth_guard, keys, scopes, selectors, services
from apps.clients.models import ApiClient
from apps.clients.tokens import (
    InvalidToken,
    IssuerNotConfigured,
    JwksUnavailable,
    TokenExpired,
    verify_access_token,
)

logger = logging.getLogger(__name__)

API_KEY_HEADER = "x-api-key"
REALM = "api"


@dataclass(frozen=True)
class ClientCredentials:
    """``request.auth`` of a partner request: what its token may do and which key and plan it uses."""

    scopes: frozenset[str]
    api_key_id: str
    rate: float
    burst: int
    monthly_quota: int
    client_id: str = ""  # the Cognito app client id, for logs
    # Whose usage plan the call counts against: the API client, so every key of it (a rotation's
    # overlap, a second key) shares one bucket and one monthly quota.
    plan_holder: str = ""


@dataclass(frozen=True)
class OperatorToken:
    """``request.auth`` of an operator calling with a user token of the front end: no key, no plan."""

    client_id: str
    scopes: frozenset[str]


class OperatorAccessRefused(exceptions.PermissionDenied):
    default_detail = _("Your account has no access to this application. Ask an administrator to add you to a group.")
    default_code = "no_group"


class ApiClientPrincipal:
    """``request.user`` of a partner request. Not a user: no groups, no admin, no user columns.

    Django model permissions (which ``apps.core.permissions.ModelPermissions`` and its variants
    check) are answered from the token's scopes: ``view_<model>`` needs ``read``,
    ``add_/change_/delete_<model>`` need ``write``; custom permissions (``reveal_bank_data``...)
    are never granted. So a view with its own permission classes still enforces the scopes.
    """

    is_api_client = True
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, client: ApiClient, granted: frozenset[str]) -> None:
        self.client = client
        self.pk = self.id = client.pk
        self.name = client.name
        self.source_code = client.source_code
        self.scopes = granted

    def __str__(self) -> str:
        return f"API client {self.name} ({self.source_code})"

    def __repr__(self) -> str:
        return f"<ApiClientPrincipal {self.pk} {self.source_code}>"

    def __eq__(self, other) -> bool:
        return isinstance(other, ApiClientPrincipal) and other.pk == self.pk

    def __hash__(self) -> int:
        return hash(("api-client", self.pk))

    def get_username(self) -> str:
        return f"api-client:{self.client.cognito_client_id}"

    def has_perm(self, perm: str, obj=None) -> bool:
        app_label, _, codename = perm.partition(".")
        action = scopes.action_for_permission(codename)
        if action is None:
            return False
        model_name = codename.partition("_")[2]
        try:
            django_apps.get_model(app_label, model_name)
        except (LookupError, ValueError):
            return False
        return scopes.grants(self.scopes, action)

    def has_perms(self, perm_list, obj=None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        return False


class _Unauthorized(exceptions.AuthenticationFailed):
    """Base of the 401s below; ``bearer_error`` is RFC 6750's error code for the challenge."""

    bearer_error = "invalid_token"


class InvalidAccessToken(_Unauthorized):
    default_detail = _("The access token is not valid.")
    default_code = "invalid_token"


class ExpiredAccessToken(_Unauthorized):
    default_detail = _("The access token has expired.")
    default_code = "token_expired"


class MalformedAuthorization(_Unauthorized):
    default_detail = _("Malformed Authorization header; send 'Authorization: Bearer <access token>'.")
    default_code = "invalid_request"
    bearer_error = "invalid_request"


class ApiKeyRequired(_Unauthorized):
    default_detail = _("An API key is required (x-api-key header).")
    default_code = "api_key_required"
    bearer_error = ""


class InvalidApiKey(_Unauthorized):
    default_detail = _("The API key is not valid for this client.")
    default_code = "invalid_api_key"
    bearer_error = ""


class IssuerUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = _("Access tokens cannot be checked right now; retry shortly.")
    default_code = "service_unavailable"
    wait = 30


def _bearer_token(header: str) -> str | None:
    """The token of a Bearer header; None for another scheme (left to other authenticators)."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = rest.strip()
    if not token or " " in token or not token.isascii() or not token.isprintable():
        raise MalformedAuthorization()
    return token


class CognitoAccessTokenAuthentication(BaseAuthentication):
    """Bearer Cognito access token + ``x-api-key`` of the same, active client."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION")
        if not header:
            return None
        try:
            token = _bearer_token(header)
        except MalformedAuthorization as exc:
            auth_guard.refuse_if_locked_out(request)
            self._refuse(request, exc, "malformed Authorization header")
        if token is None:
            return None
        auth_guard.refuse_if_locked_out(request)
        try:
            verified = verify_access_token(token)
        except TokenExpired:
            self._refuse(request, ExpiredAccessToken(), "expired")
        except IssuerNotConfigured as exc:
            logger.error("partner tokens cannot be accepted: %s", exc.reason)
            self._refuse(request, InvalidAccessToken(), exc.reason)
        except InvalidToken as exc:
            self._refuse(request, InvalidAccessToken(), exc.reason)
        except JwksUnavailable:
            logger.error("token issuer keys unavailable")
            raise IssuerUnavailable() from None

        if verified.client_id in settings.COGNITO_FRONTEND_CLIENT_IDS:
            return self._operator(request, verified)

        presented = request.META.get("HTTP_X_API_KEY")
        if not presented:
            # Whether the token's client exists is not revealed before a key is presented either.
            self._refuse(request, ApiKeyRequired(), "no API key", client_id=verified.client_id)
        key = selectors.usable_key_of_client(
            key_hash=keys.hash_key(presented) if keys.is_well_formed(presented) else None,
            cognito_client_id=verified.client_id,
        )
        if key is None:
            if not selectors.active_client_exists(cognito_client_id=verified.client_id):
                self._refuse(request, InvalidAccessToken(), "unknown or inactive client", client_id=verified.client_id)
            self._refuse(
                request, InvalidApiKey(), "API key unknown, revoked or of another client", client_id=verified.client_id
            )
        client = key.client
        granted = verified.scopes & frozenset(client.allowed_scopes or ())
        services.api_key_mark_used(key=key)
        credentials = ClientCredentials(
            scopes=granted,
            api_key_id=str(key.pk),
            rate=float(client.rate_per_second),
            burst=int(client.burst),
            monthly_quota=int(client.monthly_quota),
            client_id=client.cognito_client_id,
            plan_holder=f"client:{client.pk}",
        )
        return ApiClientPrincipal(client, granted), credentials

    def _operator(self, request, verified):
        """A user token of the operators' front end: the operator, as an admin session would be.

        No API key and no usage plan (operators are not partners); permissions are the operator's
        groups, synced from the token's ``cognito:groups``; the audit names the operator.
        """
        try:
            user = operator_from_access_token(
                sub=str(verified.claims.get("sub") or ""),
                cognito_groups=groups_claim(verified.claims.get("cognito:groups")),
            )
        except SignInRefused as exc:
            if exc.code == "no_group":
                auth_guard.record_failure(request)
                logger.info("operator token refused: no operator group", extra={"sub": verified.claims.get("sub")})
                raise OperatorAccessRefused() from None
            self._refuse(request, InvalidAccessToken(), f"operator token refused: {exc.code}")
        return user, OperatorToken(client_id=verified.client_id, scopes=verified.scopes)

    def authenticate_header(self, request) -> str:
        error = getattr(request, "_bearer_error", "")
        return f'Bearer realm="{REALM}", error="{error}"' if error else f'Bearer realm="{REALM}"'

    @staticmethod
    def _refuse(request, exc: _Unauthorized, reason: str, client_id: str = ""):
        auth_guard.record_failure(request)
        request._bearer_error = exc.bearer_error
        logger.info("API authentication refused", extra={"reason": reason, "token_client_id": client_id})
        raise exc
