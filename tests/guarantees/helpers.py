"""What the guarantee tests share: operators and partners as API clients, and the scenario's world (a
case on a USD voucher in Mexico with a hospital billing in MXN, 1 USD = 20 MXN)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP
from apps.assistances import services as cases
from apps.clients.authentication import ApiClientPrincipal
from apps.clients.models import ApiClient
from apps.clients.scopes import ALL_SCOPES
from apps.masters.models import Assistance, ExchangeRate
from apps.vouchers.selectors import applicable_benefit, benefit_usage
from tests.accounts.factories import UserFactory
from tests.assistances.factories import covered_case
from tests.clients.factories import credentials, make_partner
from tests.providers.factories import ProviderFactory
from tests.vouchers.factories import BenefitFactory, VoucherFactory, country


def user_in(group: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def api_as_partner(source: str) -> APIClient:
    """A partner with read and write scopes, as the token authentication makes it."""
    client = APIClient()
    api_client = ApiClient.objects.filter(name=source).first() or make_partner(source=source, name=source).client
    principal = ApiClientPrincipal(api_client, frozenset(ALL_SCOPES))
    client.force_authenticate(user=principal, token=credentials(ALL_SCOPES))
    return client


def api_as_operator(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def make_world():
    """The scenario's world; a module makes it its fixture with ``world = pytest.fixture(make_world)``."""
    today = timezone.localdate()
    # 1 USD = 20 MXN yesterday: MXN 40,000 is USD 2,000 (the inverse of the stored pair, kept).
    rate = ExchangeRate.objects.create(
        date=today - datetime.timedelta(days=1),
        from_currency="USD",
        to_currency="MXN",
        rate=Decimal("20"),
        source="TEST",
    )
    tmo, admin = user_in(TMO_GROUP), user_in(ADMIN_GROUP)
    voucher = VoucherFactory(worldwide=True, residence_country=country("AR"), currency="USD")
    BenefitFactory(
        voucher=voucher, assistance=Assistance.objects.get(code="MED_EMERGENCY"), limit_amount=Decimal("5000.00")
    )
    event = covered_case(actor=tmo, voucher=voucher, country=country("MX"), traveller_name="Łukasz Żółć")
    hospital = ProviderFactory(assistances=[event.assistance], country=country("MX"), languages=["es"])
    assignment = cases.event_provider_assign(event=event, provider=hospital, currency="MXN", actor=tmo)
    return SimpleNamespace(rate=rate, tmo=tmo, admin=admin, voucher=voucher, event=event, assignment=assignment)


def remaining_benefit(world) -> Decimal:
    benefit = applicable_benefit(voucher=world.voucher, assistance=world.event.assistance)
    return benefit_usage(benefit=benefit).remaining_amount
