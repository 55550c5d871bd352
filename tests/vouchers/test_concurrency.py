"""Two cases committing the same benefit at the same moment cannot together exceed its limit."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from apps.core.exceptions import ConflictError
from apps.vouchers import services
from apps.vouchers.models import BenefitCommitment
from tests.vouchers.factories import BenefitFactory, VoucherFactory, assistance

# Real transactions on separate connections; the seeded catalogs are restored afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_concurrent_commitments_respect_the_limit():
    voucher = VoucherFactory()
    BenefitFactory(voucher=voucher, limit_amount=Decimal("1000.00"))
    emergency = assistance("MED_EMERGENCY")
    start = threading.Barrier(2, timeout=10)
    outcomes: list[str] = []

    def commit(reference: str) -> None:
        try:
            start.wait()
            services.benefit_commit(voucher=voucher, assistance=emergency, amount=Decimal("600"), reference=reference)
            outcomes.append("committed")
        except ConflictError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=commit, args=(f"CASE-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["benefit_limit_exceeded", "committed"]
    assert BenefitCommitment.objects.count() == 1
