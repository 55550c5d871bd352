"""The issue's scenario through the API: a case on a USD voucher in Mexico, a hospital billing in MXN,
a guarantee above the operator's authority approved by the partner, amended upward and finalised;
after each step the voucher's remaining benefit (USD, at the stored rate) is asserted to the cent."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP
from apps.assistances import services as cases
from apps.clients.authentication import ApiClientPrincipal
from apps.clients.models import ApiClient
from apps.clients.scopes import ALL_SCOPES
from apps.guarantees.models import Guarantee, GuaranteeStatusHistory
from apps.masters.models import Assistance, ExchangeRate
from apps.vouchers.selectors import applicable_benefit, benefit_usage
from tests.accounts.factories import UserFactory
from tests.assistances.factories import covered_case
from tests.clients.factories import credentials, make_partner
from tests.helpers import assert_problem
from tests.providers.factories import ProviderFactory
from tests.vouchers.factories import BenefitFactory, VoucherFactory, country

pytestmark = pytest.mark.django_db


def _user(group: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def _partner_client(source: str) -> APIClient:
    """A partner with read and write scopes, as the token authentication makes it."""
    client = APIClient()
    api_client = ApiClient.objects.filter(name=source).first() or make_partner(source=source, name=source).client
    principal = ApiClientPrincipal(api_client, frozenset(ALL_SCOPES))
    client.force_authenticate(user=principal, token=credentials(ALL_SCOPES))
    return client


def _operator_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    today = timezone.localdate()
    # 1 USD = 20 MXN yesterday: MXN 40,000 is USD 2,000 (the inverse of the stored pair, kept).
    rate = ExchangeRate.objects.create(
        date=today - datetime.timedelta(days=1),
        from_currency="USD",
        to_currency="MXN",
        rate=Decimal("20"),
        source="TEST",
    )
    tmo, admin = _user(TMO_GROUP), _user(ADMIN_GROUP)
    voucher = VoucherFactory(worldwide=True, residence_country=country("AR"), currency="USD")
    BenefitFactory(
        voucher=voucher, assistance=Assistance.objects.get(code="MED_EMERGENCY"), limit_amount=Decimal("5000.00")
    )
    event = covered_case(actor=tmo, voucher=voucher, country=country("MX"), traveller_name="Łukasz Żółć")
    hospital = ProviderFactory(assistances=[event.assistance], country=country("MX"), languages=["es"])
    assignment = cases.event_provider_assign(event=event, provider=hospital, currency="MXN", actor=tmo)
    return SimpleNamespace(rate=rate, tmo=tmo, admin=admin, voucher=voucher, event=event, assignment=assignment)


def _remaining(world) -> Decimal:
    benefit = applicable_benefit(voucher=world.voucher, assistance=world.event.assistance)
    return benefit_usage(benefit=benefit).remaining_amount


def test_issue_above_authority_partner_approval_amend_and_final(world):
    base = f"/v1/assistances/events/{world.event.pk}/guarantees"
    tmo, admin, kom = _operator_client(world.tmo), _operator_client(world.admin), _partner_client("KOM")

    created = tmo.post(
        base,
        {"assignment": world.assignment.pk, "amount": "40000.00", "covered_services": "Emergency room and two days."},
        format="json",
        HTTP_IDEMPOTENCY_KEY="gop-create-1",
    )
    assert created.status_code == 201, created.json()
    gop = created.json()
    assert (gop["status"], gop["language"], gop["versions"][0]["currency"]) == ("DRAFT", "es", "MXN")
    assert _remaining(world) == Decimal("5000.00")  # a draft commits nothing
    one = f"{base}/{gop['id']}"

    # USD 2,000 is above a TMO operator's USD 1,000: it waits, nothing is committed yet.
    issued = tmo.post(f"{one}/issue", HTTP_IDEMPOTENCY_KEY="gop-issue-1").json()
    assert issued["status"] == "DRAFT" and issued["versions"][0]["approval"] == "pending"
    assert "2000.00 USD" in issued["versions"][0]["approval_reason"]
    assert _remaining(world) == Decimal("5000.00")

    # The partner finds what waits for it among its own cases' guarantees, and only there.
    waiting = kom.get("/v1/assistances/guarantees", {"approval": "pending"}).json()
    assert [row["id"] for row in waiting["results"]] == [gop["id"]]
    assert _partner_client("MOK").get("/v1/assistances/guarantees").json()["count"] == 0
    assert_problem(kom.get("/v1/assistances/guarantees", {"approval": "nope"}), 400)

    # Partners read their case's guarantees; another partner reads a 404; only the approval is theirs to write.
    assert kom.get(one).status_code == 200
    assert_problem(_partner_client("MOK").get(one), 404)
    assert_problem(kom.post(f"{one}/issue"), 403, "partner_write_not_allowed")
    assert_problem(_partner_client("MOK").post(f"{one}/approval", {"decision": "approve"}, format="json"), 404)

    approved = kom.post(
        f"{one}/approval", {"decision": "approve", "note": "OK from KOM"}, format="json", HTTP_IDEMPOTENCY_KEY="a-1"
    )
    assert approved.status_code == 200, approved.content.decode()
    body = approved.json()
    version = body["versions"][0]
    assert body["status"] == "ISSUED" and body["current_version"] == 1
    assert (version["approval"], version["voucher_amount"], version["voucher_currency"]) == (
        "approved",
        "2000.00",
        "USD",
    )
    assert version["rate"]["rate"] == "20.0000000000" and version["decided_by"] == "API client KOM (KOM)"
    assert _remaining(world) == Decimal("3000.00")

    # Amended upward by an administrator (authority USD 10,000): in force at once, the difference committed.
    amended = admin.post(f"{one}/amend", {"amount": "60000.00"}, format="json", HTTP_IDEMPOTENCY_KEY="am-1").json()
    assert amended["status"] == "AMENDED" and amended["current_version"] == 2, amended
    assert amended["versions"][0]["superseded_at"] is not None
    assert amended["versions"][1]["voucher_amount"] == "3000.00"
    assert _remaining(world) == Decimal("2000.00")

    # Final at discharge, lower: what is committed comes down with it.
    final = admin.post(f"{one}/final", {"amount": "50000.50"}, format="json", HTTP_IDEMPOTENCY_KEY="fi-1").json()
    assert final["status"] == "FINAL" and final["versions"][2]["is_final"] is True
    assert final["versions"][2]["voucher_amount"] == "2500.03"  # 50,000.50 / 20 = 2,500.025, half up
    assert _remaining(world) == Decimal("2499.97")

    statuses = list(
        GuaranteeStatusHistory.objects.filter(guarantee_id=gop["id"]).values_list("to_status__code", flat=True)
    )
    assert statuses == ["DRAFT", "ISSUED", "AMENDED", "FINAL"]


def test_cancel_releases_and_a_refusal_keeps_the_version(world):
    base = f"/v1/assistances/events/{world.event.pk}/guarantees"
    tmo, kom = _operator_client(world.tmo), _partner_client("KOM")
    gop = tmo.post(
        base, {"assignment": world.assignment.pk, "amount": "10000", "covered_services": "ER"}, format="json"
    ).json()
    one = f"{base}/{gop['id']}"
    issued = tmo.post(f"{one}/issue").json()  # USD 500: within authority
    assert issued["status"] == "ISSUED" and _remaining(world) == Decimal("4500.00")

    waiting = tmo.post(f"{one}/amend", {"amount": "30000"}, format="json").json()  # USD 1,500: waits
    assert waiting["status"] == "ISSUED" and waiting["versions"][1]["approval"] == "pending"
    assert_problem(tmo.post(f"{one}/amend", {"amount": "1000"}, format="json"), 409, "approval_pending")
    assert_problem(tmo.post(f"{one}/approval", {"decision": "approve"}, format="json"), 403)
    refused = kom.post(f"{one}/approval", {"decision": "refuse", "note": "Too much"}, format="json").json()
    assert refused["status"] == "ISSUED" and refused["current_version"] == 1
    assert refused["versions"][1]["approval"] == "refused" and _remaining(world) == Decimal("4500.00")

    assert_problem(tmo.post(f"{one}/cancel", {}, format="json"), 400)
    cancelled = tmo.post(f"{one}/cancel", {"reason": "Traveller flew home."}, format="json").json()
    assert cancelled["status"] == "CANCELLED" and _remaining(world) == Decimal("5000.00")
    assert_problem(tmo.post(f"{one}/amend", {"amount": "100"}, format="json"), 409, "illegal_transition")
    assert Guarantee.objects.get(pk=gop["id"]).status.code == "CANCELLED"
