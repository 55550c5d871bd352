"""Periodic jobs of the case workflow. Thin: each calls one service, which is idempotent."""

from celery import shared_task

from apps.assistances import services
from apps.assistances.services import dispatch
from apps.core.context import use_context


@shared_task(name="assistances.revert_due_switches", ignore_result=True)
def revert_due_switches() -> int:
    with use_context(source="worker"):
        return services.status_switches_revert_due()


@shared_task(name="assistances.expire_drafts", ignore_result=True)
def expire_drafts() -> int:
    with use_context(source="worker"):
        return services.drafts_expire()


@shared_task(name="assistances.flag_sla_breaches", ignore_result=True)
def flag_sla_breaches() -> int:
    with use_context(source="worker"):
        return services.sla_flag_breaches()


@shared_task(name="assistances.expire_offers", ignore_result=True)
def expire_offers() -> int:
    """Offers past their time expire and the next provider is offered (the cascade)."""
    with use_context(source="worker"):
        return dispatch.offers_expire_due()


@shared_task(name="assistances.flag_eta_breaches", ignore_result=True)
def flag_eta_breaches() -> int:
    with use_context(source="worker"):
        return dispatch.eta_breaches_flag()


@shared_task(name="assistances.refresh_provider_reliability", ignore_result=True)
def refresh_provider_reliability() -> int:
    """The search's reliability figures from the last 90 days of offers (hourly)."""
    with use_context(source="worker"):
        return dispatch.reliability_refresh()
