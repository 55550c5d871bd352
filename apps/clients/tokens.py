"""Verification of Cognito access tokens, as AWS documents it ("Verifying a JSON Web Token").

1. The token is a well-formed JWS signed with RS256 (``alg`` is fixed here, never taken from the
   token: ``none`` and HMAC-with-the-public-key tricks are refused before any key is looked up).
2. The signature verifies with the pool's key named by ``kid`` (see ``jwks.py``).
3. ``exp`` is in the future (with a small leeway for clock skew), ``iat`` not in the future.
4. ``iss`` is the pool: ``https://cognito-idp.<region>.amazonaws.com/<user pool id>``.
5. ``token_use`` is ``access`` (an ID token is not a credential for the API).
6. ``client_id`` names the app client (checked against the API clients by the caller).

``COGNITO_ISSUER`` replaces the issuer (local work: the local issuer of ``local_issuer.py``),
``COGNITO_JWKS_URL`` where its keys are fetched (default ``<issuer>/.well-known/jwks.json``).
"""

import re
from dataclasses import dataclass

import jwt
from django.conf import settings

from apps.clients.jwks import JwksUnavailable, UnknownKeyId, key_set
from apps.clients.scopes import parse_scope_claim

ALGORITHM = "RS256"
LEEWAY_SECONDS = 30
MAX_TOKEN_LENGTH = 8192  # Cognito access tokens are 1-2 KB
MAX_CLAIM_LENGTH = 256
# Three base64url segments (the signature may not be empty: unsigned tokens are never accepted).
_JWS_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")

__all__ = [
    "InvalidToken",
    "IssuerNotConfigured",
    "JwksUnavailable",
    "TokenExpired",
    "VerifiedToken",
    "verify_access_token",
]


class InvalidToken(Exception):
    """The token is not a valid access token of the pool. ``reason`` is for the server's log only."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TokenExpired(InvalidToken):
    """A genuine token past its ``exp``: the client should get a new one."""


class IssuerNotConfigured(InvalidToken):
    """Neither ``COGNITO_USER_POOL_ID`` nor ``COGNITO_ISSUER`` is set: no token can be accepted."""


@dataclass(frozen=True)
class VerifiedToken:
    client_id: str
    scopes: frozenset[str]
    token_id: str
    claims: dict


def configured_issuer() -> str:
    if settings.COGNITO_ISSUER:
        return settings.COGNITO_ISSUER.rstrip("/")
    if settings.COGNITO_USER_POOL_ID:
        return f"https://cognito-idp.{settings.AWS_REGION}.amazonaws.com/{settings.COGNITO_USER_POOL_ID}"
    return ""


def configured_jwks_url(issuer: str) -> str:
    return settings.COGNITO_JWKS_URL or f"{issuer}/.well-known/jwks.json"


def _short_string(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_CLAIM_LENGTH and value.isprintable()


def verify_access_token(token: str) -> VerifiedToken:
    """The token's client and scopes, or ``InvalidToken`` / ``TokenExpired``.

    Raises ``JwksUnavailable`` when the issuer's keys cannot be obtained at all (a 503, not the
    caller's fault).
    """
    issuer = configured_issuer()
    if not issuer:
        raise IssuerNotConfigured("no token issuer configured (COGNITO_USER_POOL_ID or COGNITO_ISSUER)")
    if len(token) > MAX_TOKEN_LENGTH or not _JWS_SHAPE.fullmatch(token):
        raise InvalidToken("not a JWS compact serialization")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"unreadable header: {exc}") from None
    if header.get("alg") != ALGORITHM:
        raise InvalidToken(f"algorithm {header.get('alg')!r} refused")
    kid = header.get("kid")
    if not _short_string(kid):
        raise InvalidToken("no usable kid")
    try:
        key = key_set(configured_jwks_url(issuer), max_age=settings.COGNITO_JWKS_CACHE_SECONDS).key_for(kid)
    except UnknownKeyId:
        raise InvalidToken("unknown kid") from None
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            # Access tokens carry no audience; the app client is in client_id, checked below.
            options={"require": ["exp", "iat", "iss", "token_use", "client_id"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise TokenExpired("expired") from None
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"{type(exc).__name__}: {exc}") from None
    if claims.get("token_use") != "access":
        raise InvalidToken(f"token_use {claims.get('token_use')!r}")
    client_id = claims.get("client_id")
    if not _short_string(client_id):
        raise InvalidToken("no usable client_id")
    token_id = claims.get("jti") if _short_string(claims.get("jti")) else ""
    return VerifiedToken(
        client_id=client_id, scopes=parse_scope_claim(claims.get("scope")), token_id=token_id, claims=claims
    )
