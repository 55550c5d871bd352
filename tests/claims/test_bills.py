"""Providers' bills: creation and its refusals, the duplicate and price checks, line review, the
decision with its totals and the guarantee's cap, the price reference, and who reads and writes them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from apps.claims import bills, selectors, services
from apps.core.exceptions import ConflictError, ValidationFailed
from apps.guarantees.services import guarantee_create, guarantee_issue
from apps.masters.models import StatusRole
from tests.guarantees.helpers import api_as_operator, api_as_partner, make_world
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

world = pytest.fixture(make_world)
TODAY = timezone.localdate


def new_bill(world, number, *amounts, currency="MXN", days_ago=1, actor=None):
    lines = [{"description": f"Service {i}", "unit_price": Decimal(a)} for i, a in enumerate(amounts, start=1)]
    data = {"invoice_number": number, "invoice_date": TODAY() - datetime.timedelta(days=days_ago), "currency": currency}
    return bills.bill_create(assignment=world.assignment, data=data, lines=lines, actor=actor or world.tmo)


def decide(bill, actor, *allowed, reason="NEGOTIATED"):
    for line, raw in zip(bill.lines.order_by("position"), allowed, strict=True):
        amount = Decimal(raw)
        code = reason if amount < line.billed_amount else None
        bills.bill_line_review(line=line, allowed_amount=amount, reason_code=code, actor=actor)
    return bills.bill_decide(bill=bill, actor=actor, acknowledge_flags=True)


def gop(world, amount="40000"):
    """A guarantee in force for the hospital, in MXN (its USD equivalent at the stored 20 MXN per USD)."""
    guarantee = guarantee_create(
        assignment=world.assignment, data={"amount": Decimal(amount), "covered_services": "ER"}, actor=world.admin
    )
    return guarantee_issue(guarantee=guarantee, actor=world.admin)


def codes(flags):
    return [flag["code"] for flag in flags]


def test_a_bill_is_checked_and_the_same_invoice_twice_is_refused(world):
    bill = new_bill(world, "F-1", "100.50", "200")
    assert (bill.status.role, bill.billed_total, bill.currency) == (StatusRole.RECEIVED, Decimal("300.50"), "MXN")
    assert [line.billed_amount for line in bill.lines.order_by("position")] == [Decimal("100.50"), Decimal("200")]
    with pytest.raises(ConflictError) as caught:
        new_bill(world, " f-1 ", "5")
    assert caught.value.code == "duplicate_invoice"
    with pytest.raises(ValidationFailed) as caught:
        bills.bill_create(
            assignment=world.assignment,
            data={"invoice_number": "F-2", "invoice_date": TODAY(), "billed_total": Decimal("10")},
            lines=[{"description": "x", "quantity": Decimal(2), "unit_price": Decimal("4.50")}],
        )
    assert caught.value.errors["billed_total"][0].code == "total_mismatch"  # the lines add up to 9.00
    with pytest.raises(ValidationFailed) as caught:
        bills.bill_create(
            assignment=world.assignment,
            data={"invoice_number": "F-3", "invoice_date": TODAY() + datetime.timedelta(days=1)},
            lines=[{"description": "x", "unit_price": Decimal("1")}],
        )
    assert caught.value.errors["invoice_date"][0].code == "date_out_of_range"
    with pytest.raises(ValidationFailed) as caught:
        bills.bill_create(
            assignment=world.assignment,
            data={"invoice_number": "F-4", "invoice_date": TODAY()},
            lines=[
                {
                    "description": "x",
                    "quantity": Decimal(3),
                    "unit_price": Decimal("3.333"),
                    "billed_amount": Decimal("9.99"),
                }
            ],
        )
    # 3 × 3.333 = 9.999, which is MXN 10.00 to the cent: the printed 9.99 is refused.
    assert caught.value.errors["lines"][0]["billed_amount"][0].code == "line_amount_mismatch"


def test_possible_duplicate_within_two_percent_and_seven_days(world):
    new_bill(world, "A", "10000", days_ago=20)
    assert new_bill(world, "B", "10300", days_ago=20).flags == []  # 3 % apart
    assert new_bill(world, "C", "10000", days_ago=12).flags == []  # 8 days apart
    flagged = new_bill(world, "D", "10200", days_ago=13)  # 2 % and 7 days from A
    assert set(codes(flagged.flags)) == {"possible_duplicate"}
    against_a = next(flag for flag in flagged.flags if flag["data"]["invoice_number"] == "A")
    assert against_a["data"]["difference_percent"] == "1.96"
    with translation.override("en"):
        assert "invoice A" in bills.flag_message(against_a)
    # Deciding needs the reviewer to acknowledge it.
    bills.bill_line_review(line=flagged.lines.get(), allowed_amount=Decimal("10200"), actor=world.tmo)
    with pytest.raises(ValidationFailed) as caught:
        bills.bill_decide(bill=flagged, actor=world.tmo)
    assert caught.value.code == "flags_not_acknowledged"
    decided = bills.bill_decide(bill=flagged, actor=world.tmo, acknowledge_flags=True)
    assert decided.status.role == StatusRole.APPROVED and all(f["acknowledged_at"] for f in decided.flags)
    assert all(f.get("acknowledged_at") for f in bills.bill_check(bill=decided).flags)  # kept on a re-check


def test_a_line_above_the_p90_of_allowed_amounts_is_flagged_with_it(world):
    for number, amount in enumerate(["100", "200", "300", "400"], start=1):
        decide(new_bill(world, f"P-{number}", amount, days_ago=60 + number * 10), world.tmo, amount)
    assert codes(new_bill(world, "X-1", "600").lines.get().flags) == []  # four amounts say nothing yet
    decide(new_bill(world, "P-5", "500", days_ago=150), world.tmo, "500")
    bill = bills.bill_create(
        assignment=world.assignment,
        data={"invoice_number": "X-2", "invoice_date": TODAY()},
        lines=[
            {"description": "Emergency room", "unit_price": Decimal("500")},
            {"description": "CT scan", "code": "CT-1", "unit_price": Decimal("600")},
            {"description": "CT scan (again)", "code": "ct-1 ", "unit_price": Decimal("600")},
        ],
    )
    first, second, third = bill.lines.order_by("position")
    assert first.flags == []  # at the p90 is not above it
    assert codes(second.flags) == ["above_p90"] and second.flags[0]["data"]["p90"] == "500.00"
    assert second.flags[0]["data"]["count"] == 5
    assert codes(third.flags) == ["duplicate_line", "above_p90"] and third.flags[0]["data"] == {"same_as": 2}
    assert "500.00 MXN" in bills.flag_message(second.flags[0])


def test_line_review_needs_a_reason_below_the_billed_amount_and_partial_totals(world):
    bill = new_bill(world, "R-1", "1000.10", "250.25", "99.99")
    one, two, three = bill.lines.order_by("position")
    with pytest.raises(ValidationFailed) as caught:
        bills.bill_line_review(line=two, allowed_amount=Decimal("200"), actor=world.tmo)
    assert caught.value.errors["reason"][0].code == "reason_required"
    with pytest.raises(ValidationFailed) as caught:
        bills.bill_line_review(line=two, allowed_amount=Decimal("250.26"), actor=world.tmo)
    assert caught.value.errors["allowed_amount"][0].code == "above_billed"
    bills.bill_line_review(line=one, allowed_amount=Decimal("1000.10"), actor=world.tmo)
    bill.refresh_from_db()
    assert bill.status.role == StatusRole.IN_REVIEW  # reviewing a line started the review
    with pytest.raises(ConflictError) as caught:
        bills.bill_decide(bill=bill, actor=world.tmo)
    assert caught.value.code == "lines_not_reviewed" and caught.value.extra["lines"] == [2, 3]
    bills.bill_line_review(line=two, allowed_amount=Decimal("200"), reason_code="negotiated", actor=world.tmo)
    bills.bill_line_review(line=three, allowed_amount=Decimal("0"), reason_code="DUPLICATE", actor=world.tmo)
    two.refresh_from_db()
    assert (two.reason.code, two.reviewed_by, two.reviewed_at is not None) == ("NEGOTIATED", world.tmo, True)
    decided = bills.bill_decide(bill=bill, actor=world.tmo, note="ok")
    assert decided.status.role == StatusRole.PARTIAL
    assert (decided.billed_total, decided.allowed_total, decided.savings) == (
        Decimal("1350.34"),
        Decimal("1200.10"),
        Decimal("150.24"),
    )
    rejected = decide(new_bill(world, "R-2", "10"), world.tmo, "0", reason="NOT_COVERED")
    assert (rejected.status.role, rejected.savings) == (StatusRole.REJECTED, Decimal("10"))


def test_the_allowed_total_never_exceeds_the_guarantee_in_its_currency(world):
    guarantee = gop(world, "40000")
    same = new_bill(world, "G-1", "40000.01")
    assert same.guarantee_id == guarantee.pk and codes(same.flags) == ["above_guarantee"]
    bills.bill_line_review(line=same.lines.get(), allowed_amount=Decimal("40000.01"), actor=world.tmo)
    with pytest.raises(ConflictError) as caught:
        bills.bill_decide(bill=same, actor=world.tmo)
    assert caught.value.code == "above_guarantee" and "40000.00 MXN" in caught.value.message
    # In USD: the guarantee's MXN 40,000 at its own stored rate (20 MXN per USD) is USD 2,000.
    usd = new_bill(world, "G-2", "2000.01", currency="USD")
    bills.bill_line_review(line=usd.lines.get(), allowed_amount=Decimal("2000.01"), actor=world.tmo)
    with pytest.raises(ConflictError) as caught:
        bills.bill_decide(bill=usd, actor=world.tmo)
    assert caught.value.extra == {"guarantee": guarantee.number, "limit": "2000.00", "currency": "USD"}
    bills.bill_line_review(
        line=usd.lines.get(), allowed_amount=Decimal("2000.00"), reason_code="ABOVE_AGREED", actor=world.tmo
    )
    assert bills.bill_decide(bill=usd, actor=world.tmo).status.role == StatusRole.PARTIAL
    # A payment never goes above the approved total.
    with pytest.raises(ConflictError) as caught:
        services.payment_record(
            bill=usd, paid_on=TODAY(), amount=Decimal("2000.01"), currency="USD", reference="T", actor=world.tmo
        )
    assert caught.value.code == "payment_exceeds_approved"


def test_price_reference_median_and_p90_city_else_country(world):
    for number, amount in enumerate(["100", "300", "200", "500", "400", "1000"], start=1):
        decide(new_bill(world, f"M-{number}", amount, days_ago=number * 10), world.tmo, amount)
    event = world.event
    reference = selectors.price_reference(
        assistance=event.assistance, country=event.country, city=event.city, currency="MXN"
    )
    assert (reference.count, reference.median, reference.p90) == (6, Decimal("300"), Decimal("1000"))
    api = api_as_operator(world.tmo)
    answer = api.get(
        "/v1/assistances/price-reference", {"assistance": "MED_EMERGENCY", "country": "MX", "currency": "MXN"}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"currency": "MXN", "scope": "country", "count": 6, "median": "300.00", "p90": "1000.00"}
    assert (
        api.get(
            "/v1/assistances/price-reference", {"assistance": "MED_EMERGENCY", "country": "MX", "currency": "USD"}
        ).json()["count"]
        == 0
    )
    assert_problem(
        api_as_partner("KOM").get(
            "/v1/assistances/price-reference", {"assistance": "MED_EMERGENCY", "country": "MX", "currency": "MXN"}
        ),
        403,
    )


def test_partners_read_their_own_cases_bills_and_write_none(world):
    bill = new_bill(world, "K-1", "100")
    base = f"/v1/assistances/events/{world.event.pk}"
    source = world.event.source_code
    partner, other = api_as_partner(source), api_as_partner("MOK" if source != "MOK" else "KOM")
    listed = partner.get(f"{base}/bills")
    assert listed.status_code == 200 and [row["id"] for row in listed.json()["results"]] == [bill.pk]
    assert partner.get(f"{base}/bills/{bill.pk}").json()["lines"][0]["billed_amount"] == "100.00"
    assert partner.get(f"{base}/bills/{bill.pk}/payments").status_code == 200
    assert_problem(other.get(f"{base}/bills/{bill.pk}"), 404)
    assert_problem(other.get(f"{base}/reserve"), 404)
    assert_problem(partner.post(f"{base}/bills/{bill.pk}/review"), 403, "partner_write_not_allowed")
    assert_problem(
        partner.patch(f"{base}/bills/{bill.pk}/lines/1", {"allowed_amount": "1"}, format="json"),
        403,
        "partner_write_not_allowed",
    )
    assert_problem(partner.post(f"{base}/reserve", {"amount": "1", "reason": "x"}, format="json"), 403)
    reasons = partner.get("/v1/assistances/adjustment-reasons").json()
    assert "DUPLICATE" in [row["code"] for row in reasons["results"]]
