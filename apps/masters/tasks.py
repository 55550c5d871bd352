"""Masters worker tasks: thin, and idempotent (loading the same rates twice changes nothing)."""

import httpx
from celery import shared_task

from apps.core.context import use_context
from apps.masters import exchange_rates


@shared_task(
    name="masters.fetch_exchange_rates",
    ignore_result=True,
    autoretry_for=(httpx.TransportError,),
    retry_backoff=True,
    max_retries=3,
)
def fetch_exchange_rates() -> int:
    """Download and upsert the configured rate table; 0 when EXCHANGE_RATES_URL is empty (off)."""
    with use_context(source="worker"):
        result = exchange_rates.exchange_rates_fetch()
        return result.total if result is not None else 0
