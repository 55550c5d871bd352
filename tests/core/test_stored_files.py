"""The shared stored-file layer (apps.core.files): buckets, keys, content checks, the upload schema.

The apps' own tests (consultations, issuance) cover the behaviour end to end, on S3 and locally;
these pin what the apps rely on without saying it.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.migrations.writer import MigrationWriter
from django.utils import translation

from apps.consultations import services as consultation_services
from apps.consultations.models import PhoneConsultation, PhoneConsultationFile
from apps.core.exceptions import ValidationFailed
from apps.core.files.formats import PDF, PNG
from apps.core.files.local import LocalPrivateStorage
from apps.core.files.models import stored_file_key
from apps.core.files.services import ContentCheck, stored_file_add
from apps.core.files.storage import Bucket, bucket_storage
from apps.issuance import services as issuance_services
from apps.issuance.models import IssuanceDocument, IssuanceRecord
from tests.issuance.factories import make_pdf

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("model", "alias"), [(PhoneConsultationFile, "assists"), (IssuanceDocument, "issuance")])
def test_each_model_keeps_its_bucket_and_migrations_record_only_the_alias(model, alias):
    field = model._meta.get_field("file")
    assert field.storage is bucket_storage(alias)
    _name, path, _args, kwargs = field.deconstruct()
    assert path == "django.db.models.FileField" and kwargs["storage"] == Bucket(alias)
    assert kwargs["upload_to"] is stored_file_key
    written, imports = MigrationWriter.serialize(kwargs["storage"])
    assert written == f"apps.core.files.storage.Bucket({alias!r})" and imports == {"import apps.core.files.storage"}


def test_a_bucket_follows_a_settings_change(settings, tmp_path):
    storage = PhoneConsultationFile._meta.get_field("file").storage
    settings.STORAGES = {
        **settings.STORAGES,
        "assists": {
            "BACKEND": "apps.core.files.local.LocalPrivateStorage",
            "OPTIONS": {"location": str(tmp_path), "alias": "assists"},
        },
    }
    assert isinstance(storage, LocalPrivateStorage) and storage.location == str(tmp_path)


def test_keys_are_random_under_the_prefix_and_keep_only_the_extension():
    document = IssuanceDocument(record_id=42)
    first, second = stored_file_key(document, "PDF.PDF"), stored_file_key(document, "pdf.pdf")
    assert first.startswith("mok/42/") and first.endswith(".pdf") and first != second
    assert stored_file_key(PhoneConsultationFile(consultation_id=7), "../../etc/passwd").startswith("consultations/7/")
    assert "passwd" not in stored_file_key(PhoneConsultationFile(consultation_id=7), "../../etc/passwd")


def test_the_declared_type_is_compared_only_where_the_check_says_so():
    pdf_declared_as_png = SimpleUploadedFile("a.pdf", make_pdf(), content_type="image/png")
    loose = ContentCheck(formats=(PDF,), refusal="no", declared_type_must_agree=False)
    assert loose(pdf_declared_as_png) is PDF
    strict = ContentCheck(formats=(PDF, PNG), refusal="no")
    with pytest.raises(ValidationFailed) as caught:
        strict(pdf_declared_as_png)
    assert caught.value.code == "content_type_mismatch" and caught.value.errors["file"][0].code == caught.value.code
    assert strict.content_types == "application/pdf, image/png"


def test_both_upload_operations_state_the_media_types_of_the_file_part(client):
    paths = client.get("/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for path, content_types in [
        ("/v1/assistances/phone-consultations/{id}/files", "application/pdf, image/png, image/jpeg, audio/wav"),
        ("/v1/issuance-mok/{issuance_id}/documents", "application/pdf"),
    ]:
        operation = paths[path]["post"]
        encoding = operation["requestBody"]["content"]["multipart/form-data"]["encoding"]
        assert encoding["file"]["contentType"].startswith(content_types)
        assert {"200", "201", "400", "401", "403", "404", "413", "415"} <= set(operation["responses"])


@pytest.mark.parametrize(
    ("rules", "content", "expected"),
    [
        (issuance_services.DOCUMENT_RULES, b"just text", "El archivo no es un documento PDF."),
        (consultation_services.FILE_RULES, b"just text", "Solo se aceptan grabaciones de llamadas"),
        (issuance_services.DOCUMENT_RULES, b"", "El archivo está vacío."),
    ],
)
def test_refusals_speak_the_request_language(rules, content, expected):
    """The apps' refusal texts are lazy: translated when raised, in the caller's language."""
    owner = IssuanceRecord(pk=1) if rules.model is IssuanceDocument else PhoneConsultation(pk=1)
    upload = SimpleUploadedFile("a.txt", content, content_type="text/plain")
    with translation.override("es"), pytest.raises(ValidationFailed) as caught:
        stored_file_add(rules=rules, owner=owner, upload=upload)
    assert str(caught.value.message).startswith(expected)
    assert str(caught.value.errors["file"][0]).startswith(expected)
