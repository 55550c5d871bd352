"""Phone consultations as the API reads and writes them, their files, and file download links.

Input refuses unknown and read-only keys (a misspelt field must not be silently dropped); the
services own the rules. Component names start with ``PhoneConsultation`` so they never clash with
other apps' schema components.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from apps.assistances.selectors import case_lookup
from apps.consultations.api import examples
from apps.consultations.choices import Direction, FileKind, Outcome
from apps.consultations.models import MAX_DURATION_SECONDS, PhoneConsultation, PhoneConsultationFile
from apps.consultations.validators import PHONE_MAX_LENGTH, PHONE_PATTERN, validate_phone_number
from apps.core.fields import PersonField
from apps.core.files.api import FileUploadSerializer
from apps.core.serializers import StrictFieldsMixin
from apps.core.visibility import VisiblePrimaryKeyRelatedField


@extend_schema_field({"type": "string", "pattern": PHONE_PATTERN, "maxLength": PHONE_MAX_LENGTH})
class PhoneNumberField(serializers.CharField):
    """A phone number, documented with the pattern ``validate_phone_number`` applies."""


class PhoneConsultationFileSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=FileKind.choices, read_only=True)

    class Meta:
        model = PhoneConsultationFile
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.CONSULTATION_EXAMPLES)
class PhoneConsultationSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A phone consultation. ``event`` links it to a case (by id); ``operator`` is whoever recorded it."""

    phone_number = PhoneNumberField(max_length=PHONE_MAX_LENGTH, validators=[validate_phone_number])
    direction = serializers.ChoiceField(choices=Direction.choices)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    started_at = serializers.DateTimeField(required=False, help_text=_("When the call started (default: now)."))
    duration_seconds = serializers.IntegerField(
        min_value=0, max_value=MAX_DURATION_SECONDS, required=False, help_text=_("At most 24 hours.")
    )
    # The cases API's VisibleCaseField, built here from the assistances selector: consultations sit
    # below assistances and reach them only through their services and selectors.
    event = VisiblePrimaryKeyRelatedField(
        queryset=case_lookup(),
        error_messages={"does_not_exist": _("Unknown case.")},
        required=False,
        allow_null=True,
        help_text=_("Id of the linked case."),
    )
    event_code = serializers.CharField(source="event.code", read_only=True, default=None)
    operator = PersonField(
        name="operator.email",
        user_id="operator_id",
        allow_null=True,
        help_text=_("Who recorded the call (partners read a label, not the person)."),
    )
    files = PhoneConsultationFileSerializer(many=True, read_only=True)

    class Meta:
        model = PhoneConsultation
        fields = [
            "id",
            "caller_name",
            "phone_number",
            "direction",
            "reason",
            "started_at",
            "duration_seconds",
            "outcome",
            "event",
            "event_code",
            "operator",
            "files",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "event_code", "operator", "files", "created_at", "updated_at"]


class PhoneConsultationFileUploadSerializer(FileUploadSerializer):
    """A multipart upload with a single ``file`` field."""

    file = serializers.FileField(
        help_text="A call recording (WAV, MP3, OGG, M4A), a PDF or an image (PNG, JPEG); multipart field `file`."
    )


@extend_schema_serializer(examples=examples.FILE_URL_EXAMPLES)
class PhoneConsultationFileURLSerializer(serializers.Serializer):
    """Where to download a private file from, for a short while."""

    url = serializers.CharField(help_text="Short-lived (presigned) download URL.")
    expires_in = serializers.IntegerField(
        allow_null=True, help_text="Seconds the URL stays valid (null where the storage's URLs do not expire)."
    )
