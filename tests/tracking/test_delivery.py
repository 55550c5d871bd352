"""Tracking delivery in-process (eager tasks) against the loopback MOK stand-in and moto's SNS."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.assistances.services import note_create
from apps.masters.models import Source
from apps.tracking import services
from apps.tracking.models import DeliveryState, TrackingMessage
from tests.assistances.factories import covered_case
from tests.workers.harness import MokEndpoint
from tests.workers.test_tracking_delivery import SECRET, verify_signature

pytestmark = pytest.mark.django_db


@pytest.fixture
def mok(settings):
    endpoint = MokEndpoint()
    settings.MOK_TRACKING_URL = endpoint.url
    settings.MOK_TRACKING_SECRET = SECRET
    settings.SNS_NOTIFICATION_TOPIC_ARN = ""
    yield endpoint
    endpoint.close()


@pytest.fixture
def sns_topic(aws, settings):
    settings.AWS_ENDPOINT_URL = aws.endpoint
    settings.SNS_NOTIFICATION_TOPIC_ARN = aws.client("sns").create_topic(Name="t")["TopicArn"]
    return settings.SNS_NOTIFICATION_TOPIC_ARN


def mok_note(operator, body="Update") -> TrackingMessage:
    event = covered_case(source="MOK")
    note_create(event=event, body=body, visibility="shared", actor=operator)
    return TrackingMessage.objects.get(event=event)


def test_delivered_signed_then_notified(mok, sns_topic, operator):
    message = mok_note(operator)
    message.refresh_from_db()
    assert message.state == DeliveryState.DELIVERED
    assert (message.attempts, message.response_code) == (1, 200)
    assert message.delivered_at and message.notified_at
    assert verify_signature(mok.received[0])


def test_without_a_configured_url_messages_wait(settings, operator):
    settings.MOK_TRACKING_URL = ""
    message = mok_note(operator)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (DeliveryState.PENDING, 0)
    assert services.tracking_dispatch_due() == 0


def test_server_errors_back_off_then_give_up(mok, operator, settings):
    mok.fail_with = 503
    message = mok_note(operator)
    message.refresh_from_db()
    assert (message.state, message.attempts, message.response_code) == (DeliveryState.PENDING, 1, 503)
    first_wait = (message.next_attempt_at - timezone.now()).total_seconds()
    assert 0 < first_wait <= settings.TRACKING_RETRY_BASE_SECONDS
    # Not due yet: a delivery attempt now is skipped.
    assert services.tracking_deliver(message.pk) == "skipped"
    for _attempt in range(2, settings.TRACKING_MAX_ATTEMPTS + 1):
        TrackingMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        services.tracking_deliver(message.pk)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (DeliveryState.FAILED, settings.TRACKING_MAX_ATTEMPTS)
    assert message.next_attempt_at is None and "HTTP 503" in message.last_error
    assert len(mok.received) == settings.TRACKING_MAX_ATTEMPTS


def test_backoff_grows_and_stays_under_the_visibility_timeout(settings):
    delays = [services.retry_delay(n) for n in range(1, 12)]
    assert delays == sorted(delays) and delays[0] == settings.TRACKING_RETRY_BASE_SECONDS
    assert max(delays) == settings.TRACKING_RETRY_MAX_SECONDS < settings.SQS_VISIBILITY_TIMEOUT


@pytest.mark.parametrize(
    "code, state", [(422, DeliveryState.FAILED), (400, DeliveryState.FAILED), (429, DeliveryState.PENDING)]
)
def test_client_errors_are_permanent_except_rate_limits(mok, operator, code, state):
    mok.fail_with = code
    message = mok_note(operator)
    message.refresh_from_db()
    assert (message.state, message.response_code, message.attempts) == (state, code, 1)


def test_timeout_is_recorded_as_the_error(mok, operator, settings):
    mok.delay = settings.MOK_TRACKING_TIMEOUT_SECONDS + 0.5
    message = mok_note(operator)
    message.refresh_from_db()
    assert message.state == DeliveryState.PENDING and "Timeout" in message.last_error
    assert message.response_code is None


def test_sns_failure_retries_the_notification_only(mok, operator, settings, aws):
    settings.AWS_ENDPOINT_URL = aws.endpoint
    settings.SNS_NOTIFICATION_TOPIC_ARN = "arn:aws:sns:us-east-2:123456789012:missing-topic"
    message = mok_note(operator)
    message.refresh_from_db()
    assert message.state == DeliveryState.PENDING and message.delivered_at is not None
    assert message.last_error.startswith("SNS:")
    settings.SNS_NOTIFICATION_TOPIC_ARN = aws.client("sns").create_topic(Name="back")["TopicArn"]
    TrackingMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert services.tracking_dispatch_due() == 1
    message.refresh_from_db()
    assert message.state == DeliveryState.DELIVERED and message.notified_at
    assert len(mok.received) == 1  # MOK was not called a second time


def test_dispatch_picks_only_due_pending_messages(mok, operator):
    mok.fail_with = 503
    due, later = mok_note(operator, "a"), mok_note(operator, "b")
    TrackingMessage.objects.filter(pk=due.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    TrackingMessage.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    mok.fail_with = None
    assert services.tracking_dispatch_due() == 1
    assert TrackingMessage.objects.get(pk=due.pk).state == DeliveryState.DELIVERED
    assert TrackingMessage.objects.get(pk=later.pk).state == DeliveryState.PENDING


def test_non_mok_cases_record_nothing(mok, operator):
    event = covered_case(source="KOM")
    note_create(event=event, body="x", visibility="shared", actor=operator)
    assert not TrackingMessage.objects.filter(event=event).exists()
    assert mok.received == []


def test_tracking_follows_the_sources_receives_tracking(mok, operator):
    Source.objects.filter(code="KOM").update(receives_tracking=True)
    event = covered_case(source="KOM")
    note_create(event=event, body="x", visibility="shared", actor=operator)
    message = TrackingMessage.objects.get(event=event)
    assert message.state == DeliveryState.DELIVERED and len(mok.received) == 1

    Source.objects.filter(code="KOM").update(receives_tracking=False)
    note_create(event=event, body="y", visibility="shared", actor=operator)
    assert TrackingMessage.objects.filter(event=event).count() == 1  # nothing new once the flag is off
    message.state, message.delivered_at = DeliveryState.PENDING, None
    message.save(update_fields=["state", "delivered_at"])
    assert services.tracking_deliver(message.pk) == DeliveryState.FAILED  # checked again at delivery


def test_admin_lists_filters_and_retries(mok, operator, admin_browser):
    mok.fail_with = 422
    message = mok_note(operator)
    assert admin_browser.get("/admin/tracking/trackingmessage/", {"state__exact": "failed"}).status_code == 200
    page = admin_browser.get("/admin/tracking/trackingmessage/", {"action__exact": "NOTE_REGISTER"})
    assert page.status_code == 200 and str(message.event.code) in page.content.decode()
    assert admin_browser.get(f"/admin/tracking/trackingmessage/{message.pk}/change/").status_code == 200
    mok.fail_with = None
    admin_browser.post(
        "/admin/tracking/trackingmessage/", {"action": "retry_delivery", "_selected_action": [message.pk]}
    )
    message.refresh_from_db()
    assert message.state == DeliveryState.DELIVERED and message.attempts == 1
    from apps.audit.models import AuditLog

    assert AuditLog.objects.filter(object_type="tracking.trackingmessage", object_id=str(message.pk)).exists()


def test_operators_cannot_retry(mok, operator, client):
    mok.fail_with = 422
    message = mok_note(operator)
    client.force_login(operator)
    client.post("/admin/tracking/trackingmessage/", {"action": "retry_delivery", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.state == DeliveryState.FAILED


# --- every attempt kept, failures loud ----------------------------------------------------------------


def _observer(aws, topic_arn: str) -> str:
    """An SQS queue subscribed to the topic: what the topic published can be read back."""
    sqs, sns = aws.client("sqs"), aws.client("sns")
    url = sqs.create_queue(QueueName="observer")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "false"})
    return url


def _published(aws, url: str) -> list[dict]:
    import json

    messages = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_every_attempt_is_kept_with_its_outcome_and_duration(mok, operator, settings):
    mok.fail_with = 503
    message = mok_note(operator)
    mok.fail_with = None
    TrackingMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    services.tracking_deliver(message.pk)
    attempts = list(message.attempt_log.order_by("number").values("number", "kind", "status_code", "error"))
    assert [(a["number"], a["kind"], a["status_code"]) for a in attempts] == [(1, "post", 503), (2, "post", 200)]
    assert "HTTP 503" in attempts[0]["error"] and attempts[1]["error"] == ""
    assert all(a.duration_ms >= 0 for a in message.attempt_log.all())


def test_a_message_given_up_on_is_announced_and_logged_for_the_alarm(mok, operator, aws, sns_topic, caplog):
    observer = _observer(aws, sns_topic)
    mok.fail_with = 422  # MOK refuses the message as it is: permanent
    with caplog.at_level("ERROR", logger="apps.tracking.services"):
        message = mok_note(operator)
    message.refresh_from_db()
    assert message.state == DeliveryState.FAILED
    [record] = [r for r in caplog.records if r.getMessage() == services.FAILURE_LOG_MESSAGE]
    assert record.levelname == "ERROR" and record.event == "tracking_delivery_failed"
    assert (record.tracking_message_id, record.response_code) == (message.pk, 422)
    [notification] = _published(aws, observer)
    assert notification["Subject"].startswith(services.FAILURE_SUBJECT)
    assert notification["MessageAttributes"]["event"]["Value"] == "tracking_delivery_failed"
    assert '"response_code": 422' in notification["Message"]


def test_the_admin_shows_the_attempts(mok, operator, admin_browser):
    mok.fail_with = 503
    message = mok_note(operator)
    page = admin_browser.get(f"/admin/tracking/trackingmessage/{message.pk}/change/").content.decode()
    assert "HTTP 503" in page and "503" in page
