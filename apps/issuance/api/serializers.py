"""MOK's issuance payload (input), the ingestion answer, the stored record and its documents."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.files.api import FileUploadSerializer
from apps.core.serializers import StrictFieldsMixin
from apps.issuance.models import IssuanceDocument, IssuanceRecord
from apps.vouchers.api.serializers import VoucherWriteSerializer
from apps.vouchers.models import Voucher

ISSUANCE_ID_REGEX = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"


class MokVoucherSerializer(VoucherWriteSerializer):
    """One voucher of a MOK issuance (its source is always MOK; its status starts ACTIVE)."""

    class Meta(VoucherWriteSerializer.Meta):
        pass


class MokIssuanceSerializer(StrictFieldsMixin, serializers.Serializer):
    """What MOK sends: an issuance (its id is the idempotency key) with one or more vouchers."""

    issuance_id = serializers.RegexField(
        ISSUANCE_ID_REGEX,
        max_length=100,
        help_text="MOK's own identifier of the issuance: the idempotency key (letters, digits, . _ : -).",
    )
    issued_at = serializers.DateTimeField(required=False, allow_null=True, help_text="When MOK issued the policy.")
    vouchers = MokVoucherSerializer(many=True, allow_empty=False)

    def validate_vouchers(self, value: list[dict]) -> list[dict]:
        numbers = [item["number"] for item in value]
        duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
        if duplicates:
            raise serializers.ValidationError(
                _("Voucher numbers appear more than once: %(numbers)s.") % {"numbers": ", ".join(duplicates)}
            )
        return value


class IssuedVoucherSerializer(serializers.ModelSerializer):
    status = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Voucher
        fields = ["id", "number", "status"]
        read_only_fields = fields


class IngestionResultSerializer(serializers.Serializer):
    """What the ingestion did with the issuance, and its vouchers."""

    issuance_id = serializers.CharField(source="record.mok_issuance_id")
    result = serializers.ChoiceField(
        choices=["created", "updated", "unchanged"],
        help_text="created (first receipt), updated (the payload changed) or unchanged (the same payload again).",
    )
    times_received = serializers.IntegerField(source="record.times_received")
    last_received_at = serializers.DateTimeField(source="record.last_received_at")
    vouchers = IssuedVoucherSerializer(many=True)


class IssuanceDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = IssuanceDocument
        fields = ["id", "original_name", "content_type", "size", "sha256", "created_at"]
        read_only_fields = fields


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": "The issuance body exactly as MOK last sent it (it passed the MokIssuanceRequest schema).",
    }
)
class MokIssuancePayloadField(serializers.JSONField):
    """The issuance body as MOK last sent it, kept verbatim (an object; its shape is MokIssuanceRequest's)."""


class IssuanceRecordSerializer(serializers.ModelSerializer):
    issuance_id = serializers.CharField(source="mok_issuance_id", read_only=True)
    first_received_at = serializers.DateTimeField(source="created_at", read_only=True)
    vouchers = IssuedVoucherSerializer(many=True, read_only=True)
    documents = IssuanceDocumentSerializer(many=True, read_only=True)
    payload = MokIssuancePayloadField(read_only=True, help_text="The body as last received.")

    class Meta:
        model = IssuanceRecord
        fields = [
            "issuance_id",
            "issued_at",
            "payload_sha256",
            "times_received",
            "first_received_at",
            "last_received_at",
            "vouchers",
            "documents",
            "payload",
        ]
        read_only_fields = fields


class DocumentUploadSerializer(FileUploadSerializer):
    """A multipart upload with a single ``file`` field."""

    file = serializers.FileField(help_text="The PDF document (multipart/form-data field `file`).")


class DocumentURLSerializer(serializers.Serializer):
    """Where to download a private document from, for a short while."""

    url = serializers.URLField(help_text="Short-lived (presigned) download URL.")
    expires_in = serializers.IntegerField(
        allow_null=True, help_text="Seconds the URL stays valid (null where the storage's URLs do not expire)."
    )
