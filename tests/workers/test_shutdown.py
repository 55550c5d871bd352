"""An ECS stop sends SIGTERM, then SIGKILL after the stop timeout: a task running at that moment
either completes (soft shutdown) or is delivered again — it is never lost."""

import json

import pytest

from apps.assistances.services import note_create
from apps.tracking.models import DeliveryState, TrackingMessage
from apps.tracking.tasks import dispatch_due
from tests.assistances.factories import covered_case
from tests.workers.harness import wait_for
from tests.workers.test_tracking_delivery import mok_env

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def state(message) -> str:
    return TrackingMessage.objects.get(pk=message.pk).state


def test_sigterm_during_a_task_lets_it_finish(sqs_setup, start_worker, mok_endpoint, operator):
    mok_endpoint.delay = 0.8  # the POST is in flight when the stop arrives
    worker = start_worker(mok_env(mok_endpoint))
    event = covered_case(source="MOK")
    note_create(event=event, body="Report", visibility="shared", actor=operator)
    message = TrackingMessage.objects.get(event=event)
    assert mok_endpoint.in_flight.wait(20)
    code = worker.terminate()
    print(f"\n[SIGTERM mid-task] worker exit code {code}, state {state(message)}")
    assert code == 0
    assert state(message) == DeliveryState.DELIVERED  # finished during the soft shutdown
    assert len(mok_endpoint.accepted()) == 1
    assert "Soft Shutdown" in worker.log()  # SIGTERM: stop taking messages, finish the running ones


def test_task_cut_by_the_stop_timeout_is_delivered_again(sqs_setup, start_worker, mok_endpoint, operator):
    mok_endpoint.delay = 0.9
    worker = start_worker(mok_env(mok_endpoint))
    event = covered_case(source="MOK")
    note_create(event=event, body="Report", visibility="shared", actor=operator)
    message = TrackingMessage.objects.get(event=event)
    assert mok_endpoint.in_flight.wait(20)
    # The task outlives the stop timeout: SIGKILL ends it before it can record anything.
    worker.stop_like_ecs(stop_timeout=0.2)
    assert state(message) == DeliveryState.PENDING  # cut off before the answer was recorded
    mok_endpoint.delay = 0
    start_worker(mok_env(mok_endpoint))
    # The unacknowledged message comes back after its visibility timeout; the periodic scan also
    # picks the message up once the dead worker's claim has expired.
    wait_for(
        lambda: dispatch_due.delay() and state(message) == DeliveryState.DELIVERED,
        30,
        interval=1,
        message="the delivery to complete on the new worker",
    )
    ids = {r["headers"]["X-Bigtree-Message-Id"] for r in mok_endpoint.received}
    bodies = {json.loads(r["body"])["event_code"] for r in mok_endpoint.received}
    print(f"\n[SIGTERM cut] posts={len(mok_endpoint.received)} (same message id: {ids})")
    assert ids == {str(message.pk)} and bodies == {event.code}
