"""Consultation files on S3 (moto's server on loopback): content checks, size limit, private, presigned URLs."""

import urllib.parse
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.audit.models import AuditLog
from apps.consultations.models import PhoneConsultationFile
from tests.accounts.factories import UserFactory
from tests.assistances.factories import covered_case
from tests.clients.factories import credentials as partner_credentials
from tests.consultations.factories import (
    ELF_BYTES,
    MZ_BYTES,
    PartnerClient,
    PhoneConsultationFactory,
    make_jpeg,
    make_m4a,
    make_mp3,
    make_ogg,
    make_pdf,
    make_png,
    make_wav,
)
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

BUCKET = "assists"
URL = "/v1/assistances/phone-consultations"


@pytest.fixture
def s3(aws, settings):
    """The "assists" storage pointed at moto's S3, with its bucket."""
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
    settings.STORAGES = {
        **settings.STORAGES,
        "assists": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": aws.endpoint,
                "region_name": "us-east-2",
                "querystring_expire": 120,
                "file_overwrite": False,
            },
        },
    }
    return client


@pytest.fixture
def case(operator):
    return covered_case(actor=operator)


@pytest.fixture
def consultation(case):
    return PhoneConsultationFactory(event=case)


def _upload(client, consultation_id: int, content: bytes, name: str, content_type: str):
    return client.post(
        f"{URL}/{consultation_id}/files",
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
        format="multipart",
    )


def _objects(s3) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def _fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as fetched:  # noqa: S310 - moto on loopback
        return fetched.read(), fetched.headers.get("Content-Type")


@pytest.mark.parametrize(
    ("content", "name", "content_type", "kind"),
    [
        (make_pdf(pages=2), "Informe médico.pdf", "application/pdf", "pdf"),
        (make_png(), "scan.png", "image/png", "image"),
    ],
)
def test_a_real_pdf_and_png_are_stored_privately_and_served_by_a_presigned_url(
    s3, operator_client, operator, case, consultation, content, name, content_type, kind
):
    response = _upload(operator_client, consultation.pk, content, name, content_type)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["original_name"], body["content_type"], body["size"]) == (
        kind,
        name,
        content_type,
        len(content),
    )
    stored = PhoneConsultationFile.objects.get(pk=body["id"])
    assert stored.consultation == consultation and stored.created_by == operator
    keys = _objects(s3)
    assert keys == [stored.file.name] and keys[0].startswith(f"consultations/{consultation.pk}/")
    assert name.split(".")[0] not in keys[0]  # a random key, never the client's file name
    assert s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read() == content
    entry = AuditLog.objects.get(object_type="consultations.phoneconsultationfile", action="create")
    assert entry.case_reference == case.code and entry.actor_id == str(operator.pk)

    # Private: nobody but the owner is granted access to the object.
    grants = s3.get_object_acl(Bucket=BUCKET, Key=keys[0])["Grants"]
    assert all(g["Grantee"].get("Type") == "CanonicalUser" for g in grants)

    link = operator_client.get(f"{URL}/{consultation.pk}/files/{stored.pk}")
    assert link.status_code == 200, link.content
    assert link.json()["expires_in"] == 120
    url = link.json()["url"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert "X-Amz-Signature" in query and query["X-Amz-Expires"] == ["120"]
    assert url.startswith("http://127.0.0.1:")
    fetched, served_type = _fetch(url)
    assert fetched == content and served_type == content_type

    detail = operator_client.get(f"{URL}/{consultation.pk}").json()
    assert [f["id"] for f in detail["files"]] == [stored.pk]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (make_jpeg(), "image/jpeg"),
        (make_wav(), "audio/wav"),
        (make_mp3(), "audio/mpeg"),
        (make_ogg(), "audio/ogg"),
        (make_m4a(), "audio/mp4"),
    ],
)
def test_recordings_and_jpeg_are_accepted(s3, operator_client, consultation, content, content_type):
    response = _upload(operator_client, consultation.pk, content, "call", content_type)
    assert response.status_code == 201, response.content
    expected_kind = "image" if content_type.startswith("image/") else "recording"
    assert response.json()["kind"] == expected_kind
    assert len(_objects(s3)) == 1


@pytest.mark.parametrize(
    ("content", "name", "content_type", "code"),
    [
        (ELF_BYTES, "invoice.pdf", "application/pdf", "unsupported_file_type"),  # a Linux executable renamed
        (MZ_BYTES, "invoice.pdf", "application/pdf", "unsupported_file_type"),  # a Windows one
        (b"GIF89a" + b"\x00" * 100, "photo.gif", "image/gif", "unsupported_file_type"),
        (b"just text", "notes.txt", "text/plain", "unsupported_file_type"),
        (make_png(), "scan.pdf", "application/pdf", "content_type_mismatch"),
        (make_pdf(), "report.pdf", "audio/mpeg", "content_type_mismatch"),
    ],
)
def test_anything_else_is_refused_and_nothing_stored(
    s3, operator_client, consultation, content, name, content_type, code
):
    body = assert_problem(_upload(operator_client, consultation.pk, content, name, content_type), 400, code)
    assert "file" in body["errors"]
    assert _objects(s3) == []
    assert not PhoneConsultationFile.objects.exists()
    assert not AuditLog.objects.filter(object_type="consultations.phoneconsultationfile").exists()


