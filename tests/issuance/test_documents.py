"""Issuance documents on S3 (moto's server on loopback): PDF only, size limit, private, presigned URLs."""

import time
import urllib.parse
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.audit.models import AuditLog
from apps.issuance.models import IssuanceDocument, IssuanceRecord
from tests.accounts.factories import UserFactory
from tests.helpers import assert_problem
from tests.issuance.factories import ELF_BYTES, MZ_BYTES, make_pdf, mok_payload

pytestmark = pytest.mark.django_db

BUCKET = "issuance-mok-docs"
ISSUANCE = "MOK-2030-000123"
UPLOAD = f"/v1/issuance-mok/{ISSUANCE}/documents"


@pytest.fixture
def s3(aws, settings):
    """The "issuance" storage pointed at moto's S3, with its bucket."""
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
    settings.STORAGES = {
        **settings.STORAGES,
        "issuance": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": aws.endpoint,
                "region_name": "us-east-2",
                "querystring_expire": 120,
            },
        },
    }
    return client


@pytest.fixture
def mok_client(api_client, admin_user):
    api_client.force_login(admin_user)
    response = api_client.post("/v1/issuance-mok", mok_payload(ISSUANCE), format="json")
    assert response.status_code == 201, response.content
    return api_client


def _upload(client, content: bytes, name: str = "policy.pdf", content_type: str = "application/pdf"):
    return client.post(
        UPLOAD, {"file": SimpleUploadedFile(name, content, content_type=content_type)}, format="multipart"
    )


def _objects(s3) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_a_real_pdf_is_stored_privately_and_served_by_a_presigned_url(s3, mok_client, admin_user):
    pdf = make_pdf(pages=2)
    response = _upload(mok_client, pdf, name="Póliza 123.pdf")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["original_name"] == "Póliza 123.pdf"
    assert body["content_type"] == "application/pdf" and body["size"] == len(pdf)
    document = IssuanceDocument.objects.get(pk=body["id"])
    assert document.record.mok_issuance_id == ISSUANCE and document.created_by == admin_user
    keys = _objects(s3)
    assert keys == [document.file.name] and keys[0].startswith(f"mok/{document.record_id}/")
    assert s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read() == pdf
    assert AuditLog.objects.filter(object_type="issuance.issuancedocument", action="create").count() == 1

    url_response = mok_client.get(f"{UPLOAD}/{document.pk}")
    assert url_response.status_code == 200, url_response.content
    link = url_response.json()
    assert link["expires_in"] == 120
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link["url"]).query)
    assert "X-Amz-Signature" in query and query["X-Amz-Expires"] == ["120"]
    assert link["url"].startswith("http://127.0.0.1:")
    with urllib.request.urlopen(link["url"], timeout=10) as fetched:  # noqa: S310 - moto on loopback
        assert fetched.read() == pdf

    detail = mok_client.get(f"/v1/issuance-mok/{ISSUANCE}").json()
    assert [d["id"] for d in detail["documents"]] == [document.pk]


def test_the_same_pdf_twice_is_stored_once(s3, mok_client):
    pdf = make_pdf()
    first = _upload(mok_client, pdf)
    again = _upload(mok_client, pdf, name="copy.pdf")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert len(_objects(s3)) == 1 and IssuanceDocument.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (ELF_BYTES, "invoice.pdf"),  # a Linux executable renamed
        (MZ_BYTES, "invoice.pdf"),  # a Windows executable renamed
        (b"%PDF-1.7\n this is not a PDF at all " * 20, "fake.pdf"),  # the magic bytes alone are not enough
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "scan.pdf"),
        (b"just text", "notes.txt"),
    ],
)
def test_anything_but_a_pdf_is_refused_and_nothing_stored(s3, mok_client, content, name):
    body = assert_problem(_upload(mok_client, content, name=name), 400, "unsupported_file_type")
    assert "file" in body["errors"]
    assert _objects(s3) == []
    assert not IssuanceDocument.objects.exists()
    assert not AuditLog.objects.filter(object_type="issuance.issuancedocument").exists()


def test_an_oversized_file_is_413_and_nothing_stored(s3, mok_client, settings):
    settings.ISSUANCE_DOCUMENT_MAX_BYTES = 4096
    pdf = make_pdf(padding=6000)
    assert len(pdf) > 4096
    body = assert_problem(_upload(mok_client, pdf), 413, "file_too_large")
    assert "file" in body["errors"]
    assert _objects(s3) == [] and not IssuanceDocument.objects.exists()


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(s3, mok_client, settings):
    settings.ISSUANCE_DOCUMENT_MAX_BYTES = 1024
    assert_problem(_upload(mok_client, make_pdf(padding=200_000)), 413, "file_too_large")
    assert _objects(s3) == []


def test_upload_shape_errors(s3, mok_client):
    assert "file" in assert_problem(mok_client.post(UPLOAD, {}, format="multipart"), 400)["errors"]
    extra = {"file": SimpleUploadedFile("a.pdf", make_pdf()), "note": "hi"}
    assert "note" in assert_problem(mok_client.post(UPLOAD, extra, format="multipart"), 400)["errors"]
    assert_problem(mok_client.post(UPLOAD, {"file": "x"}, format="json"), 415)
    assert "file" in assert_problem(_upload(mok_client, b""), 400)["errors"]
    assert _objects(s3) == []


def test_unknown_issuance_or_document_is_404(s3, mok_client):
    response = mok_client.post(
        "/v1/issuance-mok/NOPE/documents", {"file": SimpleUploadedFile("a.pdf", make_pdf())}, format="multipart"
    )
    assert_problem(response, 404)
    assert_problem(mok_client.get(f"{UPLOAD}/999999"), 404)
    document_id = _upload(mok_client, make_pdf()).json()["id"]
    other = IssuanceRecord.objects.create(mok_issuance_id="OTHER", payload={}, payload_sha256="0" * 64)
    assert_problem(mok_client.get(f"/v1/issuance-mok/{other.mok_issuance_id}/documents/{document_id}"), 404)


def test_document_permissions(s3, mok_client, api_client, operator):
    document_id = _upload(mok_client, make_pdf()).json()["id"]
    api_client.logout()
    assert_problem(_upload(api_client, make_pdf()), 401)
    assert_problem(api_client.get(f"{UPLOAD}/{document_id}"), 401)
    api_client.force_login(UserFactory())
    assert_problem(_upload(api_client, make_pdf(pages=3)), 403)
    assert_problem(api_client.get(f"{UPLOAD}/{document_id}"), 403)
    api_client.force_login(operator)  # TMO: may read (get a link), may not upload
    assert api_client.get(f"{UPLOAD}/{document_id}").status_code == 200
    assert_problem(_upload(api_client, make_pdf(pages=3)), 403)
    assert IssuanceDocument.objects.count() == 1


def test_local_storage_links_download_the_document_and_expire(mok_client, monkeypatch):
    content = make_pdf()
    document_id = _upload(mok_client, content).json()["id"]
    link = mok_client.get(f"{UPLOAD}/{document_id}").json()
    assert link["expires_in"] == 300 and link["url"].startswith("http://testserver/local-files/")
    path = link["url"].removeprefix("http://testserver")
    download = Client().get(path)
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    # Past its lifetime the link answers like a missing file.
    later = time.time() + 301
    monkeypatch.setattr("apps.core.files.local.time.time", lambda: later)
    assert Client().get(path).status_code == 404
    IssuanceDocument.objects.get(pk=document_id).file.delete(save=False)
