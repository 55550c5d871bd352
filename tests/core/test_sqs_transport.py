"""The project's SQS transport (apps/core/sqs.py) against moto's SQS: batched deletes, no busy polling."""

import pytest
from kombu import Connection, Consumer, Producer, Queue
from kombu.asynchronous import Hub, set_event_loop
from kombu.transport import SQS

from apps.core.sqs import Transport

QUEUE = "transport-test"


@pytest.fixture
def sqs_queue(aws):
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=QUEUE, Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    return sqs, url


def connect(aws, url, transport=Transport) -> Connection:
    port = aws.endpoint.rsplit(":", 1)[1]
    return Connection(
        f"sqs://testing:testing@127.0.0.1:{port}",
        transport=transport,
        transport_options={
            "region": "us-east-2",
            "is_secure": False,
            "wait_time_seconds": 0,
            "polling_interval": 0,
            "predefined_queues": {QUEUE: {"url": url}},
        },
    )


def receive(conn: Connection, expected: int, prefetch: int) -> tuple[object, list]:
    """Publish ``expected`` messages, then receive them all on one channel (not acknowledged)."""
    channel = conn.channel()
    producer = Producer(channel)
    for number in range(expected):
        producer.publish({"n": number}, routing_key=QUEUE, serializer="json")
    received = []
    consumer = Consumer(
        channel, queues=[Queue(QUEUE)], callbacks=[lambda body, m: received.append(m)], prefetch_count=prefetch
    )
    consumer.consume()
    for _ in range(20):
        if len(received) >= expected:
            break
        try:
            conn.drain_events(timeout=1)
        except TimeoutError:
            continue
    assert len(received) == expected
    return channel, received


def count_calls(channel) -> list[str]:
    calls: list[str] = []
    channel.sqs(queue=QUEUE).meta.events.register(
        "before-call.sqs", lambda model, **kwargs: calls.append(model.name), unique_id="count-calls"
    )
    return calls


def in_queue(sqs, url) -> int:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def test_ack_many_deletes_ten_messages_per_call_and_frees_the_slots(aws, sqs_queue):
    sqs, url = sqs_queue
    with connect(aws, url) as conn:
        channel, messages = receive(conn, 23, prefetch=30)
        calls = count_calls(channel)
        assert channel.qos.can_consume_max_estimate() == 30 - 23

        deleted = channel.basic_ack_many([m.delivery_tag for m in messages])

        assert deleted == 23
        assert calls == ["DeleteMessageBatch"] * 3  # 10 + 10 + 3
        assert channel.qos.can_consume_max_estimate() == 30
        assert in_queue(sqs, url) == 0


def test_a_message_sqs_cannot_delete_is_released_and_stays_queued(aws, sqs_queue):
    sqs, url = sqs_queue
    with connect(aws, url) as conn:
        channel, messages = receive(conn, 3, prefetch=10)
        # One receipt handle goes stale: the message was received again elsewhere and deleted there.
        stale = messages[0].delivery_info["sqs_message"]
        stale["ReceiptHandle"] = "not-a-receipt-handle"

        deleted = channel.basic_ack_many([m.delivery_tag for m in messages])

        assert deleted == 2
        assert channel.qos.can_consume_max_estimate() == 10  # every slot released
        assert in_queue(sqs, url) == 1  # SQS hands the undeleted one out again later


@pytest.fixture
def hub():
    loop = Hub()
    set_event_loop(loop)
    yield loop
    set_event_loop(None)
    loop.close()


def scheduled(hub, monkeypatch) -> list:
    calls = []
    original = hub.call_soon
    monkeypatch.setattr(hub, "call_soon", lambda callback, *args: calls.append(args) or original(callback, *args))
    return calls


def test_a_full_channel_parks_its_queue_until_a_slot_frees(aws, sqs_queue, hub, monkeypatch):
    _, url = sqs_queue
    with connect(aws, url) as conn:
        channel, messages = receive(conn, 1, prefetch=1)  # every slot taken
        assert channel.hub is hub
        calls = scheduled(hub, monkeypatch)

        channel._schedule_queue(QUEUE)  # the consumer loop asks to poll while the channel is full

        assert calls == []  # nothing rescheduled: no busy loop while the pool is busy
        assert channel._parked == {QUEUE}

        messages[0].ack()  # a slot frees: the queue is polled again at once

        assert calls == [(QUEUE,)]
        assert channel._parked == set()


def test_stock_kombu_reschedules_a_full_channel_at_once(aws, sqs_queue, hub, monkeypatch):
    """Why the project's channel parks queues: kombu's own loops on the hub while it cannot consume."""
    _, url = sqs_queue
    with connect(aws, url, transport=SQS.Transport) as conn:
        channel, _ = receive(conn, 1, prefetch=1)
        calls = scheduled(hub, monkeypatch)

        channel._schedule_queue(QUEUE)

        assert calls == [(QUEUE,)]  # polled again on the next loop iteration, and so on forever


def visible_and_hidden(sqs, url) -> tuple[int, int]:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def test_closing_a_channel_gives_its_unacknowledged_messages_back_without_copies(aws, sqs_queue):
    """What soft shutdown relies on: unfinished messages go back as they are (no copy to store twice)."""
    sqs, url = sqs_queue
    with connect(aws, url) as conn:
        channel, messages = receive(conn, 3, prefetch=10)
        ids = {m.delivery_info["sqs_message"]["MessageId"] for m in messages}
        assert visible_and_hidden(sqs, url) == (0, 3)

        channel.close()  # what a stopping worker does with what it has not finished

    # kombu hides them for wait_time_seconds (0 here, 20 s in production), not the visibility timeout.
    assert visible_and_hidden(sqs, url) == (3, 0)
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"])
    assert {m["MessageId"] for m in again["Messages"]} == ids  # the originals, not copies
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in again["Messages"]} == {"2"}  # still counting


def test_a_requeued_message_is_the_original_made_visible_again(aws, sqs_queue):
    sqs, url = sqs_queue
    with connect(aws, url) as conn:
        channel, messages = receive(conn, 2, prefetch=10)
        messages[0].reject(requeue=True)  # e.g. its worker process died (reject on worker lost)
        assert visible_and_hidden(sqs, url) == (1, 1)
        assert channel.qos.can_consume_max_estimate() == 9
