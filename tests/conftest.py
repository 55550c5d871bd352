import boto3
import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP
from tests.accounts.factories import UserFactory
from tests.aws.server import FAKE_CREDENTIALS, MotoServer


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
