"""Create, in the local AWS stand-in (moto), what terraform creates in AWS: the four buckets, the
Celery queues each with a dead-letter queue, and the notification topic.

Run by compose.yaml's ``aws-init`` service with the application's environment, so every name comes
from the same settings the web, worker and beat containers read. Safe to run again.
"""

import json
import sys

import boto3
import django
from botocore.exceptions import ClientError

# As in terraform: a message received this many times without being deleted goes to the DLQ.
MAX_RECEIVE_COUNT = 5
DLQ_RETENTION_SECONDS = 14 * 24 * 3600


def create_buckets(s3, settings) -> list[str]:
    names = [settings.STORAGES[alias]["OPTIONS"]["bucket_name"] for alias in settings.FILE_STORAGE_ALIASES]
    for name in names:
        try:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": settings.AWS_REGION})
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                raise
    return names


def create_queues(sqs, settings) -> list[str]:
    for name in settings.CELERY_WORKER_QUEUES:
        dlq_url = sqs.create_queue(
            QueueName=f"{name}-dlq", Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)}
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.create_queue(
            QueueName=name,
            Attributes={
                "VisibilityTimeout": str(settings.SQS_VISIBILITY_TIMEOUT),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}),
            },
        )
    return list(settings.CELERY_WORKER_QUEUES)


def create_topic(sns, settings) -> str | None:
    arn = settings.SNS_NOTIFICATION_TOPIC_ARN
    if not arn:
        return None
    return sns.create_topic(Name=arn.rsplit(":", 1)[-1])["TopicArn"]


def main() -> int:
    django.setup()
    from django.conf import settings

    region = settings.AWS_REGION
    buckets = create_buckets(boto3.client("s3", region_name=region), settings)
    queues = create_queues(boto3.client("sqs", region_name=region), settings)
    topic = create_topic(boto3.client("sns", region_name=region), settings)
    sys.stdout.write(json.dumps({"buckets": buckets, "queues": queues, "topic": topic}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
