"""Periodic jobs of guarantees of payment. Thin: each calls one service, which is idempotent."""

from apps.core.celery import worker_task
from apps.guarantees import documents, services


@worker_task("guarantees.remind_unanswered")
def remind_unanswered() -> int:
    return documents.guarantees_remind_unanswered()


@worker_task("guarantees.expire")
def expire() -> int:
    return services.guarantees_expire()
