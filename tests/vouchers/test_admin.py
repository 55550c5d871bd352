"""The voucher admin: writes through the services, transitions, the coverage page, query counts."""

import datetime

import pytest
from django.utils import timezone

from apps.audit.models import AuditLog
from apps.vouchers import services
from apps.vouchers.models import Voucher, VoucherStatusHistory
from tests.helpers import count_queries
from tests.vouchers.factories import (
    BenefitFactory,
    CommitmentFactory,
    TravellerFactory,
    VoucherFactory,
    assistance,
    country,
    status,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/vouchers/voucher/"


def _management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _voucher_form(voucher: Voucher | None = None, **overrides) -> dict:
    today = timezone.localdate()
    data = {
        "number": "ADM-1",
        "status": str(status("ACTIVE").pk),
        "source": "PHONE",
        "product_code": "GOLD150",
        "product_name": "Gold 150",
        "holder_name": "Ana Pérez",
        "holder_document_type": "passport",
        "holder_document_number": "P123",
        "holder_email": "",
        "holder_phone": "",
        "valid_from": today.isoformat(),
        "valid_to": (today + datetime.timedelta(days=10)).isoformat(),
        "destinations": [str(country("ES").pk)],
        "residence_country": str(country("AR").pk),
        "external_reference": "",
        "issued_at_0": "",
        "issued_at_1": "",
        **_management("travellers"),
        **_management("benefits"),
        **_management("status_history"),
        **_management("commitments"),
    }
    if voucher is not None:
        data.pop("status")
        data.update(
            {
                "number": voucher.number,
                "source": voucher.source,
                "product_code": voucher.product_code,
                "product_name": voucher.product_name,
                "holder_name": voucher.holder_name,
                "holder_document_number": voucher.holder_document_number,
                "valid_from": voucher.valid_from.isoformat(),
                "valid_to": voucher.valid_to.isoformat(),
                "destinations": [str(pk) for pk in voucher.destinations.values_list("pk", flat=True)],
                "residence_country": str(voucher.residence_country_id or ""),
                **_management("status_history", voucher.status_history.count(), voucher.status_history.count()),
            }
        )
    data.update(overrides)
    return data


def test_admin_add_goes_through_the_service(admin_browser, admin_user):
    benefit = {
        "benefits-0-assistance": str(assistance("MED_EMERGENCY").pk),
        "benefits-0-limit_amount": "5000",
        "benefits-0-currency": "USD",
        "benefits-0-limit_count": "",
    }
    traveller = {
        "travellers-0-first_name": "Ana",
        "travellers-0-last_name": "Pérez",
        "travellers-0-document_type": "passport",
        "travellers-0-document_number": "P123",
        "travellers-0-birth_date": "1980-01-02",
        "travellers-0-is_holder": "on",
    }
    form = _voucher_form(**_management("benefits", 1), **benefit, **_management("travellers", 1), **traveller)
    response = admin_browser.post("/admin/vouchers/voucher/add/", form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    voucher = Voucher.objects.get(number="ADM-1")
    assert voucher.created_by == admin_user and voucher.status.code == "ACTIVE"
    assert voucher.travellers.get().document_number == "P123"
    assert voucher.benefits.get().limit_amount == 5000
    assert VoucherStatusHistory.objects.get(voucher=voucher).to_status.code == "ACTIVE"
    created = set(AuditLog.objects.filter(action="create").values_list("object_type", flat=True))
    assert created == {"vouchers.voucher", "vouchers.vouchertraveller", "vouchers.voucherbenefit"}
    assert AuditLog.objects.get(object_type="vouchers.voucher").source == "admin"


def test_admin_add_only_offers_initial_statuses(admin_browser):
    response = admin_browser.post("/admin/vouchers/voucher/add/", _voucher_form(status=str(status("SUSPENDED").pk)))
    assert response.status_code == 200  # the form again, with the error
    assert not Voucher.objects.exists()


def test_admin_add_refuses_a_reversed_validity(admin_browser):
    today = timezone.localdate()
    form = _voucher_form(valid_to=(today - datetime.timedelta(days=1)).isoformat())
    assert admin_browser.post("/admin/vouchers/voucher/add/", form).status_code == 200
    assert not Voucher.objects.exists()


def test_admin_refuses_two_benefits_for_the_same_assistance(admin_browser):
    rows = {}
    for index in range(2):
        rows.update(
            {
                f"benefits-{index}-assistance": str(assistance("TOWING").pk),
                f"benefits-{index}-limit_count": "1",
            }
        )
    response = admin_browser.post("/admin/vouchers/voucher/add/", _voucher_form(**_management("benefits", 2), **rows))
    assert response.status_code == 200
    assert not Voucher.objects.exists()


def test_admin_edit_is_audited_and_cannot_touch_the_status(admin_browser):
    voucher = VoucherFactory(product_name="Old", destinations=[country("ES")])
    response = admin_browser.post(
        f"/admin/vouchers/voucher/{voucher.pk}/change/",
        _voucher_form(voucher, product_name="New", status=str(status("CANCELLED").pk)),
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    voucher.refresh_from_db()
    assert voucher.product_name == "New"
    assert voucher.status.code == "ACTIVE"  # read-only on the change form
    entry = AuditLog.objects.get(action="update", object_type="vouchers.voucher")
    assert entry.changes == {"product_name": ["Old", "New"]}


def test_change_page_offers_coverage_and_status_pages(admin_browser):
    voucher = VoucherFactory()
    TravellerFactory(voucher=voucher)
    BenefitFactory(voucher=voucher)
    html = admin_browser.get(f"/admin/vouchers/voucher/{voucher.pk}/change/").content.decode()
    assert f"/admin/vouchers/voucher/{voucher.pk}/coverage/" in html
    assert f"/admin/vouchers/voucher/{voucher.pk}/status/" in html
    assert 'name="travellers-TOTAL_FORMS"' in html and 'name="benefits-TOTAL_FORMS"' in html


def test_status_page_changes_the_status_through_the_service(admin_browser, admin_user):
    voucher = VoucherFactory()
    url = f"/admin/vouchers/voucher/{voucher.pk}/status/"
    page = admin_browser.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{status("SUSPENDED").pk}"' in html and f'value="{status("ISSUED").pk}"' not in html
    response = admin_browser.post(url, {"status": status("SUSPENDED").pk, "reason": "Customer request"})
    assert response.status_code == 302
    voucher.refresh_from_db()
    assert voucher.status.code == "SUSPENDED"
    history = VoucherStatusHistory.objects.get(voucher=voucher)
    assert history.reason == "Customer request" and history.actor == admin_user
    assert AuditLog.objects.get(object_type="vouchers.voucher").source == "admin"


def test_status_page_refuses_a_move_the_machine_does_not_allow(admin_browser):
    voucher = VoucherFactory(status=status("SUSPENDED"))
    response = admin_browser.post(f"/admin/vouchers/voucher/{voucher.pk}/status/", {"status": status("EXPIRED").pk})
    assert response.status_code == 200
    voucher.refresh_from_db()
    assert voucher.status.code == "SUSPENDED"
    assert not VoucherStatusHistory.objects.exists()


def test_coverage_page_shows_each_reason(admin_browser):
    voucher = VoucherFactory(destinations=[country("ES")], residence_country=country("AR"))
    BenefitFactory(voucher=voucher)
    url = f"/admin/vouchers/voucher/{voucher.pk}/coverage/"
    assert admin_browser.get(url).status_code == 200  # the empty form
    today = timezone.localdate().isoformat()
    response = admin_browser.get(
        url, {"assistance": assistance("MED_EMERGENCY").pk, "country": country("ES").pk, "date": today}
    )
    html = response.content.decode()
    assert 'id="coverage-verdict"' in html and "✔" in html
    for code in ("status", "validity", "destination", "residence", "benefit", "limit"):
        assert f"<td>{code}</td>" in html
    refused = admin_browser.get(
        url, {"assistance": assistance("MED_EMERGENCY").pk, "country": country("AR").pk, "date": today}
    ).content.decode()
    assert "✘" in refused and 'class="failed"' in refused


def test_operator_sees_coverage_but_cannot_change_status(client, operator):
    client.force_login(operator)
    voucher = VoucherFactory()
    change_page = client.get(f"/admin/vouchers/voucher/{voucher.pk}/change/")
    assert change_page.status_code == 200
    assert f"/admin/vouchers/voucher/{voucher.pk}/status/" not in change_page.content.decode()
    assert client.get(f"/admin/vouchers/voucher/{voucher.pk}/coverage/").status_code == 200
    assert client.get(f"/admin/vouchers/voucher/{voucher.pk}/status/").status_code == 403
    assert (
        client.post(f"/admin/vouchers/voucher/{voucher.pk}/status/", {"status": status("SUSPENDED").pk}).status_code
        == 403
    )
    voucher.refresh_from_db()
    assert voucher.status.code == "ACTIVE"


def test_unknown_voucher_pages_redirect(admin_browser):
    assert admin_browser.get("/admin/vouchers/voucher/999999/coverage/").status_code == 302
    assert admin_browser.get("/admin/vouchers/voucher/abc/status/").status_code == 302


def test_changelist_search_by_traveller_document_and_name(admin_browser):
    voucher = VoucherFactory(number="FIND-ME")
    TravellerFactory(voucher=voucher, document_number="ZZ998877", last_name="Quiroga")
    VoucherFactory(number="NOT-THIS-ONE")
    for term in ("ZZ998877", "Quiroga", "FIND-ME"):
        html = admin_browser.get(CHANGELIST, {"q": term}).content.decode()
        assert "FIND-ME" in html and "NOT-THIS-ONE" not in html


@pytest.mark.parametrize(
    "params", ["", "?validity=current", "?status__id__exact=1", "?source=MOK", "?q=x", "?worldwide__exact=1"]
)
def test_changelist_query_count_is_constant(admin_browser, params):
    def grow():
        for _ in range(3):
            voucher = VoucherFactory(source="MOK", destinations=[country("ES")])
            TravellerFactory(voucher=voucher)

    grow()
    baseline = count_queries(admin_browser, CHANGELIST + params)
    grow()
    grow()
    assert count_queries(admin_browser, CHANGELIST + params) == baseline


def test_change_page_query_count_is_constant(admin_browser):
    voucher = VoucherFactory()
    TravellerFactory(voucher=voucher)
    BenefitFactory(voucher=voucher)
    url = f"/admin/vouchers/voucher/{voucher.pk}/change/"
    baseline = count_queries(admin_browser, url)
    TravellerFactory.create_batch(3, voucher=voucher)
    BenefitFactory(voucher=voucher, assistance=assistance("TOWING"))
    CommitmentFactory(benefit=voucher.benefits.first())
    services.voucher_transition(voucher=voucher, to_code="SUSPENDED")
    assert count_queries(admin_browser, url) == baseline
