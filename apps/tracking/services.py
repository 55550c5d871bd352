"""Recording tracking messages. Delivery is the background-work issue's job (Celery on SQS)."""

from apps.tracking.models import TrackingMessage

# The seed's Step Functions Choice state: only cases of this source are tracked.
TRACKED_SOURCE = "MOK"


def tracking_record(*, event, action: str, payload: dict) -> TrackingMessage | None:
    """Record a pending message for ``event`` if its source is tracked; call inside the change's transaction."""
    if event.source_code != TRACKED_SOURCE:
        return None
    body = {
        "action": action,
        "event_code": event.code,
        "external_reference": event.external_reference,
        **payload,
    }
    return TrackingMessage.objects.create(event=event, action=action, payload=body)
