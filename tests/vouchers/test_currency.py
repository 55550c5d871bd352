"""A voucher's currency: every benefit amount is in it; given, derived from the benefits, or the source's default."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps

from apps.core.exceptions import ApplicationError, ConflictError
from apps.masters.models import Source
from apps.vouchers import services
from apps.vouchers.models import Voucher
from tests.vouchers.factories import BenefitFactory, VoucherFactory, assistance
from tests.vouchers.test_api import LIST, _payload
from tests.vouchers.test_services import _issue_data

pytestmark = pytest.mark.django_db


def test_the_currency_comes_from_the_benefits_and_fills_a_benefit_that_gives_none():
    benefits = [
        {"assistance": assistance("MED_EMERGENCY"), "limit_amount": Decimal("30000"), "currency": "eur"},
        {"assistance": assistance("MED_CONSULTATION"), "limit_amount": Decimal("500")},
    ]
    voucher = services.voucher_issue(data=_issue_data(benefits=benefits))
    assert voucher.currency == "EUR"
    assert set(voucher.benefits.values_list("currency", flat=True)) == {"EUR"}


def test_without_amounts_the_currency_is_the_sources_default():
    Source.objects.filter(code="KOM").update(default_currency="CLP")
    voucher = services.voucher_issue(data=_issue_data(benefits=[]))
    assert voucher.currency == "CLP"


def test_a_benefit_in_another_currency_is_refused():
    benefits = [{"assistance": assistance("MED_EMERGENCY"), "limit_amount": Decimal("100"), "currency": "EUR"}]
    with pytest.raises(ApplicationError) as excinfo:
        services.voucher_issue(data=_issue_data(currency="USD", benefits=benefits))
    assert excinfo.value.extra["errors"]["benefits"][0]["currency"][0].code == "currency_mismatch"
    assert not Voucher.objects.exists()


def test_a_currency_change_needs_the_benefits_restated_and_no_commitments():
    voucher = VoucherFactory()
    benefit = BenefitFactory(voucher=voucher, assistance=assistance("MED_EMERGENCY"))
    with pytest.raises(ApplicationError) as excinfo:
        services.voucher_update(voucher=voucher, data={"currency": "EUR"})
    assert excinfo.value.extra["errors"]["currency"][0].code == "currency_mismatch"
    restated = [{"assistance": benefit.assistance, "limit_amount": Decimal("900")}]
    services.voucher_update(voucher=voucher, data={"currency": "EUR", "benefits": restated})
    voucher.refresh_from_db()
    assert voucher.currency == "EUR" and voucher.benefits.get().currency == "EUR"
    services.benefit_commit(voucher=voucher, assistance=benefit.assistance, amount=Decimal("10"), reference="BT-1")
    with pytest.raises(ConflictError) as conflict:
        services.voucher_update(voucher=voucher, data={"currency": "USD", "benefits": restated})
    assert conflict.value.code == "currency_in_use"


def test_api_keeps_the_old_contract_and_reports_decimals_by_code(api_client, admin_user):
    api_client.force_login(admin_user)
    created = api_client.post(LIST, _payload(), format="json")  # no voucher currency: the benefits' USD
    assert created.status_code == 201, created.content
    assert created.json()["currency"] == "USD"
    clp = _payload(number="KOM-000002", currency="CLP", benefits=[{"assistance": "MED_EMERGENCY", "amount": "1500.50"}])
    response = api_client.post(LIST, clp, format="json")
    assert response.status_code == 400
    assert response.json()["error_codes"]["benefits"]["0"]["limit_amount"] == ["too_many_decimals"]
    mismatch = _payload(number="KOM-000003", currency="EUR")
    response = api_client.post(LIST, mismatch, format="json")
    assert response.status_code == 400
    assert response.json()["error_codes"]["benefits"]["0"]["currency"] == ["currency_mismatch"]


def test_the_migration_fills_the_currency_from_the_benefits_else_the_source():
    migration = importlib.import_module("apps.vouchers.migrations.0003_voucher_currency_and_rates")
    Source.objects.filter(code="MOK").update(default_currency="BRL")
    with_benefits = VoucherFactory(source="KOM")
    BenefitFactory(voucher=with_benefits, assistance=assistance("MED_EMERGENCY"), currency="EUR")
    without = VoucherFactory(source="MOK")
    unknown = VoucherFactory(source="ZZZ")
    Voucher.objects.update(currency="")
    migration.fill_voucher_currency(django_apps, None)
    currencies = dict(Voucher.objects.values_list("pk", "currency"))
    assert (currencies[with_benefits.pk], currencies[without.pk], currencies[unknown.pk]) == ("EUR", "BRL", "USD")
