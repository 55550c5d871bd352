"""The token issuer's signing keys (JWKS), fetched over HTTP and cached per process.

Why not ``jwt.PyJWKClient``: once its cached set expires it must refetch before verifying
anything, so an unreachable endpoint fails every request even though the keys it had are still
the pool's; and failed fetches start no cooldown, so during an outage each request waits on the
network again. Here the set is refreshed when it is older than ``max_age`` or a token names an
unknown ``kid``; refreshes are rate-limited (at most one per ``min_interval``, failures included,
so a flood of made-up ``kid``s costs one request upstream); a failed refresh keeps the keys
already known. Only RSA signing keys are kept.
"""

import http.client
import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.error import URLError
from urllib.parse import urlparse

import jwt
from django.core.signals import setting_changed
from django.dispatch import receiver

logger = logging.getLogger(__name__)

MAX_JWKS_BYTES = 256 * 1024  # Cognito's set is ~1 KB; refuse a runaway answer
DEFAULT_MIN_INTERVAL = 30.0
DEFAULT_TIMEOUT = 5.0


class JwksUnavailable(Exception):
    """No key set could be obtained (never fetched successfully): tokens cannot be checked."""


class UnknownKeyId(Exception):
    """The token names a key the issuer does not publish (or not yet: the refresh is rate-limited)."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _download(url: str, timeout: float) -> dict:
    if urlparse(url).scheme not in ("http", "https"):
        raise JwksUnavailable(f"unsupported JWKS URL scheme: {url!r}")
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - scheme checked
    with opener.open(request, timeout=timeout) as response:
        body = response.read(MAX_JWKS_BYTES + 1)
    if len(body) > MAX_JWKS_BYTES:
        raise ValueError("JWKS document too large")
    document = json.loads(body)
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document")
    return document


def _signing_keys(document: dict) -> dict[str, Any]:
    """kid → public key, for the RSA signature keys of a JWKS (others are ignored, one bad key too)."""
    found = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict):
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            continue
        if entry.get("alg", "RS256") != "RS256":
            continue
        try:
            found[kid] = jwt.PyJWK.from_dict(entry, algorithm="RS256").key
        except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
            logger.warning("ignoring an unusable JWKS key", extra={"kid": kid, "error": str(exc)})
    return found


class KeySet:
    """One issuer's keys. Thread-safe; one network fetch at a time."""

    def __init__(
        self,
        url: str,
        *,
        max_age: float,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.max_age = max_age
        self.min_interval = min_interval
        self.timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        self._loaded_at: float | None = None  # last successful fetch
        self._limited_at: float | None = None  # last fetch that counts against the rate limit
        self.fetches = 0  # network attempts, for tests and diagnostics

    def key_for(self, kid: str):
        with self._lock:
            now = self._clock()
            stale = self._loaded_at is None or now - self._loaded_at >= self.max_age
            if kid in self._keys and not stale:
                return self._keys[kid]
            if self._may_fetch(now):
                self._fetch(now)
            if self._loaded_at is None:
                raise JwksUnavailable(self.url)
            key = self._keys.get(kid)
            if key is None:
                raise UnknownKeyId(kid)
            return key

    def _may_fetch(self, now: float) -> bool:
        return self._limited_at is None or now - self._limited_at >= self.min_interval

    def _fetch(self, now: float) -> None:
        first_load = self._loaded_at is None
        self.fetches += 1
        try:
            document = _download(self.url, self.timeout)
            keys = _signing_keys(document)
        except (OSError, URLError, http.client.HTTPException, ValueError, JwksUnavailable) as exc:
            # Keep whatever keys we had: the issuer's keys outlive a network blip.
            self._limited_at = now
            logger.warning("JWKS fetch failed", extra={"jwks_url": self.url, "error": str(exc)})
            return
        self._keys = keys
        self._loaded_at = now
        # The first successful load is not a refresh: a key rotated in right after start-up is
        # still picked up by the next unknown kid. Every later fetch starts the cooldown.
        if not first_load:
            self._limited_at = now
        logger.info("JWKS loaded", extra={"jwks_url": self.url, "kids": sorted(keys)})


_registry: dict[tuple[str, float], KeySet] = {}
_registry_lock = threading.Lock()


def key_set(url: str, *, max_age: float) -> KeySet:
    """The process-wide cache for ``url``."""
    with _registry_lock:
        found = _registry.get((url, max_age))
        if found is None:
            found = _registry[(url, max_age)] = KeySet(url, max_age=max_age)
        return found


def clear_key_sets() -> None:
    with _registry_lock:
        _registry.clear()


@receiver(setting_changed)
def _forget_on_settings_change(sender, setting, **kwargs):
    if setting.startswith("COGNITO_") or setting == "AWS_REGION":
        clear_key_sets()
