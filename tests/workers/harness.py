"""Real parts for the background-work tests: queues on moto's SQS, celery worker processes, and a
stand-in for MOK's tracking endpoint. Everything listens on loopback."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
ARTIFACTS = BASE_DIR / "var" / "test-artifacts"
MAX_RECEIVE_COUNT = 3


def reset_connections() -> None:
    """Drop this process's pooled broker connections, so a changed broker URL takes effect.

    (Not ``app.close()``: that also unregisters the app, and tasks imported afterwards would then
    not be registered in it.)
    """
    from kombu import pools

    from config.celery_app import app

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()  # kombu's process-wide producer pools, keyed by connection


def wait_for(predicate, timeout: float, interval: float = 0.2, message: str = "condition"):
    """Poll ``predicate`` until it returns a truthy value; fail with ``message`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message}")
        time.sleep(interval)


@dataclass
class SqsSetup:
    """The queues (each with a dead-letter queue), the SNS topic and a queue subscribed to it."""

    endpoint: str
    sqs: object
    sns: object
    queue_urls: dict[str, str] = field(default_factory=dict)
    dlq_urls: dict[str, str] = field(default_factory=dict)
    topic_arn: str = ""
    notifications_url: str = ""

    @property
    def broker_url(self) -> str:
        port = self.endpoint.rsplit(":", 1)[1]
        return f"sqs://testing:testing@127.0.0.1:{port}"

    @property
    def url_base(self) -> str:
        any_url = next(iter(self.queue_urls.values()))
        return any_url.rsplit("/", 1)[0] + "/"

    def transport_options(self) -> dict:
        return {
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "predefined_queues": {name: {"url": url} for name, url in self.queue_urls.items()},
        }

    def count(self, url: str) -> int:
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])

    def drain_notifications(self) -> list[dict]:
        out = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.notifications_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = got.get("Messages", [])
            if not messages:
                return out
            for message in messages:
                out.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.notifications_url, ReceiptHandle=message["ReceiptHandle"])


def create_sqs_setup(aws) -> SqsSetup:
    sqs, sns = aws.client("sqs"), aws.client("sns")
    setup = SqsSetup(endpoint=aws.endpoint, sqs=sqs, sns=sns)
    visibility = str(settings.SQS_VISIBILITY_TIMEOUT)
    for name in settings.CELERY_WORKER_QUEUES:
        dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT})
        url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": visibility, "RedrivePolicy": redrive})[
            "QueueUrl"
        ]
        setup.queue_urls[name] = url
        setup.dlq_urls[name] = dlq_url
    setup.topic_arn = sns.create_topic(Name="bigtree-assist-test-notifications")["TopicArn"]
    setup.notifications_url = sqs.create_queue(QueueName="notifications-observer")["QueueUrl"]
    observer_arn = sqs.get_queue_attributes(QueueUrl=setup.notifications_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(
        TopicArn=setup.topic_arn, Protocol="sqs", Endpoint=observer_arn, Attributes={"RawMessageDelivery": "true"}
    )
    return setup


class CeleryWorker:
    """A real ``celery worker`` process (its own process group, as a container would be)."""

    _count = 0

    def __init__(self, setup: SqsSetup, db_name: str, extra_env: dict | None = None, concurrency: int = 2):
        CeleryWorker._count += 1
        self.name = f"w{CeleryWorker._count}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log_path = ARTIFACTS / f"celery-{self.name}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "TEST_DATABASE_URL": f"mysql://root@127.0.0.1:3306/{db_name}",
            "CELERY_BROKER_URL": setup.broker_url,
            "SQS_QUEUE_URL_BASE": setup.url_base,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "AWS_ENDPOINT_URL": setup.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-2",
            "AWS_REGION": "us-east-2",
            "SNS_NOTIFICATION_TOPIC_ARN": setup.topic_arn,
            "DJANGO_LOG_FORMAT": "text",
            "CELERY_LOG_LEVEL": "INFO",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            **(extra_env or {}),
        }
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self, timeout: float = 60) -> "CeleryWorker":
        self._log = open(self.log_path, "a")  # noqa: SIM115 - closed in stop()
        self._log.write(f"--- start {time.strftime('%H:%M:%S')}\n")
        self._log.flush()
        # The image's worker role, as ECS runs it (queues from the settings, SIGTERM remapped to the
        # soft shutdown), with this virtualenv first on the PATH.
        command = [
            "bash",
            "docker/entrypoint.sh",
            "worker",
            "--concurrency",
            str(self.concurrency),
            "-n",
            f"{self.name}@%h",
        ]
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        offset = self.log_path.stat().st_size
        wait_for(lambda: self._ready(offset), timeout, message=f"worker {self.name} to be ready (log: {self.log_path})")
        return self

    def _ready(self, offset: int) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited with {self.process.returncode}:\n{self.log()[-3000:]}")
        with open(self.log_path) as fh:
            fh.seek(max(offset - 200, 0))
            return " ready." in fh.read()

    def log(self) -> str:
        return self.log_path.read_text()

    def kill(self) -> None:
        """SIGKILL the whole process group: what ECS does when the stop timeout runs out."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._close()

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM the main process, as ECS does first; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # leftovers, if any
            self._close()
        return code

    def stop_like_ecs(self, stop_timeout: float) -> int:
        """SIGTERM, then SIGKILL to the whole group once ``stop_timeout`` has passed (an ECS stop)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(timeout=10)
        finally:
            self._close()

    def _close(self):
        if self._log:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        """Clean-up after a test: SIGTERM, then SIGKILL if the worker is still busy after 30 s.

        How a worker stops is what the shutdown tests assert (with ``terminate``); here a worker left
        mid-task by its test (a loaded CI machine met one past 30 s) must not turn into an error.
        """
        if self.process and self.process.poll() is None:
            self.stop_like_ecs(stop_timeout=30)


class MokEndpoint:
    """MOK's tracking endpoint on loopback: records what it receives; can be told to fail."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.fail_with: int | None = None
        self.delay = 0.0  # seconds to wait before answering
        self.in_flight = threading.Event()
        self.lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                endpoint.in_flight.set()
                time.sleep(endpoint.delay)
                with endpoint.lock:
                    failing = endpoint.fail_with
                    endpoint.received.append(
                        {"headers": dict(self.headers), "body": body, "path": self.path, "answered": failing or 200}
                    )
                self.send_response(failing or 200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": false}' if failing else b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tracking"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def accepted(self) -> list[dict]:
        with self.lock:
            return [r for r in self.received if r["answered"] == 200]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