def test_an_oversized_file_is_413_and_nothing_stored(s3, operator_client, consultation, settings):
    settings.CONSULTATION_FILE_MAX_BYTES = 4096
    pdf = make_pdf(padding=6000)
    assert len(pdf) > 4096
    body = assert_problem(_upload(operator_client, consultation.pk, pdf, "big.pdf", "application/pdf"), 413)
    assert body["code"] == "file_too_large" and "file" in body["errors"]
    assert _objects(s3) == [] and not PhoneConsultationFile.objects.exists()


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(s3, operator_client, consultation, settings):
    settings.CONSULTATION_FILE_MAX_BYTES = 1024
    wav = make_wav(seconds=20)
    assert_problem(_upload(operator_client, consultation.pk, wav, "long.wav", "audio/wav"), 413, "file_too_large")
    assert _objects(s3) == []


def test_the_same_content_twice_is_stored_once(s3, operator_client, consultation):
    pdf = make_pdf()
    first = _upload(operator_client, consultation.pk, pdf, "a.pdf", "application/pdf")
    again = _upload(operator_client, consultation.pk, pdf, "b.pdf", "application/pdf")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert len(_objects(s3)) == 1 and PhoneConsultationFile.objects.count() == 1


def test_upload_shape_errors(s3, operator_client, consultation):
    url = f"{URL}/{consultation.pk}/files"
    assert "file" in assert_problem(operator_client.post(url, {}, format="multipart"), 400)["errors"]
    extra = {"file": SimpleUploadedFile("a.pdf", make_pdf(), content_type="application/pdf"), "note": "hi"}
    assert "note" in assert_problem(operator_client.post(url, extra, format="multipart"), 400)["errors"]
    assert_problem(operator_client.post(url, {"file": "x"}, format="json"), 415)
    body = assert_problem(_upload(operator_client, consultation.pk, b"", "empty.pdf", "application/pdf"), 400)
    assert "file" in body["errors"]
    assert _objects(s3) == []


def test_unknown_consultation_or_file_is_404(s3, operator_client, consultation):
    assert_problem(_upload(operator_client, 999999, make_pdf(), "a.pdf", "application/pdf"), 404)
    assert_problem(operator_client.get(f"{URL}/{consultation.pk}/files/999999"), 404)
    file_id = _upload(operator_client, consultation.pk, make_pdf(), "a.pdf", "application/pdf").json()["id"]
    other = PhoneConsultationFactory()
    assert_problem(operator_client.get(f"{URL}/{other.pk}/files/{file_id}"), 404)


def test_file_permissions(s3, operator_client, api_client, consultation, operator):
    file_id = _upload(operator_client, consultation.pk, make_pdf(), "a.pdf", "application/pdf").json()["id"]
    link = f"{URL}/{consultation.pk}/files/{file_id}"
    assert_problem(_upload(api_client, consultation.pk, make_png(), "a.png", "image/png"), 401)
    assert_problem(api_client.get(link), 401)
    api_client.force_login(UserFactory())
    assert_problem(_upload(api_client, consultation.pk, make_png(), "a.png", "image/png"), 403)
    assert_problem(api_client.get(link), 403)
    assert PhoneConsultationFile.objects.count() == 1 and len(_objects(s3)) == 1


def test_partners_reach_only_files_of_their_own_cases(s3, operator_client, operator, consultation, api_client):
    file_id = _upload(operator_client, consultation.pk, make_pdf(), "a.pdf", "application/pdf").json()["id"]
    other_source = PartnerClient("MOK")
    api_client.force_authenticate(user=other_source, token=partner_credentials())
    assert_problem(api_client.get(f"{URL}/{consultation.pk}/files/{file_id}"), 404)
    assert_problem(_upload(api_client, consultation.pk, make_png(), "a.png", "image/png"), 404)
    api_client.force_authenticate(user=PartnerClient(consultation.event.source_code), token=partner_credentials())
    assert api_client.get(f"{URL}/{consultation.pk}/files/{file_id}").status_code == 200
    assert _upload(api_client, consultation.pk, make_png(), "a.png", "image/png").status_code == 201


def test_local_storage_links_download_the_file_and_expire(operator_client, consultation, settings):
    """Locally (make run, tests) a link works like a presigned S3 URL: absolute, signed, expiring."""
    content = make_pdf()
    file_id = _upload(operator_client, consultation.pk, content, "a.pdf", "application/pdf").json()["id"]
    link = operator_client.get(f"{URL}/{consultation.pk}/files/{file_id}").json()
    assert link["expires_in"] == 300 and link["url"].startswith("http://testserver/local-files/")
    path = link["url"].removeprefix("http://testserver")
    anonymous = Client()
    download = anonymous.get(path)  # the link itself is the credential, as with S3
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert download["Content-Type"] == "application/pdf"
    assert anonymous.get(path[:-3] + "xyz").status_code == 404  # tampered
    PhoneConsultationFile.objects.get(pk=file_id).file.delete(save=False)
