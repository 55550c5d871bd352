"""The issuance admin: read-only records, pretty payload, links to vouchers and (presigned) documents."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.issuance.models import IssuanceDocument, IssuanceRecord
from tests.helpers import count_queries
from tests.issuance.factories import make_pdf, mok_payload, mok_voucher
from tests.issuance.test_documents import BUCKET, s3  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(api_client, admin_user):
    api_client.force_login(admin_user)
    payload = mok_payload(vouchers=[mok_voucher("MOK-1"), mok_voucher("MOK-2")])
    assert api_client.post("/v1/issuance-mok", payload, format="json").status_code == 201
    return IssuanceRecord.objects.get()


def test_record_page_shows_payload_vouchers_and_documents(admin_browser, received, api_client, s3):  # noqa: F811
    upload = api_client.post(
        f"/v1/issuance-mok/{received.mok_issuance_id}/documents",
        {"file": SimpleUploadedFile("policy.pdf", make_pdf())},
        format="multipart",
    )
    assert upload.status_code == 201
    document = IssuanceDocument.objects.get()
    response = admin_browser.get(f"/admin/issuance/issuancerecord/{received.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<pre" in html and "&quot;issuance_id&quot;: &quot;MOK-2030-000123&quot;" in html
    for voucher in received.vouchers.all():
        assert f"/admin/vouchers/voucher/{voucher.pk}/change/" in html
    link = f"/admin/issuance/issuancerecord/document/{document.pk}/"
    assert link in html and "policy.pdf" in html
    assert 'name="_save"' not in html  # read-only

    redirect = admin_browser.get(link)
    assert redirect.status_code == 302
    assert f"/{BUCKET}/" in redirect["Location"] and "X-Amz-Signature" in redirect["Location"]


def test_records_cannot_be_added_changed_or_deleted(admin_browser, received):
    assert admin_browser.get("/admin/issuance/issuancerecord/add/").status_code == 403
    assert admin_browser.post(f"/admin/issuance/issuancerecord/{received.pk}/change/", {}).status_code == 403
    assert (
        admin_browser.post(f"/admin/issuance/issuancerecord/{received.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert IssuanceRecord.objects.count() == 1


def test_operator_can_browse_records(client, operator, received):
    client.force_login(operator)
    assert client.get("/admin/issuance/issuancerecord/").status_code == 200
    assert client.get(f"/admin/issuance/issuancerecord/{received.pk}/change/").status_code == 200


def test_changelist_query_count_is_constant(admin_browser, api_client, admin_user):
    api_client.force_login(admin_user)

    def grow(start: int):
        for n in range(start, start + 3):
            payload = mok_payload(f"MOK-{n}", vouchers=[mok_voucher(f"V-{n}-1"), mok_voucher(f"V-{n}-2")])
            assert api_client.post("/v1/issuance-mok", payload, format="json").status_code == 201

    grow(0)
    baseline = count_queries(admin_browser, "/admin/issuance/issuancerecord/")
    grow(10)
    assert count_queries(admin_browser, "/admin/issuance/issuancerecord/") == baseline
    assert "MOK-11" in admin_browser.get("/admin/issuance/issuancerecord/", {"q": "V-11-2"}).content.decode()
