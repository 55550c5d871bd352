"""Provider rules that live in the services, so the admin (which calls them) and the API refuse alike."""

import pytest

from apps.core.exceptions import ApplicationError
from apps.providers import services
from tests.providers.factories import LocationFactory, PaymentMethodFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hours", [[], {"monday": []}, {"mon": [["8:00", "18:00"]]}, {"mon": [["18:00"]]}])
def test_opening_hours_outside_the_documented_shape_are_refused(admin_user, hours):
    location = LocationFactory()
    with pytest.raises(ApplicationError) as refused:
        services.location_update(instance=location, data={"opening_hours": hours}, actor=admin_user)
    assert list(refused.value.extra["errors"]) == ["opening_hours"]
    overnight = {"fri": [["22:00", "06:00"]], "sun": []}
    assert services.location_update(instance=location, data={"opening_hours": overnight}).opening_hours == overnight


def test_a_payment_method_takes_an_iso_currency_code(admin_user):
    method = PaymentMethodFactory()
    for wrong in ("ÑAB", "US", "U1D"):
        with pytest.raises(ApplicationError) as refused:
            services.payment_method_update(instance=method, data={"currency": wrong}, actor=admin_user)
        assert list(refused.value.extra["errors"]) == ["currency"]
    assert services.payment_method_update(instance=method, data={"currency": "eur"}, actor=admin_user).currency == "EUR"
