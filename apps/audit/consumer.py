"""The audit queue's consumer inside the Celery worker: audit messages stored in batches.

Audit messages are many, tiny and idempotent. Run as one Celery task each, every message costs a
pool round trip, a transaction of its own and a ``DeleteMessage`` call, and with the worker's
prefetch of one per pool process a receive returns at most as many messages as there are processes:
the worker then spends most of its time on SQS calls (bench/audit_pipeline.py measured 0.17× a bare
receive/delete loop that way). This consumer step of the worker reads the audit queue on a channel
of its own, with its own prefetch, so the task consumer keeps a prefetch of one:

* whatever one ``ReceiveMessage`` returns (up to ten) becomes one batch, handed to the worker's
  pool as one job (``store_batch``: one transaction for the whole batch, within time limits of its own);
* the messages stored (or found stored already) are then deleted with ``DeleteMessageBatch``;
  invalid messages and the ones that could not be stored are rejected without deletion, so SQS
  receives them again and, after the queue's ``maxReceiveCount``, moves them to the dead-letter queue.

The messages are the ``audit.write_entry`` task messages ``audit_publish`` sends (so the outbox
sweeper, the dead-letter re-drive and the eager local mode are unchanged). Nothing is lost if the
worker dies at any point: a message is deleted only after its row is committed, and one received
again is a no-op (``AuditLog.message_id`` is unique).

Turned off with ``AUDIT_BATCH_CONSUMER=false``: the audit queue is then consumed by the task
consumer, one task per message.
"""

import contextlib
import logging
from functools import partial

from celery import bootsteps
from django.conf import settings
from django.db import close_old_connections
from kombu import Consumer, Queue
from kombu.exceptions import MessageStateError

from apps.audit import services
from apps.core.celery import sqs_message_id
from apps.core.context import use_context

logger = logging.getLogger(__name__)

TASK_NAME = "audit.write_entry"
ACKED = {services.Outcome.STORED, services.Outcome.DUPLICATE}


def store_batch(payloads: list) -> list[str]:
    """Run in a pool process: store one batch, return one outcome per payload."""
    # Outside Celery's task machinery, so the per-task connection housekeeping is done here.
    close_old_connections()
    try:
        with use_context(source="worker"):
            return [str(outcome) for outcome in services.audit_write_entries(payloads)]
    finally:
        close_old_connections()


def task_payload(body, message):
    """The entry a ``audit.write_entry`` task message carries; None for anything else."""
    headers = message.headers or {}
    if headers.get("task") != TASK_NAME:
        return None
    # Celery's message protocol 2: the body is [args, kwargs, embed].
    if not (isinstance(body, list | tuple) and len(body) == 3 and isinstance(body[0], list | tuple)):
        return None
    args = body[0]
    return args[0] if len(args) == 1 else None


