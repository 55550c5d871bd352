"""Voucher representations (list, detail) and the inputs of issue, transition and coverage check.

Input serializers refuse unknown and read-only keys (a misspelt field must not be silently
dropped) and only check the shape; the services own the rules.
"""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from apps.core.fields import PersonField
from apps.core.serializers import OptionalCurrencyCodeField, StrictFieldsMixin
from apps.masters.api.fields import AssistanceField, CategoryField, CodeRelatedField, CountryField, SourceField
from apps.masters.models import VoucherStatus
from apps.vouchers.api import examples
from apps.vouchers.choices import DocumentType
from apps.vouchers.models import Voucher, VoucherBenefit, VoucherStatusHistory, VoucherTraveller

# --- Shared pieces ------------------------------------------------------------------------------------


class HolderSerializer(StrictFieldsMixin, serializers.Serializer):
    """The policy holder (the person or company who bought the voucher)."""

    name = serializers.CharField(source="holder_name", max_length=200)
    document_type = serializers.ChoiceField(
        source="holder_document_type", choices=DocumentType.choices, default=DocumentType.PASSPORT
    )
    document_number = serializers.CharField(source="holder_document_number", max_length=40)
    email = serializers.EmailField(source="holder_email", allow_blank=True, default="")
    phone = serializers.CharField(source="holder_phone", max_length=40, allow_blank=True, default="")


class TravellerSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = VoucherTraveller
        fields = ["id", "first_name", "last_name", "document_type", "document_number", "birth_date", "is_holder"]
        read_only_fields = ["id"]


class BenefitInputSerializer(StrictFieldsMixin, serializers.Serializer):
    """A benefit limit: for an ``assistance`` type or a whole ``category`` (one of the two, by code)."""

    assistance = AssistanceField(
        required=False,
        allow_null=True,
        help_text="Assistance type code (give this or `category`).",
    )
    category = CategoryField(
        required=False,
        allow_null=True,
        help_text="Category code: the limit is shared by the category's assistance types.",
    )
    amount = serializers.DecimalField(
        source="limit_amount",
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Limit amount, in `currency`.",
    )
    currency = OptionalCurrencyCodeField(required=False, default="", help_text="ISO 4217 code.")
    count = serializers.IntegerField(
        source="limit_count", min_value=0, required=False, allow_null=True, help_text="Limit on the number of uses."
    )

    def validate_currency(self, value: str) -> str:
        return value.upper()


class BenefitSerializer(serializers.ModelSerializer):
    """A benefit with its limit and what cases already committed of it."""

    assistance = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    amount = serializers.DecimalField(
        source="limit_amount", max_digits=12, decimal_places=2, read_only=True, allow_null=True
    )
    count = serializers.IntegerField(source="limit_count", read_only=True, allow_null=True)
    committed_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    committed_count = serializers.IntegerField(read_only=True)
    remaining_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)
    remaining_count = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = VoucherBenefit
        fields = [
            "id",
            "assistance",
            "category",
            "amount",
            "currency",
            "count",
            "committed_amount",
            "committed_count",
            "remaining_amount",
            "remaining_count",
        ]
        read_only_fields = fields


class StatusHistorySerializer(serializers.ModelSerializer):
    from_status = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    to_status = serializers.SlugRelatedField(slug_field="code", read_only=True)
    actor = PersonField(name="actor_repr", help_text="Who made the change (partners read a label for operators).")

    class Meta:
        model = VoucherStatusHistory
        fields = ["from_status", "to_status", "reason", "actor", "changed_at"]
        read_only_fields = fields


# --- Output -------------------------------------------------------------------------------------------


