"""The SQS queues behind Celery: their dead-letter queues (inspect, re-drive) and a readiness check.

Terraform names every dead-letter queue ``<queue>-dlq``. Re-driving sends a message back to its
queue unchanged (body and attributes), then deletes it from the dead-letter queue: a crash in
between leaves a copy in both, which is safe because every consumer is idempotent.
"""

import base64
import json
from dataclasses import dataclass

import boto3
from botocore.config import Config
from django.conf import settings

DLQ_SUFFIX = "-dlq"


def sqs_client():
    # The endpoint comes from AWS_ENDPOINT_URL when set (moto in tests), else AWS's for the region.
    return boto3.client(
        "sqs",
        region_name=settings.AWS_REGION,
        config=Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 2}),
    )


def queue_names() -> list[str]:
    return list(settings.CELERY_WORKER_QUEUES)


def resolve(name: str) -> str:
    """A short name (``audit-logger``) or a full queue name → the full name; ValueError if unknown."""
    for full in queue_names():
        if name in (full, full.removeprefix(settings.SQS_QUEUE_PREFIX)):
            return full
    raise ValueError(f"unknown queue {name!r}; known: {', '.join(short_names())}")


def short_names() -> list[str]:
    return [full.removeprefix(settings.SQS_QUEUE_PREFIX) for full in queue_names()]


def queue_url(client, name: str) -> str:
    if settings.SQS_QUEUE_URL_BASE:
        return settings.SQS_QUEUE_URL_BASE + name
    return client.get_queue_url(QueueName=name)["QueueUrl"]


@dataclass
class DeadLetter:
    message_id: str
    sent_at: str
    receive_count: int
    task: str
    excerpt: str


def _describe(message: dict) -> DeadLetter:
    body = message.get("Body", "")
    task = "?"
    try:
        envelope = json.loads(base64.b64decode(body, validate=True))
        task = envelope.get("headers", {}).get("task") or "?"
    except (ValueError, TypeError, AttributeError):
        task = "(not a Celery message)"
    attrs = message.get("Attributes", {})
    return DeadLetter(
        message_id=message["MessageId"],
        sent_at=attrs.get("SentTimestamp", ""),
        receive_count=int(attrs.get("ApproximateReceiveCount", 0)),
        task=task,
        excerpt=body[:120],
    )


def dead_letter_counts(client=None) -> dict[str, int]:
    """Messages waiting in each dead-letter queue, by short queue name."""
    client = client or sqs_client()
    counts = {}
    for full in queue_names():
        url = queue_url(client, full + DLQ_SUFFIX)
        attrs = client.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        counts[full.removeprefix(settings.SQS_QUEUE_PREFIX)] = int(attrs["ApproximateNumberOfMessages"]) + int(
            attrs["ApproximateNumberOfMessagesNotVisible"]
        )
    return counts


def dead_letters_peek(name: str, *, limit: int = 10, client=None) -> list[DeadLetter]:
    """Up to ``limit`` messages of a dead-letter queue, left in place (visible again at once)."""
    client = client or sqs_client()
    url = queue_url(client, resolve(name) + DLQ_SUFFIX)
    seen: dict[str, DeadLetter] = {}
    while len(seen) < limit:
        got = client.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, limit - len(seen)),
            VisibilityTimeout=5,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not got:
            break
        for message in got:
            seen.setdefault(message["MessageId"], _describe(message))
        client.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(got)
            ],
        )
        if all(m["MessageId"] in seen for m in got) and len(got) < 10:
            break
    return list(seen.values())[:limit]


def dead_letters_redrive(name: str, *, limit: int | None = None, client=None, progress=None) -> int:
    """Move messages from a dead-letter queue back to its queue; returns how many were moved."""
    client = client or sqs_client()
    full = resolve(name)
    source_url, dlq_url = queue_url(client, full), queue_url(client, full + DLQ_SUFFIX)
    moved = 0
    while limit is None or moved < limit:
        batch = client.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=10 if limit is None else min(10, limit - moved),
            VisibilityTimeout=60,
            WaitTimeSeconds=0,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            break
        for message in batch:
            send = {"QueueUrl": source_url, "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                send["MessageAttributes"] = message["MessageAttributes"]
            client.send_message(**send)
            client.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
            if progress:
                progress(moved)
    return moved


def check_queue() -> str:
    """Readiness: the default queue answers (only registered when the broker is SQS)."""
    client = sqs_client()
    client.get_queue_attributes(
        QueueUrl=queue_url(client, settings.CELERY_TASK_DEFAULT_QUEUE), AttributeNames=["QueueArn"]
    )
    return "ok"
