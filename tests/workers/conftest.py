import pytest
from django.db import connection

from config.celery_app import app as celery_app
from tests.workers.harness import CeleryWorker, MokEndpoint, create_sqs_setup, reset_connections


@pytest.fixture
def sqs_setup(aws):
    """Queues with dead-letter queues and the SNS topic on moto; this process publishes to them."""
    setup = create_sqs_setup(aws)
    saved = {key: celery_app.conf[key] for key in ("broker_url", "broker_transport_options", "task_always_eager")}
    reset_connections()
    celery_app.conf.update(
        broker_url=setup.broker_url, broker_transport_options=setup.transport_options(), task_always_eager=False
    )
    yield setup
    reset_connections()
    celery_app.conf.update(saved)


@pytest.fixture
def start_worker(sqs_setup):
    """Start real celery workers reading the test database; all are stopped after the test."""
    workers = []

    def start(extra_env: dict | None = None, concurrency: int = 2) -> CeleryWorker:
        worker = CeleryWorker(sqs_setup, connection.settings_dict["NAME"], extra_env, concurrency).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def mok_endpoint():
    endpoint = MokEndpoint()
    yield endpoint
    endpoint.close()
