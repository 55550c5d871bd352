"""Tracking worker tasks. Thin and idempotent: a message is claimed before it is sent."""

from apps.core.celery import worker_task
from apps.tracking import services


@worker_task("tracking.deliver")
def deliver(message_id: int) -> str:
    return services.tracking_deliver(message_id)


@worker_task("tracking.dispatch_due")
def dispatch_due() -> int:
    return services.tracking_dispatch_due()
