"""Operators sign in to the admin through OpenID Connect: Amazon Cognito's hosted UI in production.

mozilla-django-oidc runs the authorization-code flow (state, nonce, PKCE, RS256 ID token checked
against the provider's JWKS). This module adapts it to the project:

- ``OperatorOIDCBackend`` also checks the ID token's audience, issuer and ``token_use`` (the library
  does not), takes the Cognito groups from the verified ID token only (Cognito's userinfo does not
  carry them) and hands the identity to ``apps.accounts.services.operator_sign_in``, which owns the
  rules (match by ``sub``, link by verified e-mail, map groups, refuse without a group).
- ``OperatorSessionRefresh`` re-runs that sign-in silently (``prompt=none``) when the ID token's
  renewal time has passed, so a group removed in Cognito takes effect within that time.
- ``cognito_logout_url`` / ``end_session_logout_url`` end the provider's session on logout too.
"""

import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.middleware import SessionRefresh

from apps.accounts.services import OidcIdentity, SignInRefused, operator_sign_in
from apps.core.exceptions import PROBLEM_CONTENT_TYPE, problem_body

logger = logging.getLogger(__name__)

# Where the backend leaves the reason of a refusal for the callback view to show.
REFUSAL_ATTRIBUTE = "oidc_refusal"


def oidc_configured() -> bool:
    """Whether an OpenID provider is configured (the local default runs without one)."""
    return bool(settings.OIDC_OP_AUTHORIZATION_ENDPOINT and settings.OIDC_RP_CLIENT_ID)


def _is_true(value) -> bool:
    # Cognito's ID token has a boolean ``email_verified``; its userinfo answers the string "true".
    return value is True or (isinstance(value, str) and value.lower() == "true")


