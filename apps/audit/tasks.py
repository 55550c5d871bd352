"""Audit worker tasks. Thin: each calls one idempotent service (SQS delivers at least once)."""

from celery import shared_task

from apps.audit import services
from apps.core.celery import worker_task


@shared_task(name="audit.write_entry", ignore_result=True)
def write_entry(message: dict) -> bool:
    # An invalid message raises: the worker rejects it without deleting it, so after the queue's
    # receive count SQS moves it to the dead-letter queue.
    return services.audit_write_entry(message)


@worker_task("audit.sweep_outbox")
def sweep_outbox() -> int:
    return services.audit_sweep_outbox()
