"""A guarantee in the provider's currency is committed on the voucher in the voucher's currency, at a
stored rate that the commitment keeps (and that settles the final cost later)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.assistances import services
from apps.assistances.services.providers import commitment_amount, event_commitments_settle
from apps.core.exceptions import ApplicationError, ConflictError
from apps.masters.models import Assistance, ExchangeRate, RatePolicy, Source
from apps.vouchers.models import BenefitCommitment
from tests.assistances.factories import covered_case
from tests.providers.factories import ProviderFactory
from tests.vouchers.factories import BenefitFactory, VoucherFactory, country

pytestmark = pytest.mark.django_db


def _rate(day, from_currency, to_currency, rate):
    return ExchangeRate.objects.create(
        date=day, from_currency=from_currency, to_currency=to_currency, rate=Decimal(rate), source="TEST"
    )


def test_a_guarantee_in_mxn_commits_usd_at_the_rate_of_the_service_date_and_keeps_the_rate(operator):
    today = timezone.localdate()
    _rate(today - datetime.timedelta(days=40), "USD", "MXN", "20")
    used = _rate(today - datetime.timedelta(days=1), "USD", "MXN", "18.25")
    _rate(today + datetime.timedelta(days=1), "USD", "MXN", "15")  # tomorrow's: not yet
    event = covered_case(actor=operator)
    provider = ProviderFactory(assistances=[event.assistance])
    assignment = services.event_provider_assign(
        event=event, provider=provider, guaranteed_amount=Decimal("3650.00"), currency="mxn", actor=operator
    )
    commitment = BenefitCommitment.objects.get(pk=assignment.commitment_id)
    assert assignment.currency == "MXN" and assignment.guaranteed_amount == Decimal("3650.00")
    assert commitment.amount == Decimal("200.00")  # 3650 / 18.25, in the voucher's USD (inverse of USD→MXN)
    assert (commitment.original_amount, commitment.original_currency, commitment.rate) == (
        Decimal("3650.00"),
        "MXN",
        used,
    )
    # A new rate later does not change what the commitment says (the report re-run next year).
    _rate(today, "MXN", "USD", "0.1")
    assert commitment_amount(commitment=commitment, amount=Decimal("3650")) == Decimal("200.00")


def test_the_final_cost_is_settled_at_the_guarantees_rate(operator):
    _rate(timezone.localdate(), "USD", "MXN", "20")
    event = covered_case(actor=operator)
    provider = ProviderFactory(assistances=[event.assistance])
    assignment = services.event_provider_assign(
        event=event, provider=provider, guaranteed_amount=Decimal("10000"), currency="MXN", actor=operator
    )
    services.event_provider_transition(assignment=assignment, to_code="STARTED", actor=operator)
    services.event_provider_transition(
        assignment=assignment, to_code="RESOLVED", final_cost=Decimal("8000.50"), actor=operator
    )
    event_commitments_settle(event=event, actor=operator)
    assert BenefitCommitment.objects.get(pk=assignment.commitment_id).amount == Decimal("400.03")  # 8000.50 / 20


def test_without_a_rate_the_assignment_is_a_409_and_nothing_is_committed(operator):
    event = covered_case(actor=operator)
    provider = ProviderFactory(assistances=[event.assistance])
    with pytest.raises(ConflictError) as excinfo:
        services.event_provider_assign(
            event=event, provider=provider, guaranteed_amount=Decimal("100"), currency="BRL", actor=operator
        )
    assert excinfo.value.code == "no_exchange_rate"
    assert not BenefitCommitment.objects.exists() and not event.providers.exists()


def test_the_purchase_date_policy_uses_the_vouchers_issue_date(operator):
    Source.objects.filter(code="KOM").update(rate_policy=RatePolicy.PURCHASE_DATE)
    issued = timezone.now() - datetime.timedelta(days=30)
    purchase_rate = _rate(timezone.localdate(issued), "USD", "MXN", "20")
    _rate(timezone.localdate(), "USD", "MXN", "10")
    voucher = VoucherFactory(worldwide=True, residence_country=country("AR"), issued_at=issued)
    BenefitFactory(voucher=voucher, assistance=Assistance.objects.get(code="MED_EMERGENCY"))
    event = covered_case(actor=operator, voucher=voucher)
    provider = ProviderFactory(assistances=[event.assistance])
    assignment = services.event_provider_assign(
        event=event, provider=provider, guaranteed_amount=Decimal("2000"), currency="MXN", actor=operator
    )
    assert assignment.commitment.rate == purchase_rate and assignment.commitment.amount == Decimal("100.00")


def test_amounts_with_more_decimals_than_their_currency_are_refused(operator):
    clp = VoucherFactory(worldwide=True, residence_country=country("AR"), currency="CLP")
    BenefitFactory(
        voucher=clp,
        assistance=Assistance.objects.get(code="MED_EMERGENCY"),
        limit_amount=Decimal("900000"),
        currency="CLP",
    )
    event = covered_case(actor=operator, voucher=clp)
    provider = ProviderFactory(assistances=[event.assistance])
    with pytest.raises(ApplicationError) as excinfo:
        services.event_provider_assign(event=event, provider=provider, guaranteed_amount=Decimal("1000.50"))
    assert excinfo.value.extra["errors"]["guaranteed_amount"][0].code == "too_many_decimals"
    assignment = services.event_provider_assign(event=event, provider=provider, guaranteed_amount=Decimal("1000"))
    assert assignment.currency == "CLP" and assignment.commitment.amount == Decimal("1000")
    services.event_provider_transition(assignment=assignment, to_code="STARTED", actor=operator)
    with pytest.raises(ApplicationError) as excinfo:
        services.event_provider_transition(assignment=assignment, to_code="RESOLVED", final_cost=Decimal("999.9"))
    assert excinfo.value.extra["errors"]["final_cost"][0].code == "too_many_decimals"
