"""The sources catalog: seeded, the one list cases, vouchers and API clients take their source from."""

import json

import pytest
from django.core.management import CommandError, call_command

from apps.clients.models import ApiClient
from apps.core.exceptions import ApplicationError, ValidationFailed
from apps.masters import services
from apps.masters.models import Source
from tests.assistances.factories import covered_case
from tests.clients.support import READ

pytestmark = pytest.mark.django_db


def test_the_catalog_is_seeded_and_only_mok_receives_tracking():
    assert list(Source.objects.values_list("code", flat=True)) == ["MOK", "KOM", "PHONE", "WEB", "OTHER"]
    assert list(Source.objects.filter(receives_tracking=True).values_list("code", flat=True)) == ["MOK"]
    assert Source.objects.get(code="PHONE").name_en == "Phone"


def test_a_source_keeps_its_code_and_is_deactivated_rather_than_deleted():
    kom = Source.objects.get(code="KOM")
    with pytest.raises(ApplicationError) as excinfo:
        services.catalog_entry_update(instance=kom, data={"code": "KOMX"})
    assert excinfo.value.code == "source_code_immutable"
    with pytest.raises(ApplicationError):
        services.catalog_entry_delete(instance=kom)
    services.catalog_entry_update(instance=kom, data={"is_active": False})
    assert Source.objects.filter(code="KOM", is_active=False).exists()


def test_a_new_source_is_usable_at_once_and_an_inactive_one_is_refused(operator):
    services.catalog_entry_create(model=Source, data={"code": "APP", "name_es": "App", "name_en": "App"})
    assert covered_case(source="APP", actor=operator).source_code == "APP"
    Source.objects.filter(code="APP").update(is_active=False)
    with pytest.raises(ValidationFailed) as excinfo:
        covered_case(source="APP", actor=operator, external_reference="R-2")
    assert list(excinfo.value.extra["errors"]) == ["source_code"]


def test_an_inactive_source_is_refused_by_the_voucher_api(admin_user):
    from rest_framework.test import APIClient

    from tests.helpers import assert_problem
    from tests.vouchers.test_api import LIST, _payload

    Source.objects.filter(code="WEB").update(is_active=False)
    api = APIClient()
    api.force_login(admin_user)
    body = assert_problem(api.post(LIST, _payload(source="WEB"), format="json"), 400)
    assert list(body["errors"]) == ["source"]
    assert body["error_codes"]["source"] == ["invalid_choice"]


def test_the_commands_check_the_source_against_the_catalog(tmp_path):
    with pytest.raises(CommandError, match="FAX: not a known source"):
        call_command("create_api_client", "--name", "x", "--source", "FAX", "--client-id", "c1", "--scopes", READ)
    document = tmp_path / "clients.json"
    document.write_text(json.dumps({"partner_clients": {"FAX": {"client_id": "c2", "scopes": [READ]}}}))
    with pytest.raises(CommandError, match="FAX: not a known source"):
        call_command("register_partner_clients", str(document))
    assert not ApiClient.objects.exists()
