"""Audit worker tasks. Thin: each calls one idempotent service (SQS delivers at least once)."""

from celery import shared_task

from apps.audit import services
from apps.core.context import use_context


@shared_task(name="audit.write_entry", ignore_result=True)
def write_entry(message: dict) -> bool:
    # An invalid message raises: the worker rejects it without deleting it, so after the queue's
    # receive count SQS moves it to the dead-letter queue.
    return services.audit_write_entry(message)


@shared_task(name="audit.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    with use_context(source="worker"):
        return services.audit_sweep_outbox()
