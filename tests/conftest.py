import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP
from tests.accounts.factories import UserFactory


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
