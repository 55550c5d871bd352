"""A list of references (countries, assistance codes) takes a JSON list only. DRF iterated a JSON
object's keys as if it were one, so ``"destinations": {}`` issued a voucher without destinations (found
by the schema fuzzer from the examples of POST /v1/vouchers)."""

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from apps.providers.api.serializers import ProviderSerializer
from apps.vouchers.api.examples import ISSUE_REQUEST
from apps.vouchers.api.serializers import VoucherIssueSerializer
from apps.vouchers.models import Voucher
from tests.helpers import assert_problem
from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "codes"),
    [
        (VoucherIssueSerializer().fields["destinations"], ["ES"]),
        (ProviderSerializer().fields["assistances"], ["TOWING"]),
    ],
)
def test_a_json_object_is_not_a_list(field, codes):
    country("ES")
    for value in ({}, dict.fromkeys(codes, 1)):
        with pytest.raises(ValidationError) as refused:
            field.run_validation(value)
        assert refused.value.get_codes() == ["not_a_list"]
    assert len(field.run_validation(codes)) == 1


def test_a_voucher_is_not_issued_with_an_object_for_its_destinations(admin_user):
    for code in ("AR", "ES", "FR"):
        country(code)
    api = APIClient()
    api.force_login(admin_user)
    body = assert_problem(api.post("/v1/vouchers", {**ISSUE_REQUEST, "destinations": {}}, format="json"), 400)
    assert list(body["errors"]) == ["destinations"]
    assert not Voucher.objects.exists()
    assert api.post("/v1/vouchers", ISSUE_REQUEST, format="json").status_code == 201
