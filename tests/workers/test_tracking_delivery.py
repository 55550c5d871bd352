"""MOK tracking with real parts: a celery worker delivers to an HTTP endpoint on loopback, then
publishes to SNS on moto (observed through an SQS queue subscribed to the topic)."""

import hashlib
import hmac
import json

import pytest

from apps.assistances.services import note_create
from apps.tracking.models import DeliveryState, TrackingMessage
from apps.tracking.services import MESSAGE_ID_HEADER, SIGNATURE_HEADER
from apps.tracking.tasks import dispatch_due
from tests.assistances.factories import covered_case
from tests.workers.harness import wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECRET = "test-signing-secret"


def mok_env(endpoint) -> dict:
    return {"MOK_TRACKING_URL": endpoint.url, "MOK_TRACKING_SECRET": SECRET}


def verify_signature(request: dict) -> bool:
    parts = dict(item.split("=", 1) for item in request["headers"][SIGNATURE_HEADER].split(","))
    expected = hmac.new(SECRET.encode(), f"{parts['t']}.".encode() + request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(parts["v1"], expected)


def test_mok_case_note_is_delivered_signed_and_notified(sqs_setup, start_worker, mok_endpoint, operator):
    start_worker(mok_env(mok_endpoint))
    event = covered_case(source="MOK")
    note_create(event=event, body="Traveller reached the hospital", visibility="shared", actor=operator)
    message = TrackingMessage.objects.get(event=event)
    wait_for(
        lambda: TrackingMessage.objects.get(pk=message.pk).state == DeliveryState.DELIVERED, 30, message="delivery"
    )

    message.refresh_from_db()
    assert (message.attempts, message.response_code, message.last_error) == (1, 200, "")
    assert message.delivered_at and message.notified_at
    [request] = mok_endpoint.received
    assert verify_signature(request)
    assert request["headers"][MESSAGE_ID_HEADER] == str(message.pk)
    body = json.loads(request["body"])
    assert (body["action"], body["event_code"]) == ("NOTE_REGISTER", event.code)
    notifications = wait_for(sqs_setup.drain_notifications, 10, message="the SNS notification")
    assert [(n["tracking_message_id"], n["event_code"]) for n in notifications] == [(message.pk, event.code)]


def test_failing_endpoint_is_retried_until_it_recovers(sqs_setup, start_worker, mok_endpoint, operator):
    mok_endpoint.fail_with = 503
    start_worker(mok_env(mok_endpoint))
    event = covered_case(source="MOK")
    note_create(event=event, body="First report", visibility="shared", actor=operator)
    message = TrackingMessage.objects.get(event=event)
    wait_for(lambda: len(mok_endpoint.received) >= 1, 20, message="the first attempt")
    # The periodic scan (beat, every 30 s in production) re-queues messages whose backoff is over.
    for posts in (2, 3):
        wait_for(lambda: TrackingMessage.objects.get(pk=message.pk).next_attempt_at is not None, 10, message="backoff")
        wait_for(
            lambda n=posts: dispatch_due.delay() and len(mok_endpoint.received) >= n, 20, interval=1, message="retry"
        )
    mok_endpoint.fail_with = None
    wait_for(
        lambda: dispatch_due.delay() and TrackingMessage.objects.get(pk=message.pk).state == DeliveryState.DELIVERED,
        30,
        interval=1,
        message="delivery once MOK recovered",
    )
    message.refresh_from_db()
    attempts = len(mok_endpoint.received)
    print(f"\n[MOK failing then recovering] attempts={message.attempts} posts={attempts} state={message.state}")
    assert message.attempts == attempts >= 3
    assert len(mok_endpoint.accepted()) == 1  # delivered once
    assert message.response_code == 200 and message.last_error == ""


def test_permanent_refusal_marks_failed_and_admin_retry_delivers(
    sqs_setup, start_worker, mok_endpoint, operator, admin_browser
):
    mok_endpoint.fail_with = 422
    start_worker(mok_env(mok_endpoint))
    event = covered_case(source="MOK")
    note_create(event=event, body="Report", visibility="shared", actor=operator)
    message = TrackingMessage.objects.get(event=event)
    wait_for(lambda: TrackingMessage.objects.get(pk=message.pk).state == DeliveryState.FAILED, 20, message="failure")
    message.refresh_from_db()
    assert (message.attempts, message.response_code) == (1, 422)
    assert "HTTP 422" in message.last_error

    mok_endpoint.fail_with = None
    page = admin_browser.post(
        "/admin/tracking/trackingmessage/", {"action": "retry_delivery", "_selected_action": [message.pk]}, follow=True
    )
    assert page.status_code == 200
    wait_for(lambda: TrackingMessage.objects.get(pk=message.pk).state == DeliveryState.DELIVERED, 20, message="retry")
    assert len(mok_endpoint.accepted()) == 1


def test_non_mok_cases_never_call_mok(sqs_setup, start_worker, mok_endpoint, operator):
    start_worker(mok_env(mok_endpoint))
    kom = covered_case(source="KOM")
    note_create(event=kom, body="KOM note", visibility="shared", actor=operator)
    mok = covered_case(source="MOK")
    note_create(event=mok, body="MOK note", visibility="shared", actor=operator)
    wait_for(lambda: len(mok_endpoint.accepted()) == 1, 20, message="the MOK delivery")
    dispatch_due.delay()
    assert not TrackingMessage.objects.filter(event=kom).exists()
    assert [json.loads(r["body"])["event_code"] for r in mok_endpoint.received] == [mok.code]
