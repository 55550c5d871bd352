"""The issue's bill scenario through the API: a guarantee accepted by the hospital (MXN 40,000 on a USD
voucher, 1 USD = 20 MXN), its bill entered with a repeated line and an overpriced one (five allowed
amounts before it, so the p90 applies), both flagged, partially approved, paid in two payments in
USD, and the reserve adjusted; every figure asserted to the cent. (The bordereau part is its own.)"""

import csv
import datetime
import io
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.assistances import services as cases
from apps.claims import bills, links
from apps.claims.bordereau import bordereau_generate
from apps.claims.models import Bill
from apps.guarantees.models import Guarantee
from tests.assistances.factories import covered_case
from tests.guarantees.helpers import api_as_operator, api_as_partner, make_world
from tests.helpers import assert_problem
from tests.issuance.factories import make_pdf
from tests.providers.factories import ProviderFactory
from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db

world = pytest.fixture(make_world)


def _allowed_before(world):
    """Five MRI lines allowed on another case in Mexico: p90 = MXN 8,000 (nearest rank)."""
    event = covered_case(country=country("MX"), voucher=world.voucher)
    clinic = ProviderFactory(assistances=[event.assistance], country=country("MX"))
    assignment = cases.event_provider_assign(event=event, provider=clinic, currency="MXN", actor=world.tmo)
    for number, amount in enumerate(["4000", "5000", "6000", "7000", "8000"], start=1):
        bill = bills.bill_create(
            assignment=assignment,
            data={"invoice_number": f"OLD-{number}", "invoice_date": timezone.localdate() - datetime.timedelta(90)},
            lines=[{"description": "MRI", "unit_price": Decimal(amount)}],
            actor=world.tmo,
        )
        bills.bill_line_review(line=bill.lines.get(), allowed_amount=Decimal(amount), actor=world.tmo)
        bills.bill_decide(bill=bill, actor=world.tmo, acknowledge_flags=True)


def _accepted_guarantee(admin, case, world) -> dict:
    """MXN 40,000 (USD 2,000 at the stored rate), issued by an administrator, sent and accepted by phone."""
    gop = admin.post(
        f"{case}/guarantees",
        {
            "assignment": world.assignment.pk,
            "amount": "40000.00",
            "covered_services": "ER",
            "recipient_email": "a@h.mx",
        },
        format="json",
    ).json()
    one = f"{case}/guarantees/{gop['id']}"
    assert admin.post(f"{one}/issue").json()["status"] == "ISSUED"
    assert admin.post(f"{one}/send").json()["status"] == "SENT"
    assert admin.post(f"{one}/answer", {"decision": "accept"}, format="json").json()["status"] == "ACCEPTED"
    return gop


