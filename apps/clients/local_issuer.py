"""A stand-in for the Cognito token endpoint when running locally (``make run``), never in production.

The key pair lives in ``settings.LOCAL_TOKEN_KEY_PATH`` (under the ignored ``var/``; created on
first use, readable by the owner only). ``mint_local_token`` signs access tokens shaped like
Cognito's client-credentials tokens with it, and the public half is served as a JWKS at
``/local-cognito/.well-known/jwks.json``; with ``COGNITO_ISSUER`` pointing at
``http://<host>:<port>/local-cognito``, the API verifies these tokens with the very code that
verifies Cognito's (fetching the JWKS over HTTP).
"""

import base64
import hashlib
import json
import os
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.http import Http404, JsonResponse
from jwt.algorithms import RSAAlgorithm

JWKS_PATH = "local-cognito/.well-known/jwks.json"


def enabled() -> bool:
    return bool(settings.DEBUG and getattr(settings, "LOCAL_TOKEN_KEY_PATH", None) and settings.COGNITO_ISSUER)


def _load_or_create(path: Path) -> rsa.RSAPrivateKey:
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: use theirs
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return key


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_jwk(key: rsa.RSAPrivateKey) -> dict:
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    # kid: the RFC 7638 thumbprint, so a new key pair gets a new kid by construction.
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    return {**jwk, "kid": _b64url(hashlib.sha256(canonical.encode()).digest()), "alg": "RS256", "use": "sig"}


def local_key() -> rsa.RSAPrivateKey:
    return _load_or_create(settings.LOCAL_TOKEN_KEY_PATH)


def mint(*, client_id: str, scopes: list[str], lifetime: int = 3600, user_claims: dict | None = None) -> str:
    """An access token as Cognito issues for client credentials, signed with the local key; with
    ``user_claims`` (``sub``, ``cognito:groups``), a user's, as the operators' front end gets at sign-in."""
    key = local_key()
    now = int(time.time())
    claims = {
        "sub": client_id,
        "token_use": "access",  # nosec B105  # a JWT claim's value, not a password
        "scope": " ".join(scopes),
        "auth_time": now,
        "iss": settings.COGNITO_ISSUER.rstrip("/"),
        "exp": now + lifetime,
        "iat": now,
        "version": 2,
        "jti": str(uuid.uuid4()),
        "client_id": client_id,
        **(user_claims or {}),
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": public_jwk(key)["kid"]})


def jwks_view(request):
    """The local issuer's JWKS (404 unless the local issuer is enabled)."""
    if not enabled():
        raise Http404
    return JsonResponse({"keys": [public_jwk(local_key())]})
