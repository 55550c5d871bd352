"""The consultation services: validation, scoping of the case link, audit, content checks of files."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.audit.models import AuditLog
from apps.consultations import selectors, services
from apps.consultations.choices import FileKind
from apps.consultations.files import CHECK, KINDS
from apps.consultations.models import PhoneConsultation, PhoneConsultationFile
from apps.core.exceptions import ApplicationError
from apps.core.files.formats import detect_format
from tests.accounts.factories import UserFactory
from tests.assistances.factories import covered_case
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

pytestmark = pytest.mark.django_db


def _data(**overrides) -> dict:
    return {
        "caller_name": "Ana Pérez",
        "phone_number": "+54 (11) 5555-0000",
        "direction": "inbound",
        "reason": "Asks whether her voucher covers a dentist",
        "duration_seconds": 300,
        "outcome": "resolved",
        **overrides,
    }


def _audit(instance) -> list[AuditLog]:
    return list(
        AuditLog.objects.filter(object_type=instance._meta.label_lower, object_id=str(instance.pk)).order_by("id")
    )


# --- create / update ----------------------------------------------------------------------------------


def test_create_records_the_operator_defaults_the_start_and_is_audited(operator):
    before = timezone.now()
    consultation = services.consultation_create(data=_data(), actor=operator)
    consultation.refresh_from_db()
    assert consultation.operator == operator and consultation.created_by == operator
    assert before <= consultation.started_at <= timezone.now()
    assert consultation.phone_digits == "541155550000"
    [entry] = _audit(consultation)
    assert entry.action == "create" and entry.actor_id == str(operator.pk) and entry.case_reference == ""
    assert entry.changes["after"]["phone_number"] == "+54 (11) 5555-0000"


def test_link_to_a_case_puts_the_case_code_on_the_audit_entries(operator):
    case = covered_case(actor=operator)
    consultation = services.consultation_create(data=_data(event=case, outcome="case_opened"), actor=operator)
    assert _audit(consultation)[0].case_reference == case.code
    services.consultation_update(instance=consultation, data={"reason": "Called back"}, actor=operator)
    assert [e.case_reference for e in _audit(consultation)] == [case.code, case.code]
    # Unlinking is recorded under the case the call left.
    services.consultation_update(instance=consultation, data={"event": None}, actor=operator)
    entry = _audit(consultation)[-1]
    assert entry.case_reference == case.code and entry.changes["event"][1] is None


def test_update_without_changes_writes_nothing(operator):
    consultation = services.consultation_create(data=_data(), actor=operator)
    services.consultation_update(instance=consultation, data={"reason": consultation.reason}, actor=operator)
    assert len(_audit(consultation)) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone_number", "call me maybe"),
        ("phone_number", "12345"),  # too few digits
        ("phone_number", "1" * 21),  # too many
        ("phone_number", "54+11 5555 0000"),  # "+" only leads
        ("duration_seconds", 24 * 3600 + 1),
        ("direction", "sideways"),
        ("outcome", "maybe"),
    ],
)
def test_field_rules_are_enforced_by_the_model(operator, field, value):
    with pytest.raises(ValidationError) as caught:
        services.consultation_create(data=_data(**{field: value}), actor=operator)
    assert field in caught.value.message_dict
    assert not PhoneConsultation.objects.exists() and not AuditLog.objects.exists()


@pytest.mark.parametrize("phone", ["+54 11 5555-0000", "(011) 4555 0000", "123456", "+" + "9" * 20, "555-123-456"])
def test_accepted_phone_numbers(operator, phone):
    assert services.consultation_create(data=_data(phone_number=phone), actor=operator).pk


def test_a_call_cannot_start_in_the_future(operator):
    later = timezone.now() + datetime.timedelta(hours=1)
    with pytest.raises(ApplicationError) as caught:
        services.consultation_create(data=_data(started_at=later), actor=operator)
    assert "started_at" in caught.value.extra["errors"]
    # A few minutes of clock drift are fine.
    soon = timezone.now() + datetime.timedelta(minutes=2)
    assert services.consultation_create(data=_data(started_at=soon), actor=operator).started_at == soon


def test_partner_may_link_only_its_own_cases_and_must_link_one(operator):
    own = covered_case(source="KOM", actor=operator)
    other = covered_case(source="MOK", actor=operator)
    partner = PartnerClient("KOM")
    with pytest.raises(ApplicationError) as caught:
        services.consultation_create(data=_data(event=other), actor=partner)
    assert list(caught.value.extra["errors"]) == ["event"]
    with pytest.raises(ApplicationError) as caught:
        services.consultation_create(data=_data(), actor=partner)
    assert "event" in caught.value.extra["errors"]
    consultation = services.consultation_create(data=_data(event=own), actor=partner)
    # API clients are kept in the audit trail, never in the user columns.
    assert consultation.operator is None and consultation.created_by is None
    entry = _audit(consultation)[0]
    assert (entry.actor_type, entry.actor_id, entry.case_reference) == ("api_client", "7001", own.code)
    with pytest.raises(ApplicationError):
        services.consultation_update(instance=consultation, data={"event": None}, actor=partner)
    with pytest.raises(ApplicationError):
        services.consultation_update(instance=consultation, data={"event": other}, actor=partner)
    consultation.refresh_from_db()
    assert consultation.event == own


def test_operators_may_link_any_case(operator):
    case = covered_case(source="MOK", actor=operator)
    assert services.consultation_create(data=_data(event=case), actor=operator).event == case


# --- selectors ----------------------------------------------------------------------------------------


def test_list_is_scoped_to_the_partner_source(operator):
    kom, mok = covered_case(source="KOM", actor=operator), covered_case(source="MOK", actor=operator)
    on_kom = PhoneConsultationFactory(event=kom)
    on_mok = PhoneConsultationFactory(event=mok)
    unlinked = PhoneConsultationFactory()
    assert set(selectors.consultation_list(caller=operator)) == {on_kom, on_mok, unlinked}
    assert set(selectors.consultation_list()) == {on_kom, on_mok, unlinked}
    assert list(selectors.consultation_list(caller=PartnerClient("KOM"))) == [on_kom]
    assert list(selectors.consultation_list(caller=PartnerClient("PHONE"))) == []


# --- files --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [
        (make_pdf(), "pdf", FileKind.PDF),
        (make_png(), "png", FileKind.IMAGE),
        (make_jpeg(), "jpeg", FileKind.IMAGE),
        (make_wav(), "wav", FileKind.RECORDING),
        (make_mp3(), "mp3", FileKind.RECORDING),
        (make_mp3(with_id3=False), "mp3", FileKind.RECORDING),
        (b"\xff\xf3" + b"\x00" * 30, "mp3", FileKind.RECORDING),
        (b"\xff\xf2" + b"\x00" * 30, "mp3", FileKind.RECORDING),
        (make_ogg(), "ogg", FileKind.RECORDING),
        (make_m4a(), "mp4", FileKind.RECORDING),
    ],
)
def test_formats_are_recognised_by_their_first_bytes(content, name, kind):
    detected = detect_format(content[:16], CHECK.formats)
    assert (detected.name, KINDS[detected]) == (name, kind)


@pytest.mark.parametrize(
    "content",
    [ELF_BYTES, MZ_BYTES, b"RIFF\x00\x00\x00\x00AVI LIST", b"GIF89a" + b"\x00" * 20, b"<html>", b"PK\x03\x04", b""],
)
def test_other_formats_are_not_recognised(content):
    assert detect_format(content[:16], CHECK.formats) is None


def _upload(content: bytes, name: str, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_file_add_stores_under_a_random_key_and_audits(operator):
    case = covered_case(actor=operator)
    consultation = services.consultation_create(data=_data(event=case), actor=operator)
    wav = make_wav()
    stored, created = services.consultation_file_add(
        consultation=consultation, upload=_upload(wav, "../../etc/passwd.wav", "audio/x-wav"), actor=operator
    )
    try:
        assert created and stored.kind == FileKind.RECORDING and stored.content_type == "audio/wav"
        assert stored.original_name == "passwd.wav" and stored.size == len(wav)
        assert stored.file.name.startswith(f"consultations/{consultation.pk}/") and stored.file.name.endswith(".wav")
        assert "passwd" not in stored.file.name
        assert stored.file.read() == wav
        entry = _audit(stored)[0]
        assert entry.case_reference == case.code and entry.changes["after"]["sha256"] == stored.sha256
        again, created = services.consultation_file_add(
            consultation=consultation, upload=_upload(wav, "copy.wav", "audio/wav"), actor=operator
        )
        assert again == stored and not created and PhoneConsultationFile.objects.count() == 1
    finally:
        stored.file.storage.delete(stored.file.name)


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        (ELF_BYTES, "application/pdf", "unsupported_file_type"),
        (MZ_BYTES, "application/pdf", "unsupported_file_type"),
        (make_png(), "application/pdf", "content_type_mismatch"),
        (make_pdf(), "image/png", "content_type_mismatch"),
        (make_pdf(), "application/octet-stream", "content_type_mismatch"),
        (b"", "application/pdf", "empty_file"),
    ],
)
def test_file_add_refusals_store_nothing(operator, content, content_type, code):
    consultation = services.consultation_create(data=_data(), actor=operator)
    with pytest.raises(ApplicationError) as caught:
        services.consultation_file_add(
            consultation=consultation, upload=_upload(content, "x.pdf", content_type), actor=operator
        )
    assert caught.value.code == code and caught.value.status_code == 400
    assert "file" in caught.value.extra["errors"]
    assert not PhoneConsultationFile.objects.exists()


def test_file_add_over_the_limit_is_413(operator, settings):
    settings.CONSULTATION_FILE_MAX_BYTES = 100
    consultation = services.consultation_create(data=_data(), actor=operator)
    with pytest.raises(ApplicationError) as caught:
        services.consultation_file_add(
            consultation=consultation, upload=_upload(make_pdf(), "a.pdf", "application/pdf"), actor=operator
        )
    assert (caught.value.code, caught.value.status_code) == ("file_too_large", 413)
    assert not PhoneConsultationFile.objects.exists()


def test_declared_type_parameters_and_case_are_ignored(operator):
    consultation = services.consultation_create(
        data=_data(),
        actor=operator,
    )
    stored, _created = services.consultation_file_add(
        consultation=consultation, upload=_upload(make_ogg(), "call.ogg", "Audio/OGG; codecs=opus"), actor=UserFactory()
    )
    try:
        assert stored.content_type == "audio/ogg" and stored.kind == FileKind.RECORDING
    finally:
        stored.file.storage.delete(stored.file.name)
