"""Claims in the console: the case page's reserve and bills, the bill review page (lines, flags, the
guarantee beside it), the entry form, the review queue and the savings report. Bills are written
with the ORM here; the bills module's services (creating, reviewing, deciding) are exercised by its
own tests once merged."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.assistances import services as cases
from apps.claims import reports
from apps.claims.models import AdjustmentReason, Payment, Reserve
from apps.guarantees import services as gops
from apps.providers.models import Provider
from tests.claims.helpers import orm_bill
from tests.guarantees.helpers import api_as_operator, make_world
from tests.helpers import count_queries
from tests.providers.factories import ProviderFactory
from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
world = pytest.fixture(make_world)


@pytest.fixture
def browser(client, world):
    client.force_login(world.tmo)
    return client


def _case_page(browser, world) -> str:
    page = browser.get(f"/admin/assistances/event/{world.event.pk}/change/", **EN).content.decode()
    return page.split('id="claims"')[1].split("</fieldset>")[0]


def test_the_case_section_shows_the_figures_the_history_and_the_bills(browser, world):
    bill = orm_bill(world.assignment, role="approved", lines=[("Emergency room", "50000", "40000")])
    section = _case_page(browser, world)
    assert "1,500.00 USD" in section  # reserve = outstanding = incurred, from the estimate table
    assert world.event.reserve.changes.get().reason in section  # as stored, in the language of the moment
    assert f'id="bill-{bill.pk}"' in section and f"/admin/claims/bill/{bill.pk}/review/" in section
    assert "50,000.00 MXN" in section and "40,000.00 MXN" in section and "10,000.00 MXN" in section
    assert f"/admin/claims/bill/{bill.pk}/pay/" in section  # approved: a payment form
    assert f"/admin/claims/bill/new/{world.assignment.pk}/" in section


def test_the_reserve_form_and_the_payment_form_call_the_services(browser, world):
    bill = orm_bill(world.assignment, role="approved", lines=[("Emergency room", "50000", "40000")])
    url = f"/admin/claims/bill/reserve/{world.event.pk}/"
    browser.post(url, {"reserve-amount": "2500", "reserve-reason": ""})
    assert Reserve.objects.get(event=world.event).amount == Decimal("1500.00")  # a reason is required
    response = browser.post(url, {"reserve-amount": "2500", "reserve-reason": "Surgery"})
    assert response.status_code == 302 and response["Location"].endswith("#claims")
    assert Reserve.objects.get(event=world.event).amount == Decimal("2500")
    today = timezone.localdate().isoformat()
    data = {f"pay{bill.pk}-paid_on": today, f"pay{bill.pk}-amount": "20000", f"pay{bill.pk}-currency": "MXN"}
    browser.post(f"/admin/claims/bill/{bill.pk}/pay/", {**data, f"pay{bill.pk}-reference": "T-1"})
    payment = Payment.objects.get(bill=bill)
    assert (payment.amount, payment.settlement_amount, payment.settlement_currency) == (
        Decimal("20000"),
        Decimal("1000.00"),
        "USD",
    )
    section = _case_page(browser, world)
    assert "1,000.00 USD" in section  # paid
    refused = browser.post(
        f"/admin/claims/bill/{bill.pk}/pay/",
        {**data, f"pay{bill.pk}-reference": "T-2", f"pay{bill.pk}-amount": "20000.01"},
        follow=True,
        **EN,
    )
    assert "exceeds what is left" in refused.content.decode()
    assert Payment.objects.filter(bill=bill).count() == 1


def test_the_review_page_shows_lines_flags_the_guarantee_and_inputs(browser, world):
    tmo = api_as_operator(world.tmo)
    base = f"/v1/assistances/events/{world.event.pk}/guarantees"
    gop = tmo.post(
        base, {"assignment": world.assignment.pk, "amount": "10000.00", "covered_services": "ER."}, format="json"
    ).json()
    assert tmo.post(f"{base}/{gop['id']}/issue").status_code == 200
    message = "Looks like bill F-0 of the same case."
    flags = [{"code": "duplicate_suspect", "message": message, "line": None, "data": {}}]
    bill = orm_bill(
        world.assignment,
        lines=[("Emergency room", "30000"), ("X-ray", "12000")],
        flags=flags,
        guarantee_id=gop["id"],
    )
    bill.lines.filter(position=2).update(
        flags=[{"code": "above_p90", "message": "Above the 90th percentile.", "line": 2, "data": {"p90": "8000.00"}}]
    )
    AdjustmentReason.objects.get_or_create(code="ZZ_TEST", defaults={"name_es": "Prueba", "name_en": "Test"})
    page = browser.get(f"/admin/claims/bill/{bill.pk}/review/", **EN).content.decode()
    assert message in page and "Above the 90th percentile." in page and "8000.00" in page
    # Within the operator's authority (MXN 10,000 = USD 500): in force at once, in both currencies.
    assert gop["number"] in page and "10,000.00 MXN" in page and "500.00 USD" in page
    for line in bill.lines.all():
        assert f'name="allowed-{line.pk}"' in page and f'name="reason-{line.pk}"' in page
        assert f'value="allow:{line.pk}"' in page
    assert 'value="allow_all"' in page and 'value="ZZ_TEST"' in page
    # Enter saves: the first submit button of the form is the (invisible) "save".
    form = page.split('class="bill-review-form"')[1]
    assert form.index('value="save"') < form.index('value="allow:')
    # The list never shows an edit form: a bill's page is its review.
    assert browser.get(f"/admin/claims/bill/{bill.pk}/change/")["Location"].endswith(f"/{bill.pk}/review/")


def test_the_entry_form_renders_with_the_providers_currency(browser, world):
    page = browser.get(f"/admin/claims/bill/new/{world.assignment.pk}/", **EN).content.decode()
    assert 'name="invoice_number"' in page and 'name="lines-0-description"' in page and 'value="MXN"' in page
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page


def test_the_queue_lists_bills_waiting_for_review_oldest_first_with_their_age(browser, world):
    now = timezone.now()
    newer = orm_bill(world.assignment, invoice="F-2", received_at=now - datetime.timedelta(hours=3))
    older = orm_bill(world.assignment, invoice="F-1", role="in_review", received_at=now - datetime.timedelta(days=2))
    orm_bill(world.assignment, invoice="F-3", role="approved", lines=[("ER", "100", "100")])
    page = browser.get("/admin/claims/bill/waiting/", **EN).content.decode()
    rows = page.split('class="claims-waiting-row"')[1:]
    assert [r.split('data-bill="')[1].split('"')[0] for r in rows] == [str(older.pk), str(newer.pk)]
    assert "2 d 0 h" in rows[0] and "3 h 00 min" in rows[1]
    baseline = count_queries(browser, "/admin/claims/bill/waiting/")
    for n in range(3):
        orm_bill(world.assignment, invoice=f"F-{n + 10}")
    assert count_queries(browser, "/admin/claims/bill/waiting/") == baseline


def test_the_savings_report_by_provider_country_source_and_month(browser, world):
    other = ProviderFactory(assistances=[world.event.assistance], country=country("MX"), display_name="Clínica B")
    second = cases.event_provider_assign(event=world.event, provider=other, currency="USD", actor=world.tmo)
    orm_bill(world.assignment, invoice="A1", role="approved", lines=[("ER", "50000", "40000")])
    orm_bill(world.assignment, invoice="A2", role="rejected", lines=[("ER", "10000", "0")])
    orm_bill(second, invoice="B1", role="partial", currency="USD", lines=[("Visit", "200", "150")])
    orm_bill(world.assignment, invoice="A3", lines=[("Not decided", "999")])  # received: not counted
    by_provider = {(r.key, r.currency): r for r in reports.savings_by("provider")}
    hospital = by_provider[(world.assignment.provider_id, "MXN")]
    assert (hospital.bills, hospital.billed, hospital.allowed, hospital.savings) == (
        2,
        Decimal("60000"),
        Decimal("40000"),
        Decimal("20000"),
    )
    assert hospital.rate == Decimal("0.3333")
    assert by_provider[(other.pk, "USD")].savings == Decimal("50")
    # Never a sum across currencies: one row per currency for the same country, source and month.
    for dimension in ("country", "source", "month"):
        assert sorted(r.currency for r in reports.savings_by(dimension)) == ["MXN", "USD"]
    page = browser.get("/admin/claims/bill/savings/", **EN).content.decode()
    assert "60,000.00 MXN" in page and "20,000.00 MXN" in page and "33.3 %" in page and "25.0 %" in page
    assert Provider.objects.get(pk=other.pk).display_name in page
    assert gops  # the guarantees' services are what the review test's GOP comes through (the API)


def test_catalog_admins_load(browser, world, admin_client):
    assert browser.get("/admin/claims/bill/", **EN).status_code == 200
    assert admin_client.get("/admin/claims/adjustmentreason/").status_code == 200
    assert admin_client.get("/admin/claims/reserveestimate/").status_code == 200


def test_a_new_guarantee_shows_the_price_reference(browser, world):
    from tests.claims.test_scenario import _allowed_before

    _allowed_before(world)  # five MRI amounts allowed in Mexico: median 6,000, p90 8,000 MXN
    page = browser.get(reverse("admin:guarantees_guarantee_new", args=[world.assignment.pk]), **EN).content.decode()
    assert "Price reference: 5 amounts allowed so far for this assistance here" in page
    assert "median 6000.00, 90th percentile 8000.00 MXN" in page
