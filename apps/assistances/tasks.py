"""Periodic jobs of the case workflow. Thin: each calls one service, which is idempotent."""

from apps.assistances import services
from apps.assistances.services import dispatch
from apps.core.celery import worker_task


@worker_task("assistances.revert_due_switches")
def revert_due_switches() -> int:
    return services.status_switches_revert_due()


@worker_task("assistances.expire_drafts")
def expire_drafts() -> int:
    return services.drafts_expire()


@worker_task("assistances.flag_sla_breaches")
def flag_sla_breaches() -> int:
    return services.sla_flag_breaches()


@worker_task("assistances.expire_offers")
def expire_offers() -> int:
    """Offers past their time expire and the next provider is offered (the cascade)."""
    return dispatch.offers_expire_due()


@worker_task("assistances.flag_eta_breaches")
def flag_eta_breaches() -> int:
    return dispatch.eta_breaches_flag()


@worker_task("assistances.refresh_provider_reliability")
def refresh_provider_reliability() -> int:
    """The search's reliability figures from the last 90 days of offers (hourly)."""
    return dispatch.reliability_refresh()
