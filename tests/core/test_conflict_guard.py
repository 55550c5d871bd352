"""No silent overwrites in the console: a change form saved over a newer save is refused."""

import pytest
from django.utils import timezone

from apps.assistances import services
from apps.assistances.models import Event
from apps.vouchers.models import Voucher
from tests.accounts.factories import UserFactory
from tests.assistances.factories import covered_case
from tests.helpers import admin_form_data
from tests.vouchers.factories import VoucherFactory

pytestmark = pytest.mark.django_db


def test_a_stale_case_save_is_refused_field_by_field_and_can_be_saved_knowingly(client, operator):
    case = covered_case(actor=operator, address="Calle Mayor 1")
    client.force_login(operator)
    url = f"/admin/assistances/event/{case.pk}/change/"
    tab_two = admin_form_data(client.get(url))
    assert tab_two["_seen_version"] == str(case.version)

    # Tab one (another operator) saves a new address first.
    colleague = UserFactory(is_staff=True, email="colleague@example.test")
    services.event_update(event=Event.objects.get(pk=case.pk), data={"address": "Hotel Sol, hab. 12"}, actor=colleague)

    # Tab two saves the description, still holding the old address.
    tab_two["description"] = "Fiebre alta desde ayer"
    conflict = client.post(url, tab_two)

    assert conflict.status_code == 409
    html = conflict.content.decode()
    assert "colleague@example.test" in html
    assert "Hotel Sol, hab. 12" in html and "Calle Mayor 1" in html  # saved now beside yours
    assert "Fiebre alta desde ayer" in html
    saved = Event.objects.get(pk=case.pk)
    assert saved.address == "Hotel Sol, hab. 12" and saved.description == ""  # nothing overwritten

    # "Save mine over it" posts the same values with the version seen on the conflict page.
    resubmit = dict(conflict.context["resubmit"])
    resubmit["_seen_version"] = conflict.context["current_version"]
    response = client.post(url, resubmit)
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Event.objects.get(pk=case.pk)
    assert saved.description == "Fiebre alta desde ayer" and saved.address == "Calle Mayor 1"


def test_a_fresh_save_passes(client, operator):
    case = covered_case(actor=operator)
    client.force_login(operator)
    url = f"/admin/assistances/event/{case.pk}/change/"
    data = admin_form_data(client.get(url))
    data["description"] = "Dolor de muelas"
    assert client.post(url, data).status_code == 302
    assert Event.objects.get(pk=case.pk).description == "Dolor de muelas"


def test_vouchers_are_guarded_by_their_last_change(admin_client_session):
    client = admin_client_session
    voucher = VoucherFactory(product_name="Plan Oro")
    url = f"/admin/vouchers/voucher/{voucher.pk}/change/"
    data = admin_form_data(client.get(url))
    # Someone saved meanwhile (any save stamps updated_at).
    Voucher.objects.filter(pk=voucher.pk).update(product_name="Plan Platino", updated_at=timezone.now())
    data["product_name"] = "Plan Oro Plus"
    response = client.post(url, data)
    assert response.status_code == 409
    assert Voucher.objects.get(pk=voucher.pk).product_name == "Plan Platino"


@pytest.fixture
def admin_client_session(client, admin_user):
    client.force_login(admin_user)
    return client
