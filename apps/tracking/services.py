"""MOK tracking: recording messages with the change they report, and delivering them.

The seed ran a Step Functions machine per message: Choice (source is MOK) → TrackingMok (POST to
MOK) → SnsNotification. Here ``tracking_record`` writes the message in the change's transaction
and queues its delivery after commit; ``tracking_deliver`` does the POST, then the SNS publish,
keeping state, attempts, last error and response code on the row. Failed attempts are retried by
the periodic ``tracking_dispatch_due`` scan (backoff as timestamps, never long ETAs), and a message
that keeps failing is marked failed and kept, for an operator to retry from the admin.
"""

import functools
import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta

import boto3
import requests
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.core.celery import publish_breaker
from apps.core.services import run_after_commit
from apps.masters.selectors import source_receives_tracking
from apps.tracking.models import AttemptKind, DeliveryState, TrackingAttempt, TrackingMessage

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Bigtree-Signature"
MESSAGE_ID_HEADER = "X-Bigtree-Message-Id"
# A 4xx answer means MOK refuses this message as it is: retrying cannot help. These few can.
RETRYABLE_CLIENT_ERRORS = {408, 425, 429}


def tracking_record(*, event, action: str, payload: dict) -> TrackingMessage | None:
    """Record a pending message for ``event`` if its source is tracked; call inside the change's transaction.

    The seed's Step Functions Choice state, now the source's ``receives_tracking`` in the catalog: one
    lookup by code, only on the writes that report to MOK (notes, provider services), never on opening.
    """
    if not source_receives_tracking(event.source_code):
        return None
    body = {
        "action": action,
        "event_code": event.code,
        "external_reference": event.external_reference,
        **payload,
    }
    message = TrackingMessage.objects.create(event=event, action=action, payload=body, next_attempt_at=timezone.now())
    run_after_commit(lambda: tracking_enqueue(message.pk))
    return message


def tracking_enqueue(message_id: int) -> None:
    """Queue one delivery. A failure is only logged: the periodic scan picks the message up."""
    from apps.tracking.tasks import deliver

    publish_breaker.publish(
        lambda: deliver.apply_async(args=[message_id], retry_policy=settings.AUDIT_PUBLISH_RETRY_POLICY),
        f"tracking message {message_id}",
    )


def lease_seconds() -> float:
    # Long enough for the POST (its timeout) and the SNS publish; below the SQS visibility timeout.
    return settings.MOK_TRACKING_TIMEOUT_SECONDS * 3


def retry_delay(attempts: int) -> float:
    """Exponential backoff, capped below the SQS visibility timeout."""
    return min(settings.TRACKING_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0)), settings.TRACKING_RETRY_MAX_SECONDS)


def sign(body: bytes, timestamp: int, secret: str) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``: MOK recomputes it to trust the message."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _claim(message_id: int) -> TrackingMessage | None:
    """Take the message for this worker if it is pending and due; None if someone else has it."""
    now = timezone.now()
    claimed = (
        TrackingMessage.objects.filter(pk=message_id, state=DeliveryState.PENDING)
        .filter(models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + timedelta(seconds=lease_seconds()))
    )
    if not claimed:
        return None
    return TrackingMessage.objects.select_related("event").get(pk=message_id)


def _post_to_mok(message: TrackingMessage) -> tuple[int | None, str]:
    """POST the message; (status code or None, error text or ""). The attempt is recorded."""
    started, at = time.monotonic(), timezone.now()
    code, error = _post(message)
    _record_attempt(message, kind=AttemptKind.POST, at=at, started=started, code=code, error=error)
    return code, error


def _record_attempt(message: TrackingMessage, *, kind: str, at, started: float, code, error: str) -> None:
    TrackingAttempt.objects.create(
        message=message,
        number=message.attempts + 1,
        kind=kind,
        attempted_at=at,
        status_code=code,
        error=error[:2000],
        duration_ms=max(int((time.monotonic() - started) * 1000), 0),
    )


