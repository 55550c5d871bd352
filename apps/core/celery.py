"""Celery pieces shared by every app: the worker's consumer and the visibility-timeout rule.

SQS hands a received message to another consumer once its visibility timeout expires. So every
limit that can keep a message in flight (task time limits, retry delays, countdowns, leases) must
stay below that timeout, or a slow task would run twice at once. ``timing_problems`` lists the
violations; it runs as a Django system check and when a worker starts, which then refuses to run.
"""

import functools
import logging
import time
from collections.abc import Callable

from celery import Task as BaseTask
from celery import shared_task
from celery.worker.consumer import Consumer as BaseConsumer
from django.conf import settings
from django.core import checks
from django.utils.module_loading import autodiscover_modules

from apps.core.context import use_context

logger = logging.getLogger(__name__)


class Task(BaseTask):
    """Every task of the project. Its retry delay comes from settings (Celery's own default is
    180 s, hard-coded), so the visibility-timeout check can hold it below the queue's timeout."""

    default_retry_delay = None
    from_config = (*BaseTask.from_config, ("default_retry_delay", "task_default_retry_delay"))


def worker_task(name: str, **options) -> Callable[[Callable], BaseTask]:
    """A task that runs as the worker: what it writes is audited with source "worker", not a user.

    The tasks are thin (one service call each); this keeps the context they run in the same for all
    of them, instead of a ``with use_context(...)`` repeated in every body. Results are not stored.
    """

    def decorate(func: Callable) -> BaseTask:
        @functools.wraps(func)
        def run(*args, **kwargs):
            with use_context(source="worker"):
                return func(*args, **kwargs)

        return shared_task(name=name, ignore_result=True, **options)(run)

    return decorate


def sqs_message_id(message) -> str:
    info = getattr(message, "delivery_info", None) or {}
    sqs_message = info.get("sqs_message") or {}
    return sqs_message.get("MessageId") or str((getattr(message, "headers", None) or {}).get("id", "?"))


class Consumer(BaseConsumer):
    """Celery's consumer, but a message it cannot decode is rejected, not acknowledged.

    Celery acknowledges (deletes) undecodable messages to avoid loops; on SQS with a redrive policy a
    rejected message is instead received again until its receive count sends it to the dead-letter
    queue, where someone can look at it. Every malformed message is logged with its SQS id.
    """

    def on_decode_error(self, message, exc):
        logger.error(
            "malformed message %s on %s rejected: %s",
            sqs_message_id(message),
            (message.delivery_info or {}).get("routing_key", "?"),
            exc,
        )
        message.reject_log_error(logger, self.connection_errors)

    def on_unknown_message(self, body, message):
        logger.error("unknown message %s rejected (not a Celery task message)", sqs_message_id(message))
        return super().on_unknown_message(body, message)

    def on_unknown_task(self, body, message, exc):
        logger.error("message %s names an unknown task; rejected", sqs_message_id(message))
        return super().on_unknown_task(body, message, exc)

    def on_invalid_task(self, body, message, exc):
        logger.error("invalid task message %s rejected: %s", sqs_message_id(message), exc)
        return super().on_invalid_task(body, message, exc)


_APP_LIMITS: dict[str, Callable[[], float]] = {}


def register_limit(label: str, getter: Callable[[], float]) -> None:
    """An app's own delay or lease (read from its settings when checked) that must stay below the
    visibility timeout; apps call this from ``AppConfig.ready``."""
    _APP_LIMITS[label] = getter


def timing_problems() -> list[str]:
    """Every delay or limit that reaches the SQS visibility timeout, as readable sentences."""
    from config.celery_app import app

    limit = settings.SQS_VISIBILITY_TIMEOUT
    values: dict[str, float | None] = {
        "CELERY_TASK_TIME_LIMIT": settings.CELERY_TASK_TIME_LIMIT,
        "CELERY_TASK_SOFT_TIME_LIMIT": settings.CELERY_TASK_SOFT_TIME_LIMIT,
        "CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT": settings.CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT,
        **{label: getter() for label, getter in _APP_LIMITS.items()},
    }
    autodiscover_modules("tasks")  # every app's tasks.py, so their limits are checked too
    for name, task in sorted(app.tasks.items()):
        if name.startswith("celery."):
            continue
        for attr in ("time_limit", "soft_time_limit", "default_retry_delay", "retry_backoff_max"):
            value = getattr(task, attr, None)
            if attr == "retry_backoff_max" and not getattr(task, "retry_backoff", False):
                continue
            values[f"task {name}.{attr}"] = value
    problems = []
    if settings.CELERY_TASK_TIME_LIMIT is None:
        problems.append("CELERY_TASK_TIME_LIMIT must be set (below the SQS visibility timeout).")
    for label, value in values.items():
        if value is not None and value >= limit:
            problems.append(f"{label} is {value:g} s, not below the SQS visibility timeout of {limit} s.")
    return problems


@checks.register("celery")
def check_celery_timing(app_configs=None, **kwargs):
    return [
        checks.Error(problem, hint="Lower it, or use a periodic task that scans timestamps.", id="core.E101")
        for problem in timing_problems()
    ]


class PublishBreaker:
    """Stops trying to publish for a short while after a failure (a process-local circuit breaker).

    Publishing happens after a commit, on the request's time. While the broker is unreachable every
    attempt would cost its connect timeout and retries; since what is published is also kept in the
    database (outbox rows, pending tracking messages) and re-sent by periodic scans, skipping the
    attempt loses nothing and keeps requests fast during an outage.
    """

    def __init__(self, pause_seconds: float = 5.0):
        self.pause_seconds = pause_seconds
        self._closed_until = 0.0

    def publish(self, send, what: str) -> bool:
        now = time.monotonic()
        if now < self._closed_until:
            logger.info("broker unavailable recently; %s left for the periodic scan", what)
            return False
        try:
            send()
        except Exception:
            self._closed_until = time.monotonic() + self.pause_seconds
            logger.exception("%s not published; the periodic scan will retry", what)
            return False
        return True

    def reset(self) -> None:
        self._closed_until = 0.0


publish_breaker = PublishBreaker()