@extend_schema_serializer(examples=examples.VOUCHER_EXAMPLES)
class VoucherListSerializer(serializers.ModelSerializer):
    holder = HolderSerializer(source="*", read_only=True)
    destinations = serializers.SlugRelatedField(
        slug_field="iso2", many=True, read_only=True, help_text="ISO 3166-1 alpha-2 codes."
    )
    residence_country = serializers.SlugRelatedField(slug_field="iso2", read_only=True, allow_null=True)
    status = serializers.SlugRelatedField(slug_field="code", read_only=True)
    source = SourceField(read_only=True)

    class Meta:
        model = Voucher
        fields = [
            "id",
            "number",
            "product_code",
            "product_name",
            "source",
            "holder",
            "valid_from",
            "valid_to",
            "worldwide",
            "destinations",
            "residence_country",
            "status",
            "currency",
            "external_reference",
            "issued_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.VOUCHER_DETAIL_EXAMPLES)
class VoucherDetailSerializer(VoucherListSerializer):
    travellers = TravellerSerializer(many=True, read_only=True)
    benefits = BenefitSerializer(many=True, read_only=True)
    status_history = StatusHistorySerializer(many=True, read_only=True)

    class Meta(VoucherListSerializer.Meta):
        fields = [*VoucherListSerializer.Meta.fields, "travellers", "benefits", "status_history"]
        read_only_fields = fields


# --- Input --------------------------------------------------------------------------------------------


class VoucherWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """The fields a partner gives when it issues a voucher (MOK's payload reuses them)."""

    holder = HolderSerializer(source="*")
    destinations = CountryField(
        many=True,
        required=False,
        help_text="ISO 3166-1 alpha-2 codes of the covered countries (unless `worldwide`).",
    )
    residence_country = CountryField(
        required=False,
        allow_null=True,
        help_text="ISO alpha-2 code; coverage never applies there.",
    )
    travellers = TravellerSerializer(many=True, allow_empty=False)
    benefits = BenefitInputSerializer(many=True, required=False)
    currency = OptionalCurrencyCodeField(
        required=False,
        help_text=(
            "ISO 4217 code of every benefit amount. Left out: the benefits' currency, else the source's "
            "default. A benefit's `currency`, when given, must be this one."
        ),
    )

    class Meta:
        model = Voucher
        fields = [
            "number",
            "product_code",
            "product_name",
            "holder",
            "valid_from",
            "valid_to",
            "worldwide",
            "destinations",
            "residence_country",
            "currency",
            "travellers",
            "benefits",
        ]
        extra_kwargs = {"number": {"validators": []}}  # uniqueness is the service's (a clean 400 or 409)


@extend_schema_serializer(examples=examples.ISSUE_EXAMPLES)
class VoucherIssueSerializer(VoucherWriteSerializer):
    source = SourceField(help_text="Issuing channel.")
    status = CodeRelatedField(
        slug_field="code",
        queryset=VoucherStatus.objects.all(),
        required=False,
        help_text="Initial status code (an initial status of the voucher machine; ACTIVE by default).",
    )

    class Meta(VoucherWriteSerializer.Meta):
        fields = [*VoucherWriteSerializer.Meta.fields, "source", "status", "external_reference", "issued_at"]


class TransitionSerializer(StrictFieldsMixin, serializers.Serializer):
    """A status change: the status to move to, and why."""

    status = serializers.CharField(max_length=40, help_text="Code of the status to move to.")
    reason = serializers.CharField(max_length=2000, allow_blank=True, default="", help_text="Why (kept in history).")


class CoverageQuerySerializer(serializers.Serializer):
    """The question asked of a voucher: this assistance, in this country, on this date."""

    assistance = AssistanceField(help_text="Assistance type code.")
    country = CountryField(help_text="ISO alpha-2 code of where help is needed.")
    date = serializers.DateField(required=False, help_text="Date of the event (YYYY-MM-DD); today by default.")


class CoverageReasonSerializer(serializers.Serializer):
    """One coverage rule and whether it passed."""

    code = serializers.ChoiceField(
        choices=["status", "validity", "destination", "residence", "benefit", "limit"], help_text="The rule checked."
    )
    passed = serializers.BooleanField()
    message = serializers.CharField()


class CoverageBenefitSerializer(serializers.ModelSerializer):
    """The benefit that applies: for the assistance type itself, or for its category."""

    assistance = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = VoucherBenefit
        fields = ["id", "assistance", "category"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.COVERAGE_EXAMPLES)
class CoverageResultSerializer(serializers.Serializer):
    """The coverage check: every rule's outcome and the limits of the benefit that applies."""

    voucher = serializers.CharField(help_text="Voucher number.")
    assistance = serializers.CharField(help_text="Assistance type code checked.")
    country = serializers.CharField(help_text="ISO alpha-2 code checked.")
    date = serializers.DateField()
    covered = serializers.BooleanField(help_text="True when every rule passed.")
    reasons = CoverageReasonSerializer(many=True)
    benefit = CoverageBenefitSerializer(allow_null=True, help_text="The benefit that applies, if any.")
    limit_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField(allow_blank=True)
    limit_count = serializers.IntegerField(allow_null=True)
    committed_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    committed_count = serializers.IntegerField()
    remaining_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    remaining_count = serializers.IntegerField(allow_null=True)


class OpeningCoverageReason(serializers.Serializer):
    code = serializers.CharField()
    passed = serializers.BooleanField()
    message = serializers.CharField()


@extend_schema_serializer(component_name="OpeningCoverage")
class OpeningCoverageSchema(serializers.Serializer):
    """The coverage check stored on a case when it was opened (``Event.coverage``), or refusing to open one."""

    covered = serializers.BooleanField(required=False)
    reasons = OpeningCoverageReason(many=True, required=False)
    benefit = serializers.CharField(required=False, allow_null=True, help_text="Code of the benefit that applied.")
    currency = serializers.CharField(required=False, allow_blank=True)
    limit_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    limit_count = serializers.IntegerField(required=False, allow_null=True)
    remaining_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    remaining_count = serializers.IntegerField(required=False, allow_null=True)