def _post(message: TrackingMessage) -> tuple[int | None, str]:
    body = json.dumps(message.payload, separators=(",", ":"), sort_keys=True, default=str).encode()
    headers = {
        "Content-Type": "application/json",
        MESSAGE_ID_HEADER: str(message.pk),  # lets MOK drop a repeated delivery
        SIGNATURE_HEADER: sign(body, int(time.time()), settings.MOK_TRACKING_SECRET),
    }
    try:
        response = requests.post(
            settings.MOK_TRACKING_URL,
            data=body,
            headers=headers,
            timeout=settings.MOK_TRACKING_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:2000]
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code}: {response.text[:500]}"


@functools.lru_cache(maxsize=4)
def _sns_client(region: str, endpoint: str | None):
    # One client per process (building one costs milliseconds); keyed by the endpoint too, so a
    # change of settings.AWS_ENDPOINT_URL (a stand-in such as moto in tests) gets its own client.
    return boto3.client("sns", region_name=region, endpoint_url=endpoint or None)


def notification_publish(*, subject: str, body: dict, attributes: dict[str, str]) -> None:
    """One message on the notification topic (SNS_NOTIFICATION_TOPIC_ARN); raises what boto3 raises.
    Shared by every notice to partners (tracking, claims' bordereaux), so they read alike."""
    _sns_client(settings.AWS_REGION, settings.AWS_ENDPOINT_URL).publish(
        TopicArn=settings.SNS_NOTIFICATION_TOPIC_ARN,
        Subject=subject[:100],
        Message=json.dumps(body),
        MessageAttributes={name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()},
    )


def _publish(message: TrackingMessage, *, subject: str, details: dict, **attributes: str) -> None:
    """One SNS notification about ``message`` on the notification topic (raises what boto3 raises)."""
    body = {"tracking_message_id": message.pk, "event_code": message.event.code, "action": message.action, **details}
    notification_publish(subject=subject, body=body, attributes={"action": message.action, **attributes})


def _notify(message: TrackingMessage) -> None:
    """Publish the seed's SnsNotification for a delivered message."""
    delivered_at = message.delivered_at.isoformat() if message.delivered_at else None
    _publish(
        message,
        subject=f"Tracking {message.action}",
        details={"response_code": message.response_code, "delivered_at": delivered_at},
    )


def tracking_deliver(message_id: int) -> str:
    """One delivery attempt; returns the message's state afterwards ("skipped" if not ours to send)."""
    if not settings.MOK_TRACKING_URL:
        logger.info("MOK_TRACKING_URL is not set; tracking message %s stays pending", message_id)
        return "skipped"
    message = _claim(message_id)
    if message is None:
        return "skipped"
    if not source_receives_tracking(message.event.source_code):  # the Choice state, checked again at delivery
        _finish(message, state=DeliveryState.FAILED, last_error="case source is not tracked")
        return DeliveryState.FAILED

    attempts = message.attempts + 1
    if message.delivered_at is None:
        code, error = _post_to_mok(message)
        if error:
            permanent = code is not None and 400 <= code < 500 and code not in RETRYABLE_CLIENT_ERRORS
            return _failed_attempt(message, attempts, code, error, permanent=permanent)
        message.delivered_at = timezone.now()
        message.response_code = code
    if settings.SNS_NOTIFICATION_TOPIC_ARN:
        started, at = time.monotonic(), timezone.now()
        try:
            _notify(message)
        except Exception as exc:  # noqa: BLE001 - any SNS failure is retried like a failed POST
            error = f"SNS: {type(exc).__name__}: {exc}"
            _record_attempt(message, kind=AttemptKind.NOTIFY, at=at, started=started, code=None, error=error)
            return _failed_attempt(message, attempts, message.response_code, error)
        _record_attempt(message, kind=AttemptKind.NOTIFY, at=at, started=started, code=None, error="")
        message.notified_at = timezone.now()
    _finish(
        message,
        state=DeliveryState.DELIVERED,
        attempts=attempts,
        last_error="",
        delivered_at=message.delivered_at,
        response_code=message.response_code,
        notified_at=message.notified_at,
    )
    return DeliveryState.DELIVERED


