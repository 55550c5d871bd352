"""kombu's SQS transport with two changes the workers need: no busy polling, and batched deletes.

Selected by ``CELERY_BROKER_TRANSPORT`` whenever the broker URL is ``sqs://``.

* **No busy polling.** With ``polling_interval`` 0 (which the settings need: kombu sleeps that long
  between receives even while messages wait), kombu's consumer loop reschedules itself at once
  whenever every prefetch slot is taken, so a worker whose pool is busy spins a core at 100 %
  asking "can I consume yet?". Here a queue whose channel cannot consume is *parked* and polled
  again as soon as a slot frees (an ack, a reject, a larger prefetch), not before, and not later.
* **Batched deletes.** ``basic_ack_many`` deletes acknowledged messages with one
  ``DeleteMessageBatch`` per ten, where kombu's ``basic_ack`` makes one ``DeleteMessage`` call per
  message. The audit consumer acknowledges whole batches with it.
"""

import logging
from collections import defaultdict

from botocore.exceptions import BotoCoreError, ClientError
from kombu.transport import SQS, virtual

logger = logging.getLogger(__name__)

SQS_BATCH_LIMIT = 10  # DeleteMessageBatch takes at most ten entries


class Channel(SQS.Channel):
    def __init__(self, *args, **kwargs):
        self._parked: set[str] = set()
        super().__init__(*args, **kwargs)

    # --- polling: park instead of spinning ---------------------------------------------------

    def _schedule_queue(self, queue):
        if queue in self._active_queues and not self.qos.can_consume():
            self._parked.add(queue)  # _resume_parked polls it again when a slot frees
            return
        super()._schedule_queue(queue)

    def _resume_parked(self) -> None:
        if self._parked and self.hub is not None and self.qos.can_consume():
            parked, self._parked = self._parked, set()
            for queue in parked:
                self.hub.call_soon(self._schedule_queue, queue)

    def basic_ack(self, delivery_tag, multiple=False):
        try:
            super().basic_ack(delivery_tag, multiple)
        finally:
            self._resume_parked()

    def basic_reject(self, delivery_tag, requeue=False):
        try:
            super().basic_reject(delivery_tag, requeue)
        finally:
            self._resume_parked()

    def basic_qos(self, *args, **kwargs):
        super().basic_qos(*args, **kwargs)
        self._resume_parked()

    def basic_cancel(self, consumer_tag):
        queue = self._tag_to_queue.get(consumer_tag)
        self._parked.discard(queue)
        return super().basic_cancel(consumer_tag)

    # --- acknowledging many at once -----------------------------------------------------------

    def basic_ack_many(self, delivery_tags) -> int:
        """Acknowledge these deliveries, deleting their messages ten per call; returns how many
        deletes SQS confirmed.

        A message SQS could not delete is logged and stays in the queue: it is received again after
        its visibility timeout, which every consumer here tolerates (they are idempotent). Either
        way the deliveries are released, so their prefetch slots are never held.
        """
        by_queue: dict[tuple[str | None, str], list[str]] = defaultdict(list)
        for tag in delivery_tags:
            try:
                info = self.qos.get(tag).delivery_info
                handle = info["sqs_message"]["ReceiptHandle"]
                queue_url = info["sqs_queue"]
            except KeyError:
                continue  # already released, or not an SQS delivery: nothing to delete
            queue = self.canonical_queue_name(info["routing_key"]) if "routing_key" in info else None
            by_queue[(queue, queue_url)].append(handle)
        deleted = 0
        try:
            for (queue, queue_url), handles in by_queue.items():
                client = self.sqs(queue=queue)
                for start in range(0, len(handles), SQS_BATCH_LIMIT):
                    chunk = handles[start : start + SQS_BATCH_LIMIT]
                    entries = [{"Id": str(i), "ReceiptHandle": handle} for i, handle in enumerate(chunk)]
                    try:
                        response = client.delete_message_batch(QueueUrl=queue_url, Entries=entries)
                    except (ClientError, BotoCoreError, OSError) as exc:
                        logger.warning("could not delete %d messages from %s: %s", len(chunk), queue_url, exc)
                        continue
                    failed = response.get("Failed", [])
                    for failure in failed:
                        logger.warning(
                            "SQS did not delete a message from %s (%s: %s); it will be received again",
                            queue_url,
                            failure.get("Code"),
                            failure.get("Message"),
                        )
                    deleted += len(chunk) - len(failed)
        finally:
            for tag in delivery_tags:
                virtual.Channel.basic_ack(self, tag)  # releases the prefetch slot, no SQS call
            self._resume_parked()
        return deleted


class Transport(SQS.Transport):
    Channel = Channel
