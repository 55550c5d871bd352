"""Guarantees of payment as the API shows and takes them. Amounts are decimal strings in the
currency named beside them; partners read operators as "Bigtree operator"."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.fields import PersonField
from apps.core.serializers import MoneyField, StrictFieldsMixin
from apps.guarantees.models import LETTER_LANGUAGES, Guarantee, GuaranteeVersion
from apps.guarantees.selectors import minutes_between
from apps.masters.api.fields import SourceField

# Up to 4 decimals: CLF has four; each currency's own limit is the services' rule (too_many_decimals).
_AMOUNT = {"max_digits": 14, "decimal_places": 4}


class ExchangeRateUsedSerializer(serializers.Serializer):
    date = serializers.DateField()
    from_currency = serializers.CharField()
    to_currency = serializers.CharField()
    rate = serializers.DecimalField(max_digits=24, decimal_places=10)
    source = serializers.CharField(help_text=_("Where the rate comes from."))


class GuaranteeVersionSerializer(serializers.ModelSerializer):
    amount = MoneyField(currency_field="currency")
    deductible = MoneyField(currency_field="currency", allow_null=True)
    voucher_amount = MoneyField(currency_field="voucher_currency", allow_null=True)
    rate = ExchangeRateUsedSerializer(read_only=True, allow_null=True)
    issued_by = PersonField(name="issued_by_repr", user_id="issued_by_id", help_text=_("Who wrote this version."))
    decided_by = PersonField(
        name="approved_by_repr", help_text=_("Who approved or refused it (when it needed approval).")
    )

    class Meta:
        model = GuaranteeVersion
        fields = [
            "number",
            "is_final",
            "amount",
            "currency",
            "deductible",
            "voucher_amount",
            "voucher_currency",
            "rate",
            "valid_from",
            "valid_until",
            "covered_services",
            "exclusions",
            "verification_code",
            "approval",
            "approval_reason",
            "decided_by",
            "approved_at",
            "decision_note",
            "issued_by",
            "issued_at",
            "superseded_at",
        ]
        read_only_fields = fields


class GuaranteeSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event.code", read_only=True)
    provider = serializers.IntegerField(source="assignment.provider_id", read_only=True)
    provider_name = serializers.CharField(source="assignment.provider.display_name", read_only=True)
    status = serializers.CharField(source="status.code", read_only=True)
    current_version = serializers.IntegerField(
        source="current_version.number", read_only=True, allow_null=True, help_text=_("The version in force.")
    )
    versions = GuaranteeVersionSerializer(many=True, read_only=True)
    to_issue_minutes = serializers.SerializerMethodField(
        help_text=_("Turnaround: minutes from the provider's assignment to the first issue.")
    )
    to_answer_minutes = serializers.SerializerMethodField(
        help_text=_("Turnaround: minutes from the first sending to the provider's first answer.")
    )

    class Meta:
        model = Guarantee
        fields = [
            "id",
            "number",
            "event",
            "assignment",
            "provider",
            "provider_name",
            "status",
            "language",
            "recipient_email",
            "current_version",
            "first_issued_at",
            "sent_at",
            "answered_at",
            "answer_reason",
            "reminded_at",
            "to_issue_minutes",
            "to_answer_minutes",
            "versions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True))
    def get_to_issue_minutes(self, guarantee) -> str | None:
        if guarantee.first_issued_at is None:
            return None
        return str(minutes_between(guarantee.assignment.assigned_at, guarantee.first_issued_at))

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True))
    def get_to_answer_minutes(self, guarantee) -> str | None:
        if guarantee.first_sent_at is None or guarantee.first_answered_at is None:
            return None
        return str(minutes_between(guarantee.first_sent_at, guarantee.first_answered_at))


class _ContentSerializer(StrictFieldsMixin, serializers.Serializer):
    amount = serializers.DecimalField(**_AMOUNT, min_value=0, help_text=_("In the provider's currency."))
    deductible = serializers.DecimalField(**_AMOUNT, min_value=0, required=False, allow_null=True)
    valid_from = serializers.DateField(required=False)
    valid_until = serializers.DateField(required=False)
    covered_services = serializers.CharField(max_length=4000)
    exclusions = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class GuaranteeCreateSerializer(_ContentSerializer):
    assignment = serializers.IntegerField(min_value=1, help_text=_("The case provider the guarantee is for."))
    language = serializers.ChoiceField(
        choices=LETTER_LANGUAGES, required=False, help_text=_("The letter's; the provider's language when left out.")
    )
    recipient_email = serializers.EmailField(required=False, help_text=_("The provider's GOP e-mail when left out."))


class GuaranteeUpdateSerializer(_ContentSerializer):
    """A draft's content, or the letter's language and recipient at any time."""

    amount = serializers.DecimalField(**_AMOUNT, min_value=0, required=False)
    covered_services = serializers.CharField(max_length=4000, required=False)
    language = serializers.ChoiceField(choices=LETTER_LANGUAGES, required=False)
    recipient_email = serializers.EmailField(required=False)


class GuaranteeAmendSerializer(_ContentSerializer):
    """What changes in the new version; what is left out is kept from the version in force."""

    amount = serializers.DecimalField(**_AMOUNT, min_value=0, required=False)
    covered_services = serializers.CharField(max_length=4000, required=False)


class ReasonSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ApprovalSerializer(StrictFieldsMixin, serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", _("approve")), ("refuse", _("refuse"))])
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AnswerSerializer(StrictFieldsMixin, serializers.Serializer):
    """The provider's answer, as an operator heard it on the phone."""

    decision = serializers.ChoiceField(choices=[("accept", _("accept")), ("decline", _("decline"))])
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TurnaroundQuerySerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^[2-9][0-9]{3}-(0[1-9]|1[0-2])$", required=False, help_text=_("YYYY-MM (default: this month).")
    )
    source_code = SourceField(required=False, help_text=_("One source (default: every source)."))


class TurnaroundSerializer(serializers.Serializer):
    month = serializers.CharField()
    source_code = serializers.CharField()
    guarantees = serializers.IntegerField()
    to_issue_p50_minutes = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    to_issue_p90_minutes = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    answered = serializers.IntegerField()
    to_answer_p50_minutes = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    to_answer_p90_minutes = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)


class GuaranteeLetterURLSerializer(serializers.Serializer):
    """Where to download a version's letter (PDF) from, for a short while."""

    url = serializers.URLField(help_text="Short-lived (presigned) download URL.")
    expires_in = serializers.IntegerField(
        allow_null=True, help_text="Seconds the URL stays valid (null where the storage's URLs do not expire)."
    )
