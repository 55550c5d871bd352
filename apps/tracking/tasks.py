"""Tracking worker tasks. Thin and idempotent: a message is claimed before it is sent."""

from celery import shared_task

from apps.core.context import use_context
from apps.tracking import services


@shared_task(name="tracking.deliver", ignore_result=True)
def deliver(message_id: int) -> str:
    with use_context(source="worker"):
        return services.tracking_deliver(message_id)


@shared_task(name="tracking.dispatch_due", ignore_result=True)
def dispatch_due() -> int:
    with use_context(source="worker"):
        return services.tracking_dispatch_due()
