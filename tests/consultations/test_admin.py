"""Phone consultations in the admin: list, writes through the services, files with presigned download links."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.audit.models import AuditLog
from apps.consultations.models import PhoneConsultation, PhoneConsultationFile
from tests.accounts.factories import UserFactory
from tests.assistances.factories import covered_case
from tests.consultations.factories import ConsultationFileFactory, PhoneConsultationFactory, make_pdf
from tests.consultations.test_files import BUCKET, s3  # noqa: F401 - fixture
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/consultations/phoneconsultation/"


@pytest.fixture
def console(client, operator):
    client.force_login(operator)
    return client


def _form(**overrides) -> dict:
    return {
        "caller_name": "Luis Ortega",
        "phone_number": "+34 600 111 222",
        "direction": "outbound",
        "outcome": "callback_needed",
        "reason": "Hotel asks for a guarantee letter",
        "started_at_0": "2024-06-01",
        "started_at_1": "10:30:00",
        "duration_seconds": "95",
        "event": "",
        "operator": "",
        "files-TOTAL_FORMS": "0",
        "files-INITIAL_FORMS": "0",
        "files-MIN_NUM_FORMS": "0",
        "files-MAX_NUM_FORMS": "1000",
        **overrides,
    }


def test_changelist_shows_the_columns_and_keeps_queries_constant(console, operator):
    case = covered_case(actor=operator)

    def grow(count: int) -> None:
        for _ in range(count):
            consultation = PhoneConsultationFactory(event=case, operator=operator)
            ConsultationFileFactory(consultation=consultation)
        PhoneConsultationFactory()

    grow(2)
    baseline = count_queries(console, CHANGELIST)
    grow(8)
    assert count_queries(console, CHANGELIST) == baseline
    html = console.get(CHANGELIST).content.decode()
    assert case.code in html and f"/admin/assistances/event/{case.pk}/change/" in html
    assert "+54 11" in html
    searched = console.get(CHANGELIST, {"q": case.code}).content.decode()
    assert searched.count(f"/admin/assistances/event/{case.pk}/change/") == 10
    filtered = console.get(CHANGELIST, {"linked": "0"}).content.decode()
    assert f"/admin/assistances/event/{case.pk}/change/" not in filtered


def test_add_goes_through_the_service(console, operator):
    case = covered_case(actor=operator)
    response = console.post("/admin/consultations/phoneconsultation/add/", _form(event=str(case.pk)))
    assert response.status_code == 302, response.content.decode()[:3000]
    consultation = PhoneConsultation.objects.get()
    # The operator defaults to whoever records the call.
    assert consultation.operator == operator and consultation.created_by == operator
    assert consultation.phone_digits == "34600111222"
    entry = AuditLog.objects.get(object_type="consultations.phoneconsultation")
    assert (entry.action, entry.case_reference, entry.source) == ("create", case.code, "admin")


def test_change_goes_through_the_service_and_invalid_input_is_a_form_error(console, operator):
    consultation = PhoneConsultationFactory(operator=operator)
    url = f"/admin/consultations/phoneconsultation/{consultation.pk}/change/"
    form = _form(
        caller_name=consultation.caller_name,
        phone_number=consultation.phone_number,
        operator=str(operator.pk),
        duration_seconds="-3",
    )
    response = console.post(url, form)
    assert response.status_code == 200 and "errornote" in response.content.decode()
    form["duration_seconds"] = "1:00"  # minutes:seconds, as operators say it
    assert console.post(url, form).status_code == 302
    consultation.refresh_from_db()
    assert consultation.duration_seconds == 60 and consultation.outcome == "callback_needed"
    entry = AuditLog.objects.get(object_type="consultations.phoneconsultation", action="update")
    assert entry.changes["duration_seconds"] == [120, 60]


def test_consultations_are_not_deleted(console):
    consultation = PhoneConsultationFactory()
    response = console.post(f"/admin/consultations/phoneconsultation/{consultation.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert PhoneConsultation.objects.count() == 1


def test_file_inline_links_to_a_presigned_download(console, operator_client, operator, s3):  # noqa: F811
    consultation = PhoneConsultationFactory()
    pdf = make_pdf()
    upload = operator_client.post(
        f"/v1/assistances/phone-consultations/{consultation.pk}/files",
        {"file": SimpleUploadedFile("letter.pdf", pdf, content_type="application/pdf")},
        format="multipart",
    )
    assert upload.status_code == 201, upload.content
    stored = PhoneConsultationFile.objects.get()
    html = console.get(f"/admin/consultations/phoneconsultation/{consultation.pk}/change/").content.decode()
    link = f"/admin/consultations/phoneconsultation/file/{stored.pk}/"
    assert link in html and "letter.pdf" in html
    redirect = console.get(link)
    assert redirect.status_code == 302
    assert f"/{BUCKET}/" in redirect["Location"] and "X-Amz-Signature" in redirect["Location"]
    assert console.get("/admin/consultations/phoneconsultation/file/999999/").status_code == 404


def test_download_needs_view_permission(client, s3):  # noqa: F811
    stored = ConsultationFileFactory()
    client.force_login(UserFactory(is_staff=True))
    response = client.get(f"/admin/consultations/phoneconsultation/file/{stored.pk}/")
    assert response.status_code == 403
