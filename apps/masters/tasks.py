"""Masters worker tasks: thin, and idempotent (loading the same rates twice changes nothing)."""

import httpx

from apps.core.celery import worker_task
from apps.masters import exchange_rates


@worker_task("masters.fetch_exchange_rates", autoretry_for=(httpx.TransportError,), retry_backoff=True, max_retries=3)
def fetch_exchange_rates() -> int:
    """Download and upsert the configured rate table; 0 when EXCHANGE_RATES_URL is empty (off)."""
    result = exchange_rates.exchange_rates_fetch()
    return result.total if result is not None else 0
