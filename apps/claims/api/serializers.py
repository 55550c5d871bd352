"""Bills, payments and reserves as the API shows and takes them. Amounts are decimal strings in the
currency named beside them (``MoneyField``); partners read operators as "Bigtree operator"."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.claims.bills import flag_message
from apps.claims.models import AdjustmentReason, Bill, BillLine, Payment, ReserveChange
from apps.core.fields import PersonField
from apps.core.money import has_too_many_decimals, quantize
from apps.core.serializers import CurrencyCodeField, JSONObjectField, MoneyField, StrictFieldsMixin
from apps.guarantees.api.serializers import ExchangeRateUsedSerializer
from apps.masters.api.fields import AssistanceField, CountryField

# Up to 4 decimals: CLF has four; each currency's own limit is the services' rule (too_many_decimals).
_AMOUNT = {"max_digits": 14, "decimal_places": 4}


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^\d+(\.\d{1,4})?$"})
class UnitPriceField(MoneyField):
    """A unit price may be finer than its currency (0.125 per km): shown whole, never rounded."""

    def to_representation(self, value):
        amount, currency = value
        return str(amount.normalize()) if has_too_many_decimals(amount, currency) else str(quantize(amount, currency))


class FlagSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("possible_duplicate, duplicate_line, above_p90 or above_guarantee."))
    line = serializers.IntegerField(allow_null=True, help_text=_("The line it is about (null: the whole bill)."))
    message = serializers.SerializerMethodField(help_text=_("The flag in words."))
    data = JSONObjectField(help_text=_("The figures behind it (the percentile, the other bill...)."))
    acknowledged_at = serializers.CharField(allow_null=True, default=None, help_text=_("When a reviewer accepted it."))

    def get_message(self, flag) -> str:
        return flag_message(flag)


class BillLineSerializer(serializers.ModelSerializer):
    quantity = serializers.DecimalField(max_digits=10, decimal_places=3, read_only=True, normalize_output=True)
    unit_price = UnitPriceField(currency_field="bill.currency")
    billed_amount = MoneyField(currency_field="bill.currency")
    allowed_amount = MoneyField(currency_field="bill.currency", allow_null=True)
    reason = serializers.CharField(source="reason.code", read_only=True, allow_null=True, default=None)
    flags = FlagSerializer(many=True, read_only=True)
    reviewed_by = PersonField(name="reviewed_by", user_id="reviewed_by_id", allow_null=True)

    class Meta:
        model = BillLine
        fields = [
            "position",
            "description",
            "code",
            "quantity",
            "unit_price",
            "billed_amount",
            "allowed_amount",
            "reason",
            "flags",
            "reviewed_by",
            "reviewed_at",
        ]
        read_only_fields = fields


class BillSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event.code", read_only=True)
    provider_name = serializers.CharField(source="provider.display_name", read_only=True)
    guarantee = serializers.CharField(
        source="guarantee.number", read_only=True, allow_null=True, default=None, help_text=_("Checked against.")
    )
    status = serializers.CharField(source="status.code", read_only=True)
    billed_total = MoneyField(currency_field="currency")
    allowed_total = MoneyField(currency_field="currency", allow_null=True)
    savings = MoneyField(currency_field="currency", allow_null=True, help_text=_("Billed − allowed."))
    flags = FlagSerializer(many=True, read_only=True)
    reviewed_by = PersonField(name="reviewed_by", user_id="reviewed_by_id", allow_null=True)
    lines = BillLineSerializer(many=True, read_only=True)

    class Meta:
        model = Bill
        fields = [
            "id",
            "event",
            "assignment",
            "provider",
            "provider_name",
            "guarantee",
            "invoice_number",
            "invoice_date",
            "currency",
            "billed_total",
            "allowed_total",
            "savings",
            "status",
            "received_via",
            "received_at",
            "flags",
            "reviewed_by",
            "reviewed_at",
            "notes",
            "lines",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class BillLineInputSerializer(StrictFieldsMixin, serializers.Serializer):
    description = serializers.CharField(max_length=500)
    code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    quantity = serializers.DecimalField(
        max_digits=10, decimal_places=3, min_value=Decimal("0.001"), required=False, default=Decimal(1)
    )
    unit_price = serializers.DecimalField(**_AMOUNT, min_value=0)
    billed_amount = serializers.DecimalField(
        **_AMOUNT, min_value=0, required=False, help_text=_("Quantity × unit price; checked when given.")
    )


class BillCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    assignment = serializers.IntegerField(min_value=1, help_text=_("The case provider that bills."))
    invoice_number = serializers.CharField(max_length=60)
    invoice_date = serializers.DateField()
    currency = CurrencyCodeField(required=False, help_text=_("The assignment's currency when left out."))
    billed_total = serializers.DecimalField(
        **_AMOUNT, min_value=0, required=False, help_text=_("The invoice's total; it must equal the lines' sum.")
    )
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    lines = BillLineInputSerializer(many=True, allow_empty=False, max_length=200)


class LineReviewSerializer(StrictFieldsMixin, serializers.Serializer):
    """What changes in the line's review; what is left out is kept."""

    allowed_amount = serializers.DecimalField(**_AMOUNT, min_value=0, required=False)
    reason = serializers.CharField(
        max_length=40,
        required=False,
        allow_null=True,
        help_text=_("An adjustment reason code (required when less than billed is allowed; null: none)."),
    )


class DecisionSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    acknowledge_flags = serializers.BooleanField(
        required=False, default=False, help_text=_("The reviewer saw the possible-duplicate flags.")
    )


class RejectSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class PaymentSerializer(serializers.ModelSerializer):
    amount = MoneyField(currency_field="currency")
    bill_amount = MoneyField(currency_field="bill.currency", help_text=_("The same payment in the bill's currency."))
    bill_currency = serializers.CharField(source="bill.currency", read_only=True)
    bill_rate = ExchangeRateUsedSerializer(read_only=True, allow_null=True)
    settlement_amount = MoneyField(currency_field="settlement_currency")
    settlement_rate = ExchangeRateUsedSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "bill",
            "paid_on",
            "amount",
            "currency",
            "bill_amount",
            "bill_currency",
            "bill_rate",
            "settlement_amount",
            "settlement_currency",
            "settlement_rate",
            "reference",
            "created_at",
        ]
        read_only_fields = fields


class PaymentCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    paid_on = serializers.DateField()
    amount = serializers.DecimalField(**_AMOUNT, min_value=Decimal("0.0001"))
    currency = CurrencyCodeField()
    reference = serializers.CharField(max_length=100)


class ReserveChangeSerializer(serializers.ModelSerializer):
    amount_before = MoneyField(currency_field="reserve.currency", allow_null=True)
    amount_after = MoneyField(currency_field="reserve.currency")
    changed_by = PersonField(name="actor_repr", user_id="changed_by_id")

    class Meta:
        model = ReserveChange
        fields = ["amount_before", "amount_after", "reason", "changed_by", "changed_at"]
        read_only_fields = fields


class ReserveSerializer(serializers.Serializer):
    """A case's reserve in its settlement currency: incurred = paid + outstanding."""

    currency = serializers.CharField()
    reserve = MoneyField(currency_field="currency")
    paid = MoneyField(currency_field="currency")
    outstanding = MoneyField(currency_field="currency")
    incurred = MoneyField(currency_field="currency")
    first_set_at = serializers.DateTimeField()
    changes = ReserveChangeSerializer(many=True)


class ReserveSetSerializer(StrictFieldsMixin, serializers.Serializer):
    amount = serializers.DecimalField(**_AMOUNT, min_value=0, help_text=_("In the case's settlement currency."))
    reason = serializers.CharField(max_length=2000)


class AdjustmentReasonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="Name in the request's language (Accept-Language).")

    class Meta:
        model = AdjustmentReason
        fields = ["code", "name", "name_es", "name_en", "description", "x12_code", "sort_order", "is_active"]
        read_only_fields = fields


class PriceReferenceQuerySerializer(serializers.Serializer):
    assistance = AssistanceField()
    country = CountryField()
    city = serializers.CharField(required=False, max_length=20, help_text=_("A city code of the country."))
    currency = CurrencyCodeField()


class PriceReferenceSerializer(serializers.Serializer):
    currency = serializers.CharField()
    scope = serializers.ChoiceField(
        choices=["city", "country"], help_text=_("The city's figures when it has enough amounts, else the country's.")
    )
    count = serializers.IntegerField(help_text=_("How many allowed amounts the figures come from."))
    median = MoneyField(currency_field="currency", allow_null=True)
    p90 = MoneyField(currency_field="currency", allow_null=True)
