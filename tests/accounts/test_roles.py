import pytest
from django.contrib.auth.models import Group, Permission

from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {ADMIN_GROUP, TMO_GROUP}


def test_admin_group_has_every_permission():
    assert Group.objects.get(name=ADMIN_GROUP).permissions.count() == Permission.objects.count()


def test_tmo_reads_catalogs_only():
    tmo = {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=TMO_GROUP).permissions.all()}
    assert {"masters.view_category", "masters.view_eventstatus", "masters.view_country"} <= tmo
    assert not {p for p in tmo if p.startswith("masters.") and not p.split(".")[1].startswith("view_")}
    assert not {p for p in tmo if p.startswith(("auth.", "accounts."))}
    # The audit log is readable (the case timeline links to it); nothing else of audit.
    assert {p for p in tmo if p.startswith("audit.")} == {"audit.view_auditlog"}


def test_operator_permissions_come_from_the_group(operator):
    assert operator.has_perm("masters.view_category")
    assert not operator.has_perm("masters.change_category")
    assert not UserFactory().has_perm("masters.view_category")


def test_email_login_is_case_insensitive(client):
    UserFactory(email="ana@example.test", is_staff=True)
    assert client.login(username="ANA@Example.test", password="a-long-test-password")