def groups_claim(value) -> tuple[str, ...]:
    """``cognito:groups`` as a tuple, whether the token carries a list or a single string."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return ()


def identity_from_claims(*, id_token_claims: dict, userinfo: dict) -> OidcIdentity:
    """The sign-in identity: verified ID token first, userinfo for profile data it may lack.

    Groups come from the ID token only: its signature was checked, and Cognito's userinfo has no groups.
    """

    def claim(name, default=""):
        return id_token_claims.get(name, userinfo.get(name, default))

    return OidcIdentity(
        sub=str(id_token_claims.get("sub") or ""),
        email=str(claim("email") or "").strip(),
        email_verified=_is_true(claim("email_verified", False)),
        cognito_groups=groups_claim(id_token_claims.get("cognito:groups")),
        first_name=str(claim("given_name") or "")[:150],
        last_name=str(claim("family_name") or "")[:150],
    )


class OperatorOIDCBackend(OIDCAuthenticationBackend):
    """Authenticates operators from the OIDC callback; every other ``authenticate`` call gets None."""

    def authenticate(self, request, **kwargs):
        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, jwt.InvalidTokenError, requests.RequestException) as exc:
            # A bad or expired token, a replayed code or an unreachable provider: refuse the sign-in
            # (the callback shows a message) rather than answer 500; the log keeps the reason.
            logger.warning("OIDC sign-in failed: %s", exc)
            if request is not None:
                setattr(request, REFUSAL_ATTRIBUTE, _("Sign-in with Cognito failed. Please try again."))
            return None

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        # mozilla-django-oidc checks signature, expiry and nonce but not who the token was issued to.
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token audience does not match the client id.")
        issuer = settings.OIDC_OP_ISSUER
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token issuer does not match the configured issuer.")
        if payload.get("token_use", "id") != "id":  # Cognito marks its ID tokens; an access token is not one
            raise SuspiciousOperation("Token is not an ID token.")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        """``payload`` is the verified ID token; userinfo only completes the profile."""
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            # OIDC Core 5.3.2: a userinfo answer for another subject must not be used.
            raise SuspiciousOperation("Userinfo subject does not match the ID token subject.")
        identity = identity_from_claims(id_token_claims=payload, userinfo=userinfo)
        try:
            return operator_sign_in(identity=identity)
        except SignInRefused as exc:
            logger.info("OIDC sign-in refused (%s) for sub %s", exc.code, identity.sub)
            setattr(self.request, REFUSAL_ATTRIBUTE, exc.message)
            return None


def _setting(name, default=None):
    return property(lambda self: getattr(settings, name, default))


class OperatorSessionRefresh(SessionRefresh):
    """mozilla-django-oidc's silent re-authentication, with settings read per request.

    The parent reads its settings once when the middleware is built; reading them per request lets
    the tests point a running server at their own provider. Requests that cannot follow a redirect to
    the provider (XHR, ``fetch``, scripts) get a problem-details 401 carrying ``refresh_url`` instead.
    """

    def __init__(self, get_response):
        MiddlewareMixin.__init__(self, get_response)

    OIDC_EXEMPT_URLS = _setting("OIDC_EXEMPT_URLS", [])
    OIDC_OP_AUTHORIZATION_ENDPOINT = _setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_RP_CLIENT_ID = _setting("OIDC_RP_CLIENT_ID")
    OIDC_STATE_SIZE = _setting("OIDC_STATE_SIZE", 32)
    OIDC_AUTHENTICATION_CALLBACK_URL = _setting("OIDC_AUTHENTICATION_CALLBACK_URL", "oidc_authentication_callback")
    OIDC_RP_SCOPES = _setting("OIDC_RP_SCOPES", "openid email")
    OIDC_USE_NONCE = _setting("OIDC_USE_NONCE", True)
    OIDC_NONCE_SIZE = _setting("OIDC_NONCE_SIZE", 32)

    def is_refreshable_url(self, request):
        # Sessions made by the password backend (local work, tests' force_login) are never refreshed.
        return oidc_configured() and signed_in_with_oidc(request) and super().is_refreshable_url(request)

    def process_request(self, request):
        response = super().process_request(request)
        if response is None or _is_navigation(request):
            return response
        # The library answers XHR with its own 403 JSON and everything else with a redirect; both
        # become one problem document that says where to renew the session.
        body = problem_body(
            status_code=401,
            code="session_refresh_required",
            detail=_("Your session must be renewed: reload the page."),
            instance=request.get_full_path(),
            refresh_url=response.get("refresh_url") or response["Location"],
        )
        return JsonResponse(body, status=401, content_type=PROBLEM_CONTENT_TYPE)


def _is_navigation(request) -> bool:
    # Browsers send Sec-Fetch-Mode on every request; without it (old clients) keep the library's redirect.
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return False
    return request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate"


def signed_in_with_oidc(request) -> bool:
    """Whether the current session was opened by an OIDC backend (not by a password)."""
    backend_path = request.session.get(BACKEND_SESSION_KEY)
    if not backend_path:
        return False
    try:
        return issubclass(import_string(backend_path), OIDCAuthenticationBackend)
    except ImportError:
        return False


def _after_logout(request) -> str:
    return request.build_absolute_uri(reverse("admin:login"))


def cognito_logout_url(request) -> str:
    """Cognito's hosted-UI logout: ends the Cognito session, then returns to the admin login page.

    ``logout_uri`` must be one of the app client's allowed sign-out URLs.
    """
    if not (signed_in_with_oidc(request) and settings.OIDC_OP_LOGOUT_ENDPOINT):
        return reverse("admin:login")
    query = urlencode({"client_id": settings.OIDC_RP_CLIENT_ID, "logout_uri": _after_logout(request)})
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{query}"


def end_session_logout_url(request) -> str:
    """OpenID Connect RP-initiated logout (``end_session_endpoint``), for standard providers."""
    if not (signed_in_with_oidc(request) and settings.OIDC_OP_LOGOUT_ENDPOINT):
        return reverse("admin:login")
    params = {"client_id": settings.OIDC_RP_CLIENT_ID, "post_logout_redirect_uri": _after_logout(request)}
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{urlencode(params)}"
