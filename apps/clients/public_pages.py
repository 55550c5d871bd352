"""What every public page reached by a signed link shares (a provider's guarantee, bill and job
links, the verification page): a per-address limit in the usage plans' store, and headers that keep
the page and its token out of search engines and other sites' logs."""

import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import render

from apps.clients.auth_guard import client_address
from apps.clients.usage import Plan, UsagePlanStoreUnavailable, record_request

logger = logging.getLogger(__name__)


def public_url(path: str, base_url: str | None = None) -> str:
    """An absolute link to a public page, on the public host (``base_url`` when a message names its own)."""
    return (base_url or settings.PUBLIC_BASE_URL).rstrip("/") + path


def link_token(salt: str, **ids: int) -> str:
    """A signed token naming rows by id; the salt makes it good for one kind of link only."""
    return signing.dumps(ids, salt=salt)


def link_ids(token: str, salt: str, *names: str) -> tuple[int, ...] | None:
    """The ids ``names`` of a genuine token of this kind; None for anything else (forged, altered, another kind)."""
    try:
        claims = signing.loads(token, salt=salt)
        return tuple(int(claims[name]) for name in names)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


# The pages are limited per minute only: no monthly quota.
_UNLIMITED_MONTH = 10**12


def private_page(response: HttpResponse) -> HttpResponse:
    """Not indexed, and the signed link in the address never leaves as a Referer."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def too_many_from_address(request, *, bucket: str, per_minute: int, template: str) -> HttpResponse | None:
    """The 429 page (``template``) when this address has used ``per_minute`` of ``bucket``; None to go
    ahead. A store that cannot answer lets the request through, logged (as the failed-login guard)."""
    plan = Plan(rate=per_minute / 60, burst=per_minute, monthly_quota=_UNLIMITED_MONTH)
    try:
        decision = record_request(key_id=f"{bucket}:{client_address(request)}", plan=plan)
    except UsagePlanStoreUnavailable:
        logger.warning("public page not limited: the usage-plan store is unavailable", extra={"bucket": bucket})
        return None
    if decision.allowed:
        return None
    response = private_page(render(request, template, status=429))
    response["Retry-After"] = str(max(1, math.ceil(decision.retry_after)))
    return response


@dataclass(frozen=True)
class LinkActor:
    """A provider acting through a signed link (job, guarantee answer, bill upload): no account; named
    in the history and the audit trail."""

    label: str
    pk = None
    is_authenticated = False
    is_external = True

    def __str__(self) -> str:
        return self.label


def provider_link_actor(provider) -> LinkActor:
    return LinkActor(f"Provider {provider.display_name} (link)"[:255])