def test_bill_flagged_partially_approved_paid_in_usd_and_reserve_adjusted(world):
    tmo, admin, kom = api_as_operator(world.tmo), api_as_operator(world.admin), api_as_partner("KOM")
    case = f"/v1/assistances/events/{world.event.pk}"
    _allowed_before(world)

    gop = _accepted_guarantee(admin, case, world)

    # The bill: the ER visit twice, and an MRI above what is usually allowed.
    body = {
        "assignment": world.assignment.pk,
        "invoice_number": "HX-2026-0042",
        "invoice_date": timezone.localdate().isoformat(),
        "billed_total": "22000.00",
        "lines": [
            {"description": "ER visit", "code": "ER-01", "unit_price": "5000.00"},
            {"description": "ER visit", "code": "ER-01", "unit_price": "5000.00"},
            {"description": "MRI, abdomen", "code": "MRI", "quantity": "1", "unit_price": "12000.00"},
        ],
    }
    created = tmo.post(f"{case}/bills", body, format="json", HTTP_IDEMPOTENCY_KEY="bill-1")
    assert created.status_code == 201, created.content
    bill = created.json()
    assert (bill["status"], bill["currency"], bill["billed_total"], bill["guarantee"]) == (
        "RECEIVED",
        "MXN",
        "22000.00",
        gop["number"],
    )
    first, repeated, mri = bill["lines"]
    assert first["flags"] == []
    assert [flag["code"] for flag in repeated["flags"]] == ["duplicate_line"]
    assert repeated["flags"][0]["message"] == _("Same service, quantity and price as line %(same_as)s.") % {
        "same_as": 1
    }
    assert [flag["code"] for flag in mri["flags"]] == ["above_p90"]
    assert mri["flags"][0]["data"] == {"billed": "12000.00", "p90": "8000.00", "currency": "MXN", "count": 5}
    # The same invoice again is refused; a retry with the same key gets the first answer.
    replayed = tmo.post(f"{case}/bills", body, format="json", HTTP_IDEMPOTENCY_KEY="bill-1")
    assert replayed.json()["id"] == bill["id"] and replayed["Idempotent-Replayed"] == "true"
    assert_problem(tmo.post(f"{case}/bills", body, format="json"), 409, "duplicate_invoice")
    url = f"{case}/bills/{bill['id']}"
    assert kom.get(url).json()["lines"][2]["flags"][0]["code"] == "above_p90"  # the partner reads it too

    # Review line by line: the repeat is not allowed, the MRI at the p90.
    assert tmo.post(f"{url}/review").json()["status"] == "IN_REVIEW"
    assert tmo.patch(f"{url}/lines/1", {"allowed_amount": "5000.00"}, format="json").status_code == 200
    refused = tmo.patch(f"{url}/lines/2", {"allowed_amount": "0"}, format="json")
    assert_problem(refused, 400)
    assert refused.json()["error_codes"] == {"reason": ["reason_required"]}
    tmo.patch(f"{url}/lines/2", {"allowed_amount": "0", "reason": "DUPLICATE"}, format="json")
    assert_problem(tmo.post(f"{url}/decision", {}, format="json"), 409, "lines_not_reviewed")
    tmo.patch(f"{url}/lines/3", {"allowed_amount": "8000.00", "reason": "ABOVE_AGREED"}, format="json")
    decided = tmo.post(f"{url}/decision", {"note": "Repeat removed, MRI at the reference."}, format="json")
    assert decided.status_code == 200, decided.content
    decided = decided.json()
    assert (decided["status"], decided["allowed_total"], decided["savings"]) == ("PARTIAL", "13000.00", "9000.00")
    assert [line["reason"] for line in decided["lines"]] == [None, "DUPLICATE", "ABOVE_AGREED"]

    # Paid in USD at 20 MXN per USD: 400.00 (MXN 8,000) and 250.00 (MXN 5,000); a cent more is refused.
    paid = tmo.post(
        f"{url}/payments",
        {"paid_on": timezone.localdate().isoformat(), "amount": "400.00", "currency": "USD", "reference": "TR-1"},
        format="json",
    )
    assert paid.status_code == 201, paid.content
    assert (paid.json()["bill_amount"], paid.json()["settlement_amount"]) == ("8000.00", "400.00")
    assert paid.json()["bill_rate"]["rate"] == "20.0000000000"
    over = {"paid_on": timezone.localdate().isoformat(), "amount": "250.01", "currency": "USD", "reference": "TR-2"}
    assert_problem(tmo.post(f"{url}/payments", over, format="json"), 409, "payment_exceeds_approved")
    tmo.post(f"{url}/payments", {**over, "amount": "250.00"}, format="json")
    payments = kom.get(f"{url}/payments").json()["results"]
    assert [(p["amount"], p["bill_amount"]) for p in payments] == [("400.00", "8000.00"), ("250.00", "5000.00")]
    assert tmo.get(url).json()["status"] == "PAID"
    _reserve_adjusted(tmo, kom, case)


def _reserve_adjusted(tmo, kom, case):
    """The reserve: the USD 1,500 estimate, USD 650 paid; adjusted down to USD 1,000 once treatment ended."""
    reserve = kom.get(f"{case}/reserve").json()
    assert (reserve["currency"], reserve["reserve"], reserve["paid"], reserve["outstanding"], reserve["incurred"]) == (
        "USD",
        "1500.00",
        "650.00",
        "850.00",
        "1500.00",
    )
    assert_problem(tmo.post(f"{case}/reserve", {"amount": "600", "reason": "x"}, format="json"), 400)  # below paid
    adjusted = tmo.post(f"{case}/reserve", {"amount": "1000.00", "reason": "Treatment finished."}, format="json")
    assert adjusted.status_code == 200, adjusted.content
    figures = adjusted.json()
    assert (figures["reserve"], figures["paid"], figures["outstanding"], figures["incurred"]) == (
        "1000.00",
        "650.00",
        "350.00",
        "1000.00",
    )
    assert [change["reason"] for change in figures["changes"]] == [
        _("Initial estimate for the assistance."),
        "Treatment finished.",
    ]


