"""The provider's bill upload link: signed for one guarantee and its provider, open from the
acceptance until 90 days after the validity, in the guarantee's language, rate-limited per address,
the PDF required and checked by content, and the link in the guarantee's e-mail.

``test_a_valid_upload_creates_a_bill`` needs ``apps.claims.bills.bill_create`` (the bills branch)."""

import datetime
import re

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from apps.claims import links
from apps.claims.models import Bill
from apps.guarantees.models import Guarantee, GuaranteeVersion
from apps.masters.models import GuaranteeStatus, StatusRole
from tests.guarantees.helpers import api_as_operator, make_world
from tests.issuance.factories import make_pdf

pytestmark = pytest.mark.django_db

world = pytest.fixture(make_world)


def _guarantee(world, *, role=StatusRole.ACCEPTED, recipient="") -> Guarantee:
    tmo = api_as_operator(world.tmo)
    base = f"/v1/assistances/events/{world.event.pk}/guarantees"
    data = {"assignment": world.assignment.pk, "amount": "10000.00", "covered_services": "ER."}
    if recipient:
        data["recipient_email"] = recipient
    gop = tmo.post(base, data, format="json").json()
    assert tmo.post(f"{base}/{gop['id']}/issue").status_code == 200
    if role is not None:
        Guarantee.objects.filter(pk=gop["id"]).update(status=GuaranteeStatus.objects.get(role=role))
    return Guarantee.objects.select_related("assignment", "current_version").get(pk=gop["id"])


def _link(guarantee) -> str:
    return f"/bill/{links.bill_token(guarantee)}"


def _form(**extra) -> dict:
    return {
        "invoice_number": "FAC-001",
        "invoice_date": timezone.localdate().isoformat(),
        "currency": "MXN",
        "billed_total": "12000",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-description": "Urgencias",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "10000",
        "lines-1-description": "Rayos X",
        "lines-1-quantity": "2",
        "lines-1-unit_price": "1000",
        **extra,
    }


def test_the_page_is_in_the_guarantees_language_with_the_form(world):
    guarantee = _guarantee(world)
    page = Client().get(_link(guarantee))
    assert page.status_code == 200 and page["X-Robots-Tag"] == "noindex, nofollow"
    text = page.content.decode()
    assert "Enviar una factura" in text and guarantee.number in text and 'name="lines-0-description"' in text
    until = guarantee.current_version.valid_until + datetime.timedelta(days=90)
    assert until.strftime("%Y") in text


def test_a_tampered_or_rebound_token_is_refused(world):
    guarantee = _guarantee(world)
    token = links.bill_token(guarantee)
    assert Client().get(f"/bill/{token[:-2]}xx").status_code == 404
    answer_salted = signing.dumps({"g": guarantee.pk, "p": guarantee.assignment.provider_id}, salt="gop-answer")
    assert Client().get(f"/bill/{answer_salted}").status_code == 404  # another link's signature
    other_provider = signing.dumps({"g": guarantee.pk, "p": guarantee.assignment.provider_id + 999}, salt="bill-upload")
    assert Client().get(f"/bill/{other_provider}").status_code == 404


def test_not_before_acceptance_and_not_after_ninety_days(world):
    sent = _guarantee(world, role=StatusRole.SENT)
    assert "aún no fue aceptada" in Client().get(_link(sent)).content.decode()
    accepted = _guarantee(world)
    GuaranteeVersion.objects.filter(pk=accepted.current_version_id).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=91)
    )
    browser = Client()
    page = browser.get(_link(accepted))
    assert "El plazo para enviar facturas" in page.content.decode()
    posted = browser.post(_link(accepted), _form())
    assert posted.status_code == 409 and not Bill.objects.exists()


def test_the_pdf_is_required_and_checked_by_content(world):
    guarantee = _guarantee(world)
    browser = Client()
    assert browser.post(_link(guarantee), _form()).status_code == 400  # no file
    fake = SimpleUploadedFile("bill.pdf", b"not a pdf at all", content_type="application/pdf")
    refused = browser.post(_link(guarantee), _form(file=fake))
    assert refused.status_code == 400 and "El archivo debe ser un PDF." in refused.content.decode()
    assert not Bill.objects.exists()


def test_the_link_is_rate_limited_per_address(world, settings):
    guarantee = _guarantee(world)
    settings.GOP_PUBLIC_PAGES_PER_MINUTE = 3
    browser = Client(REMOTE_ADDR="203.0.113.90")
    assert [browser.get(_link(guarantee)).status_code for _ in range(3)] == [200] * 3
    limited = browser.get(_link(guarantee))
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert Client(REMOTE_ADDR="203.0.113.91").get(_link(guarantee)).status_code == 200


def test_the_guarantee_email_carries_the_bill_link(world):
    guarantee = _guarantee(world, role=None, recipient="admisiones@hospital.example")
    tmo = api_as_operator(world.tmo)
    assert tmo.post(f"/v1/assistances/events/{world.event.pk}/guarantees/{guarantee.pk}/send").status_code == 200
    body = mail.outbox[-1].body
    assert "Después del servicio, envíennos su factura" in body
    token = re.search(r"http://testserver/bill/(\S+)", body).group(1)
    assert links.guarantee_of(token).pk == guarantee.pk


def test_a_valid_upload_creates_a_bill(world):
    """Needs apps.claims.bills.bill_create (the bills helper's branch)."""
    guarantee = _guarantee(world)
    browser = Client()
    pdf = SimpleUploadedFile("factura.pdf", make_pdf(), content_type="application/pdf")
    response = browser.post(_link(guarantee), _form(file=pdf))
    assert response.status_code == 302 and response["Location"].endswith("?received=1")
    bill = Bill.objects.get(provider=guarantee.assignment.provider, invoice_number="FAC-001")
    assert (bill.received_via, bill.currency, bill.lines.count(), bill.files.count()) == ("link", "MXN", 2, 1)
    assert "Factura recibida" in browser.get(response["Location"]).content.decode()
