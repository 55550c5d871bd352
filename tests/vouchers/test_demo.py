"""Demo vouchers at scale: realistic shapes, batches, numbering that continues."""

import random

import pytest
from django.db.models import Count

from apps.masters.models import Assistance
from apps.vouchers import selectors
from apps.vouchers.demo import generate_vouchers
from apps.vouchers.models import Voucher, VoucherBenefit, VoucherStatusHistory, VoucherTraveller
from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db


def test_generate_vouchers_in_batches():
    for code in ("AR", "ES", "FR", "IT", "US", "BR"):
        country(code)
    calls = []
    created = generate_vouchers(count=45, batch_size=20, progress=calls.append, rng=random.Random(7))
    assert created == 45 and calls == [20, 20, 5]
    assert Voucher.objects.count() == 45
    assert Voucher.objects.order_by("number").first().number == "DEMO-000000001"

    per_voucher = Voucher.objects.annotate(t=Count("travellers", distinct=True), b=Count("benefits", distinct=True))
    for voucher in per_voucher:
        assert 1 <= voucher.t <= 4 and 3 <= voucher.b <= 8
        assert voucher.valid_to >= voucher.valid_from
        if not voucher.worldwide:
            assert voucher.destinations.exists()
            assert not voucher.destinations.filter(pk=voucher.residence_country_id).exists()
    assert VoucherTraveller.objects.filter(is_holder=True).count() == 45
    assert VoucherStatusHistory.objects.count() == 45
    for benefit in VoucherBenefit.objects.all():
        assert (benefit.assistance_id is None) != (benefit.category_id is None)
        assert benefit.limit_amount is not None or benefit.limit_count is not None
        assert benefit.limit_amount is None or benefit.currency == "USD"
    statuses = set(Voucher.objects.values_list("status__code", flat=True))
    assert "ACTIVE" in statuses

    # The coverage check works on generated data.
    voucher = Voucher.objects.select_related("status").first()
    result = selectors.voucher_check_coverage(
        voucher=voucher,
        assistance=Assistance.objects.first(),
        country=country("IT"),
        on_date=voucher.valid_from,
    )
    assert len(result.reasons) == 6

    generate_vouchers(count=3, batch_size=2, rng=random.Random(8))
    assert Voucher.objects.order_by("-number").first().number == "DEMO-000000048"


def test_generate_without_countries_is_worldwide():
    generate_vouchers(count=5, rng=random.Random(1))
    assert set(Voucher.objects.values_list("worldwide", flat=True)) == {True}
