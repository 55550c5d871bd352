"""The issue's scenario through the API: a case on a USD voucher in Mexico, a hospital billing in MXN,
a guarantee above the operator's authority approved by the partner, sent by e-mail and accepted through
the provider's link, amended upward and finalised;
after each step the voucher's remaining benefit (USD, at the stored rate) is asserted to the cent."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from apps.guarantees.models import Guarantee, GuaranteeStatusHistory
from tests.guarantees.helpers import api_as_operator as _operator_client
from tests.guarantees.helpers import api_as_partner as _partner_client
from tests.guarantees.helpers import make_world
from tests.guarantees.helpers import remaining_benefit as _remaining
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


world = pytest.fixture(make_world)


def test_issue_above_authority_partner_approval_amend_and_final(world):
    base = f"/v1/assistances/events/{world.event.pk}/guarantees"
    tmo, admin, kom = _operator_client(world.tmo), _operator_client(world.admin), _partner_client("KOM")

    created = tmo.post(
        base,
        {
            "assignment": world.assignment.pk,
            "amount": "40000.00",
            "covered_services": "Emergency room and two days.",
            "recipient_email": "admisiones@hospital.example",
        },
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

    # Sent to the hospital's desk; the hospital accepts through the link in the e-mail, without an account.
    sent = tmo.post(f"{one}/send", HTTP_IDEMPOTENCY_KEY="se-1")
    assert sent.status_code == 200 and sent.json()["status"] == "SENT", sent.content.decode()
    [message] = mail.outbox
    assert message.to == ["admisiones@hospital.example"]
    link = re.search(r"http://testserver(/gop/\S+)", message.body).group(1)
    hospital = Client(enforce_csrf_checks=True)
    assert "Ł. Ż." in hospital.get(link).content.decode()
    accepted = hospital.post(link, {"decision": "accept", "csrfmiddlewaretoken": hospital.cookies["csrftoken"].value})
    assert accepted.status_code == 302
    assert tmo.get(one).json()["status"] == "ACCEPTED"
    assert _remaining(world) == Decimal("3000.00")  # sending and accepting move no money

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
    assert statuses == ["DRAFT", "ISSUED", "SENT", "ACCEPTED", "AMENDED", "FINAL"]


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
