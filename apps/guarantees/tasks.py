"""Periodic jobs of guarantees of payment. Thin: each calls one service, which is idempotent."""

from celery import shared_task

from apps.core.context import use_context
from apps.guarantees import documents, services


@shared_task(name="guarantees.remind_unanswered", ignore_result=True)
def remind_unanswered() -> int:
    with use_context(source="worker"):
        return documents.guarantees_remind_unanswered()


@shared_task(name="guarantees.expire", ignore_result=True)
def expire() -> int:
    with use_context(source="worker"):
        return services.guarantees_expire()
