import boto3
import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP
from tests.accounts.factories import UserFactory
from tests.aws.server import FAKE_CREDENTIALS, MotoServer

# The fuzz run's summary, added up over xdist workers: the controller only loads this root conftest.
pytest_plugins = ["tests.fuzz.report"]


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def operator(db):
    """A TMO operator: reads catalogs, operates cases."""
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=TMO_GROUP))
    return user


@pytest.fixture
def admin_user(db):
    """A member of assistances-admin (not a superuser: permissions come from the group)."""
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=ADMIN_GROUP))
    return user


@pytest.fixture
def operator_client(operator) -> APIClient:
    client = APIClient()
    client.force_login(operator)
    return client


@pytest.fixture
def admin_browser(client, admin_user):
    """Django test client logged into the admin as an assistances-admin member."""
    client.force_login(admin_user)
    return client


@pytest.fixture(scope="session")
def moto_server():
    """One moto server process for the whole run, on a free loopback port."""
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def aws(moto_server, monkeypatch):
    """A clean AWS stand-in for one test; boto3 clients made through it reach moto on loopback."""
    moto_server.reset()
    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)

    def client(service: str):
        return boto3.client(
            service, endpoint_url=moto_server.endpoint, region_name=FAKE_CREDENTIALS["AWS_DEFAULT_REGION"]
        )

    moto_server.client = client
    return moto_server


@pytest.fixture(autouse=True)
def _after_commit_runs_in_test_transactions(monkeypatch):
    """Run after-commit work (publishing audit entries, queuing tracking deliveries) where the commit
    would have been.

    Most tests run inside a transaction that is rolled back, never committed, so Django would drop
    on-commit callbacks. Here, when the application's outermost transaction ends successfully and only
    the test's own wrapping transactions remain, its callbacks run, as a real commit would run them;
    work done outside any application transaction runs its callbacks at once (autocommit). A rolled-back
    block still discards its callbacks (Django removes them with the savepoint). Tasks run eagerly in
    the test settings, so the whole path — outbox row, publish, task, log row — runs in the test.
    """
    from django.db import connection, transaction
    from django.db.transaction import Atomic

    def only_test_blocks() -> bool:
        return all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)

    def run_pending() -> None:
        while connection.run_on_commit:
            pending, connection.run_on_commit[:] = list(connection.run_on_commit), []
            for _sids, func, _robust in pending:
                func()

    original_exit = Atomic.__exit__

    def exit_and_commit(self, exc_type, exc_value, traceback):
        result = original_exit(self, exc_type, exc_value, traceback)
        if (
            exc_type is None
            and self.using in (None, connection.alias)
            and not getattr(self, "_from_testcase", False)
            and connection.in_atomic_block
            and only_test_blocks()
        ):
            run_pending()
        return result

    monkeypatch.setattr(Atomic, "__exit__", exit_and_commit)

    from apps.audit import services as audit_services
    from apps.core.celery import publish_breaker
    from apps.tracking import services as tracking_services

    def run_after_commit(func):
        if only_test_blocks():
            func()  # no application transaction open: autocommit, the change is already "committed"
        else:
            transaction.on_commit(func, robust=True)

    monkeypatch.setattr(audit_services, "run_after_commit", run_after_commit)
    publish_breaker.reset()  # a publish failure in one test must not pause publishing in the next
    monkeypatch.setattr(tracking_services, "run_after_commit", run_after_commit)


@pytest.fixture(autouse=True)
def _fresh_usage_limiter():
    """Each test starts with empty in-process usage and failed-authentication buckets (tests are
    independent; many send refused credentials from the same loopback address on purpose)."""
    from apps.clients.usage import reset_limiter

    reset_limiter()
    yield
    reset_limiter()