class AuditBatchConsumer(bootsteps.ConsumerStep):
    """Consumes the audit queue in batches (see the module docstring)."""

    def __init__(self, c, **kwargs):
        super().__init__(c, **kwargs)
        self.worker_consumer = c
        self.buffer: list[tuple[object, object]] = []
        self.flush_scheduled = False

    def include_if(self, c):
        return bool(settings.AUDIT_BATCH_CONSUMER)

    def get_consumers(self, channel):
        logger.info(
            "audit batch consumer reading %s (batches of up to %d, prefetch %d)",
            settings.CELERY_AUDIT_QUEUE,
            settings.AUDIT_BATCH_SIZE,
            settings.AUDIT_BATCH_PREFETCH,
        )
        queue = Queue(settings.CELERY_AUDIT_QUEUE, routing_key=settings.CELERY_AUDIT_QUEUE)
        return [
            Consumer(
                channel,
                queues=[queue],
                callbacks=[self.on_message],
                on_decode_error=self.on_decode_error,
                accept=["json"],
                prefetch_count=settings.AUDIT_BATCH_PREFETCH,
            )
        ]

    # --- receiving ---------------------------------------------------------------------------

    def on_decode_error(self, message, exc):
        logger.error("malformed message %s on the audit queue rejected: %s", sqs_message_id(message), exc)
        self.reject([message])

    def on_message(self, body, message):
        payload = task_payload(body, message)
        if payload is None:
            logger.error(
                "message %s on the audit queue is not an %s task; rejected", sqs_message_id(message), TASK_NAME
            )
            self.reject([message])
            return
        self.buffer.append((payload, message))
        hub = self.worker_consumer.hub
        if len(self.buffer) >= settings.AUDIT_BATCH_SIZE or hub is None:
            self.flush()
        elif not self.flush_scheduled:
            # kombu delivers every message of one ReceiveMessage before the event loop runs again,
            # so the flush scheduled by the first one sees the whole receive as its batch.
            self.flush_scheduled = True
            hub.call_soon(self.flush)

    def flush(self):
        self.flush_scheduled = False
        batch, self.buffer = self.buffer, []
        if not batch:
            return
        payloads = [payload for payload, _ in batch]
        messages = [message for _, message in batch]
        pool = self.worker_consumer.pool
        if not pool.active:  # shutting down (billiard would drop the job without a word)
            self.on_job_failed(messages, "the pool is not running")
            return
        pool.apply_async(
            store_batch,
            args=(payloads,),
            callback=partial(self.in_loop, self.on_stored, messages),
            error_callback=partial(self.in_loop, self.on_job_failed, messages),
            # The pool's defaults are the task limits; a batch has its own (the soft one first, so
            # the job can roll back and let go of its connection before the hard one kills it).
            soft_timeout=settings.AUDIT_BATCH_TIME_LIMIT * 0.8,
            timeout=settings.AUDIT_BATCH_TIME_LIMIT,
        )

    # --- results (acks and rejects happen on the event loop's thread, like Celery's own) -------

    def in_loop(self, handler, messages, result):
        hub = self.worker_consumer.hub
        if hub is None:
            handler(messages, result)
        else:
            hub.call_soon(handler, messages, result)

    def on_stored(self, messages, outcomes):
        if not isinstance(outcomes, list) or len(outcomes) != len(messages):
            self.on_job_failed(messages, outcomes)
            return
        acked, rejected = [], []
        for message, outcome in zip(messages, outcomes, strict=True):
            if outcome in ACKED:
                acked.append(message)
            else:  # why was logged by audit_write_entries; this says which SQS message it was
                logger.error("audit message %s not stored (%s); rejected", sqs_message_id(message), outcome)
                rejected.append(message)
        self.ack(acked)
        self.reject(rejected)

    def on_job_failed(self, messages, error):
        # The pool process died or hit the time limit: nothing of the batch is confirmed.
        # billiard wraps the exception in an ExceptionInfo, and that in an ExceptionWithTraceback.
        reason = getattr(error, "exception", error)
        reason = getattr(reason, "exc", reason)
        logger.error("audit batch of %d failed in the pool (%r); it is received again later", len(messages), reason)
        self.reject(messages)

    def ack(self, messages):
        # Per channel: after a reconnection, messages received before it belong to the old one.
        by_channel: dict[object, list] = {}
        for message in messages:
            by_channel.setdefault(message.channel, []).append(message)
        for channel, received in by_channel.items():
            with self.settling(f"acknowledge {len(received)} audit messages"):
                if hasattr(channel, "basic_ack_many"):  # apps.core.sqs: ten deletes per SQS call
                    channel.basic_ack_many([m.delivery_tag for m in received])
                else:
                    for message in received:
                        message.ack()

    def reject(self, messages):
        for message in messages:
            with self.settling(f"reject audit message {sqs_message_id(message)}"):
                message.reject(requeue=False)

    @contextlib.contextmanager
    def settling(self, what: str):
        """A message that cannot be settled (the connection dropped, its channel was closed) is left
        to SQS, which hands it out again after its visibility timeout; the consumer carries on."""
        try:
            yield
        except (*self.worker_consumer.connection_errors, KeyError, MessageStateError) as exc:
            logger.warning("could not %s (%r); SQS hands it out again later", what, exc)
