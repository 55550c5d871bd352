"""Reserves and payments: the initial estimate, changes with a reason, payments converted at their
date's rate into the bill's and the settlement currency, never above the approved total, and a
payment above the outstanding reserve raising it first."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.assistances import services as cases
from apps.claims import services
from apps.claims.bills import BILL_MACHINE
from apps.claims.models import Bill, ReserveChange
from apps.core.exceptions import ConflictError, ValidationFailed
from apps.masters.models import ExchangeRate, StatusRole
from tests.assistances.factories import covered_case
from tests.providers.factories import ProviderFactory
from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_with_bill():
    today = timezone.localdate()
    ExchangeRate.objects.create(date=today, from_currency="USD", to_currency="MXN", rate=Decimal("20"), source="T")
    event = covered_case(country=country("MX"))  # MED_EMERGENCY: USD 1,500 estimate; USD voucher
    provider = ProviderFactory(assistances=[event.assistance], country=country("MX"))
    assignment = cases.event_provider_assign(event=event, provider=provider, currency="MXN")
    bill = Bill.objects.create(
        event=event,
        assignment=assignment,
        provider=provider,
        invoice_number="F-1",
        invoice_date=today,
        currency="MXN",
        billed_total=Decimal("50000"),
        allowed_total=Decimal("40000"),
        savings=Decimal("10000"),
        status=BILL_MACHINE.with_role(StatusRole.APPROVED),
        received_via="console",
        received_at=timezone.now(),
    )
    return event, bill


def test_reserve_opens_from_the_table_and_changes_with_a_reason(case_with_bill):
    event, _bill = case_with_bill
    reserve = services.reserve_open(event=event)
    assert (reserve.amount, reserve.currency) == (Decimal("1500.00"), "USD")
    with pytest.raises(ValidationFailed):
        services.reserve_set(event=event, amount=Decimal("2000"), reason=" ")
    services.reserve_set(event=event, amount=Decimal("2000"), reason="Surgery likely")
    figures = services.reserve_figures(event=event)
    assert (figures.reserve, figures.paid, figures.outstanding, figures.incurred) == (
        Decimal("2000"),
        0,
        Decimal("2000"),
        Decimal("2000"),
    )
    assert list(ReserveChange.objects.values_list("reason", flat=True)) == [
        _("Initial estimate for the assistance."),
        "Surgery likely",
    ]


def test_payments_in_two_currencies_never_above_the_approved_total_and_raise_the_reserve(case_with_bill):
    event, bill = case_with_bill
    services.reserve_open(event=event)
    today = timezone.localdate()
    # USD 1,000 = MXN 20,000 on the bill; USD 1,000 in the settlement currency.
    services.payment_record(bill=bill, paid_on=today, amount=Decimal("1000"), currency="USD", reference="T-1")
    bill.refresh_from_db()
    assert bill.status.role == StatusRole.SCHEDULED
    with pytest.raises(ConflictError) as caught:
        services.payment_record(bill=bill, paid_on=today, amount=Decimal("20000.01"), currency="MXN", reference="T-2")
    assert caught.value.code == "payment_exceeds_approved"
    # MXN 20,000 = USD 1,000: above the outstanding USD 500, so the reserve goes to 2,000 first.
    services.payment_record(bill=bill, paid_on=today, amount=Decimal("20000"), currency="MXN", reference="T-2")
    bill.refresh_from_db()
    figures = services.reserve_figures(event=event)
    assert bill.status.role == StatusRole.PAID
    assert (figures.reserve, figures.paid, figures.outstanding, figures.incurred) == (
        Decimal("2000.00"),
        Decimal("2000.00"),
        0,
        Decimal("2000.00"),
    )
    assert "T-2" in ReserveChange.objects.last().reason
    with pytest.raises(ValidationFailed):
        services.payment_record(
            bill=bill, paid_on=today + datetime.timedelta(days=1), amount=Decimal("1"), currency="MXN", reference="X"
        )