def _failed_attempt(message, attempts: int, code, error: str, *, permanent: bool = False) -> str:
    give_up = permanent or attempts >= settings.TRACKING_MAX_ATTEMPTS
    state = DeliveryState.FAILED if give_up else DeliveryState.PENDING
    logger.warning(
        "tracking message %s attempt %d failed (%s)%s", message.pk, attempts, error, "; gave up" if give_up else ""
    )
    _finish(
        message,
        state=state,
        attempts=attempts,
        last_error=error,
        response_code=code,
        delivered_at=message.delivered_at,
        next_attempt_at=None if give_up else timezone.now() + timedelta(seconds=retry_delay(attempts)),
    )
    if give_up:
        _announce_failure(message, attempts=attempts, code=code, error=error)
    return state


# The log line the "tracking-failed" CloudWatch metric filter counts (terraform/modules/ecs/alarms.tf):
# keep the text and the ``event`` field as they are.
FAILURE_LOG_MESSAGE = "tracking delivery failed permanently"
FAILURE_SUBJECT = "MOK tracking delivery FAILED"


def _announce_failure(message: TrackingMessage, *, attempts: int, code, error: str) -> None:
    """A message given up on is loud: an ERROR log line (counted by a CloudWatch alarm) and its own
    SNS notification, so someone retries it from the admin once MOK is fixed."""
    logger.error(
        FAILURE_LOG_MESSAGE,
        extra={
            "event": "tracking_delivery_failed",
            "tracking_message_id": message.pk,
            "case": message.event.code,
            "action": message.action,
            "attempts": attempts,
            "response_code": code,
            "error": error[:500],
        },
    )
    if not settings.SNS_NOTIFICATION_TOPIC_ARN:
        return
    try:
        _publish(
            message,
            subject=f"{FAILURE_SUBJECT}: {message.action} {message.event.code}",
            details={
                "attempts": attempts,
                "response_code": code,
                "error": error[:500],
                "retry": "Admin > Tracking messages > retry delivery",
            },
            event="tracking_delivery_failed",
        )
    except Exception:
        logger.warning("could not publish the failure notification of tracking message %s", message.pk, exc_info=True)


def _finish(message: TrackingMessage, **fields) -> None:
    fields.setdefault("next_attempt_at", None)
    fields["updated_at"] = timezone.now()
    TrackingMessage.objects.filter(pk=message.pk).update(**fields)


def tracking_dispatch_due(*, limit: int = 500) -> int:
    """Queue every pending message whose next attempt is due (the periodic scan); returns the count."""
    if not settings.MOK_TRACKING_URL:
        return 0
    due = list(
        TrackingMessage.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        tracking_enqueue(pk)
    return len(due)


def tracking_retry(*, messages, actor=None) -> int:
    """Put failed messages back to pending, due now (the admin's retry action); returns the count."""
    from apps.assistances.selectors import event_codes

    with transaction.atomic():
        rows = list(
            messages.filter(state=DeliveryState.FAILED).select_for_update().values_list("pk", "attempts", "event_id")
        )
        codes = event_codes(ids={event_id for _, _, event_id in rows})
        now = timezone.now()
        for pk, attempts, event_id in rows:
            TrackingMessage.objects.filter(pk=pk).update(
                state=DeliveryState.PENDING, attempts=0, next_attempt_at=now, updated_at=now
            )
            audit_record(
                action=AuditAction.UPDATE,
                object_type=TrackingMessage._meta.label_lower,
                object_id=pk,
                object_repr=f"tracking message #{pk}",
                changes={"state": [DeliveryState.FAILED, DeliveryState.PENDING], "attempts": [attempts, 0]},
                actor=actor,
                case_reference=codes.get(event_id, ""),
            )
            run_after_commit(lambda pk=pk: tracking_enqueue(pk))
    return len(rows)
