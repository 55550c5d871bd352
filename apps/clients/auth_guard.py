"""Failed partner authentication is limited per client address, so keys and tokens cannot be guessed fast.

Every refused credential (bad or expired token, missing or wrong API key) takes one token from a
bucket of the caller's IP address, kept in the same store as the usage plans (Redis, shared by every
worker and container; in-process without ``REDIS_URL``). Before any credential is checked, an
address whose bucket is empty is answered 429 with ``Retry-After``, whatever it sends: a correct
guess and a wrong one look the same until the bucket refills, so guessing runs at the refill rate
at most (``AUTH_FAILURE_RATE`` per second after a burst of ``AUTH_FAILURE_BURST``).

Behind the ALB the client's address is the last entry the balancer appends to ``X-Forwarded-For``
(``TRUSTED_PROXY_COUNT`` proxies are trusted; 0 locally, where ``REMOTE_ADDR`` is the client).
"""

import logging

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import Throttled

from apps.clients.usage import Plan, UsagePlanStoreUnavailable, record_request, would_admit

logger = logging.getLogger(__name__)

# No monthly cap on failures: the bucket alone limits them (a quota would lock an address out for a month).
_UNLIMITED_MONTH = 10**12


class TooManyFailedAttempts(Throttled):
    default_detail = _("Too many failed authentication attempts from this address; retry later.")
    default_code = "too_many_failed_attempts"


def client_address(request) -> str:
    """The caller's IP address: the trusted proxies' entry of ``X-Forwarded-For``, else the peer."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key_and_plan(request) -> tuple[str, Plan]:
    plan = Plan(rate=settings.AUTH_FAILURE_RATE, burst=settings.AUTH_FAILURE_BURST, monthly_quota=_UNLIMITED_MONTH)
    return f"authfail:{client_address(request)}", plan


def refuse_if_locked_out(request) -> None:
    """429 before checking anything, when this address has used up its failed attempts."""
    key, plan = _key_and_plan(request)
    try:
        decision = would_admit(key_id=key, plan=plan)
    except UsagePlanStoreUnavailable:
        return  # the store is down and the policy is "closed": failures cannot be counted either
    if not decision.allowed:
        raise TooManyFailedAttempts(wait=decision.retry_after)


def record_failure(request) -> None:
    key, plan = _key_and_plan(request)
    try:
        record_request(key_id=key, plan=plan)
    except UsagePlanStoreUnavailable:
        logger.warning("failed authentication not counted: the usage-plan store is unavailable")
