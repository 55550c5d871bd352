"""Enforcing API clients' usage plans in DRF, and telling clients where they stand.

``UsagePlanThrottle`` is in ``REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]``, so every DRF view runs it
after authentication. It limits only requests whose ``request.auth`` carries a plan (partner API
clients authenticated with token + API key, one plan per client whatever key it uses); operators'
sessions have no plan and are not limited.

A refused request raises DRF's ``Throttled``, which ``apps.core.exceptions`` answers as a 429
problem document with ``Retry-After`` (seconds, rounded up). Its ``code`` says which limit refused:
``throttled`` (rate/burst: retry in about a second) or ``quota_exceeded`` (the month's quota is used
up: retry when the next month starts, UTC).

Every API-client response, admitted or refused, carries the monthly quota's state. A DRF throttle
cannot set response headers, so the decision is stashed on the request and
``UsagePlanHeadersMiddleware`` writes it. The fields (names chosen here; documented for partners):

* ``X-RateLimit-Limit`` - requests allowed in the current calendar month (UTC);
* ``X-RateLimit-Remaining`` - requests left this month after this one;
* ``X-RateLimit-Reset`` - seconds until the monthly quota restarts (delay-seconds, like
  ``Retry-After``, so it does not depend on the client's clock);
* the same in the IETF draft's structured fields (draft-ietf-httpapi-ratelimit-headers-08), for
  clients that already read them: ``RateLimit-Policy: "monthly";q=<limit>;w=<month length>`` and
  ``RateLimit: "monthly";r=<remaining>;t=<reset>``.

The bucket (rate, burst) is not advertised beyond ``Retry-After`` on a 429: with a token bucket the
next admission time changes continuously and a partner's plan states it anyway.
"""

from __future__ import annotations

import time

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, Throttled
from rest_framework.throttling import BaseThrottle

from apps.clients.usage import REASON_QUOTA, Decision, Plan, UsagePlanStoreUnavailable, month_window, record_request

# Where the decision waits for the response, on Django's HttpRequest (the middleware's view of it).
REQUEST_ATTRIBUTE = "usage_plan_decision"
# While the shared store is down and the policy is to fail closed, clients are told to come back soon.
STORE_UNAVAILABLE_RETRY_SECONDS = 5


class QuotaExceeded(Throttled):
    default_detail = _("The monthly request quota of this API client is used up.")
    default_code = "quota_exceeded"


class UsagePlanUnavailable(APIException):
    """503 while the shared usage-plan store is down and ``USAGE_PLAN_ON_REDIS_ERROR = "closed"``."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The service is temporarily unavailable; retry shortly.")
    default_code = "service_unavailable"
    wait = STORE_UNAVAILABLE_RETRY_SECONDS


def plan_for(auth) -> tuple[str, Plan] | None:
    """Who holds the plan and the plan itself, for an authenticated API client; ``None`` for anyone else.

    The API-client authentication sets ``request.auth`` to an object with ``plan_holder`` (the API
    client: all its keys share one bucket and one monthly quota), ``rate``, ``burst`` and
    ``monthly_quota``; a session (operator) has no ``request.auth`` at all. Objects without a
    ``plan_holder`` (stand-ins in tests) are counted by their ``api_key_id``.
    """
    key_id = getattr(auth, "plan_holder", None) or getattr(auth, "api_key_id", None)
    if auth is None or not key_id:
        return None
    try:
        plan = Plan(rate=float(auth.rate), burst=int(auth.burst), monthly_quota=int(auth.monthly_quota))
    except AttributeError:
        return None
    return str(key_id), plan


class UsagePlanThrottle(BaseThrottle):
    """Rate, burst and monthly quota of the calling API client, shared by every worker and container.

    Run right after authentication, before the permission checks (``apps.core.api.UsageFirstMixin``),
    so a call refused with 403 counts like any other.
    """

    def allow_request(self, request, view) -> bool:
        found = plan_for(request.auth)
        if found is None:
            return True
        key_id, plan = found
        try:
            decision = record_request(key_id=key_id, plan=plan)
        except UsagePlanStoreUnavailable:
            raise UsagePlanUnavailable from None
        setattr(getattr(request, "_request", request), REQUEST_ATTRIBUTE, decision)
        if decision.allowed:
            return True
        # Raised here rather than returning False, so the 429 says which limit refused the request.
        if decision.reason == REASON_QUOTA:
            raise QuotaExceeded(wait=decision.retry_after)
        raise Throttled(wait=decision.retry_after)


def usage_headers(decision: Decision) -> dict[str, str]:
    """The response header fields describing the monthly quota after ``decision``."""
    if decision.remaining is None:  # nothing known (shared store down, fail-open policy)
        return {}
    # The month that ends when the quota resets (its length is informative: 28 to 31 days).
    _month, start, end = month_window(time.time() + decision.reset_after - 1)
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(decision.reset_after),
        "RateLimit-Policy": f'"monthly";q={decision.limit};w={int(end - start)}',
        "RateLimit": f'"monthly";r={decision.remaining};t={decision.reset_after}',
    }


class UsagePlanHeadersMiddleware:
    """Writes the usage-plan fields the throttle left on the request (API-client requests only)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        decision = getattr(request, REQUEST_ATTRIBUTE, None)
        if decision is not None:
            for name, value in usage_headers(decision).items():
                response[name] = value
        return response