def test_the_issues_scenario_link_upload_to_the_partners_bordereau(world):
    """The issue's "done when": the bill comes through the provider's link (no account), is flagged,
    partially approved, paid twice in USD, the reserve adjusted, and the month's bordereau of KOM lists
    the case with every figure to the cent; the partner downloads it through the API."""
    tmo, admin, kom = api_as_operator(world.tmo), api_as_operator(world.admin), api_as_partner("KOM")
    case = f"/v1/assistances/events/{world.event.pk}"
    _allowed_before(world)
    gop = _accepted_guarantee(admin, case, world)

    # The hospital opens the link it was sent and uploads its invoice with the PDF.
    guarantee = Guarantee.objects.get(pk=gop["id"])
    lines = [("ER visit", "5000.00"), ("ER visit", "5000.00"), ("MRI, abdomen", "12000.00")]
    form = {
        "invoice_number": "HX-2026-0042",
        "invoice_date": timezone.localdate().isoformat(),
        "currency": "MXN",
        "billed_total": "22000.00",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "file": SimpleUploadedFile("factura.pdf", make_pdf(), content_type="application/pdf"),
    }
    for n, (description, price) in enumerate(lines):
        form |= {f"lines-{n}-description": description, f"lines-{n}-quantity": "1", f"lines-{n}-unit_price": price}
    uploaded = Client().post(f"/bill/{links.bill_token(guarantee)}", form)
    assert uploaded.status_code == 302, uploaded.content.decode()[:2000]
    bill = Bill.objects.get(invoice_number="HX-2026-0042")
    assert (bill.received_via, bill.files.count()) == ("link", 1)
    url = f"{case}/bills/{bill.pk}"
    flags = [[flag["code"] for flag in line["flags"]] for line in tmo.get(url).json()["lines"]]
    assert flags == [[], ["duplicate_line"], ["above_p90"]]

    # Partially approved: the repeat refused, the MRI at the reference (p90).
    tmo.patch(f"{url}/lines/1", {"allowed_amount": "5000.00"}, format="json")
    tmo.patch(f"{url}/lines/2", {"allowed_amount": "0", "reason": "DUPLICATE"}, format="json")
    tmo.patch(f"{url}/lines/3", {"allowed_amount": "8000.00", "reason": "ABOVE_AGREED"}, format="json")
    decided = tmo.post(f"{url}/decision", {}, format="json").json()
    assert (decided["status"], decided["allowed_total"], decided["savings"]) == ("PARTIAL", "13000.00", "9000.00")

    # Two payments in USD (MXN 8,000 and MXN 5,000 at 20), the reserve adjusted.
    today = timezone.localdate().isoformat()
    for amount, reference in (("400.00", "TR-1"), ("250.00", "TR-2")):
        payment = {"paid_on": today, "amount": amount, "currency": "USD", "reference": reference}
        assert tmo.post(f"{url}/payments", payment, format="json").status_code == 201
    _reserve_adjusted(tmo, kom, case)

    # The month's bordereau of KOM: the case's row, every figure to the cent.
    month = timezone.localdate().replace(day=1)
    bordereau = bordereau_generate(source_code="KOM", month=month)
    listed = kom.get("/v1/assistances/bordereaux", {"month": f"{month:%Y-%m}"}).json()["results"]
    assert [row["id"] for row in listed] == [bordereau.pk]
    assert_problem(api_as_partner("MOK").get(f"/v1/assistances/bordereaux/{bordereau.pk}"), 404)
    link = kom.get(f"/v1/assistances/bordereaux/{bordereau.pk}/files/csv").json()["url"]
    downloaded = Client().get(urlsplit(link).path)
    assert downloaded.status_code == 200
    content = b"".join(downloaded.streaming_content) if downloaded.streaming else downloaded.content
    rows = {row["case_code"]: row for row in csv.DictReader(io.StringIO(content.decode()))}
    row = rows[world.event.code]
    assert {name: row[name] for name in FIGURES} == {
        "original_currency": "MXN",
        "settlement_currency": "USD",
        "billed": "22000.00",
        "allowed": "13000.00",
        "savings": "9000.00",
        "paid_this_period": "650.00",
        "paid_to_date": "650.00",
        "outstanding_reserve": "350.00",
        "total_incurred": "1000.00",
    }


FIGURES = (
    "original_currency",
    "settlement_currency",
    "billed",
    "allowed",
    "savings",
    "paid_this_period",
    "paid_to_date",
    "outstanding_reserve",
    "total_incurred",
)
