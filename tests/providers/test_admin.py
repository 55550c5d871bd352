import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from apps.audit.models import AuditLog
from apps.providers import geo
from apps.providers.models import Provider, ProviderLocation, ProviderPaymentMethod
from tests.accounts.factories import UserFactory
from tests.masters.factories import CityFactory
from tests.providers.factories import LocationFactory, PaymentMethodFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def test_operator_sees_masked_bank_data_in_the_admin(client, operator):
    method = PaymentMethodFactory(account_number="ES9121000418450200051332")
    client.force_login(operator)
    html = client.get(f"/admin/providers/provider/{method.provider_id}/change/").content.decode()
    assert "ES9121000418450200051332" not in html
    assert "1332" in html


def test_admin_with_reveal_permission_edits_full_bank_data(admin_browser):
    method = PaymentMethodFactory(account_number="ES9121000418450200051332")
    html = admin_browser.get(f"/admin/providers/provider/{method.provider_id}/change/").content.decode()
    assert "ES9121000418450200051332" in html


def test_staff_without_reveal_permission_cannot_see_bank_data(client):
    method = PaymentMethodFactory(account_number="ES9121000418450200051332")
    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["view_provider", "change_provider"]))
    client.force_login(editor)
    html = client.get(f"/admin/providers/provider/{method.provider_id}/change/").content.decode()
    assert "ES9121000418450200051332" not in html


def test_location_edit_in_the_admin_is_audited_and_recomputes_the_cell(admin_browser):
    location = LocationFactory(latitude=0, longitude=0)
    city = CityFactory(country=location.country)
    form = {
        "provider": location.provider_id,
        "name": "Sede central",
        "address": location.address,
        "country": location.country_id,
        "city": city.pk,
        "latitude": "-34.6",
        "longitude": "-58.4",
        "service_radius_km": "25",
        "opening_hours": "{}",
        "phone": "",
        "is_active": "on",
    }
    response = admin_browser.post(f"/admin/providers/providerlocation/{location.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    location.refresh_from_db()
    assert location.geo_cell != 0 and location.city == city
    entry = AuditLog.objects.get(object_type="providers.providerlocation", action="update")
    assert entry.changes["latitude"] == [0.0, -34.6]


def test_location_admin_shows_a_map_link(admin_browser):
    location = LocationFactory(latitude=-34.6, longitude=-58.4)
    html = admin_browser.get("/admin/providers/providerlocation/").content.decode()
    assert "openstreetmap.org/?mlat=-34.600000&amp;mlon=-58.400000" in html
    assert admin_browser.get(f"/admin/providers/providerlocation/{location.pk}/change/").status_code == 200


def test_generate_demo_data_builds_a_network():
    CityFactory.create_batch(5, population=100000)
    call_command("generate_demo_data", "--providers", "20", "--locations", "45", "--vouchers", "0", verbosity=0)
    assert Provider.objects.count() == 20
    assert ProviderLocation.objects.count() == 45
    assert ProviderPaymentMethod.objects.filter(is_default=True).count() == 20
    for loc in ProviderLocation.objects.all():
        assert loc.geo_cell == geo.cell_of(loc.latitude, loc.longitude)
    call_command("generate_demo_data", "--if-empty", "--providers", "20", "--vouchers", "0", verbosity=0)
    assert Provider.objects.count() == 20


def test_demo_provider_pages_render(admin_browser):
    provider = ProviderFactory()
    LocationFactory(provider=provider)
    PaymentMethodFactory(provider=provider)
    assert admin_browser.get("/admin/providers/provider/?provider_type__exact=clinic").status_code == 200
    assert admin_browser.get(f"/admin/providers/provider/{provider.pk}/change/").status_code == 200
