from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from apps.assistances.api import examples
from apps.assistances.api.fields import VisibleCaseField
from apps.assistances.models import (
    Event,
    EventDraft,
    EventProvider,
    EventStatusHistory,
    Note,
    NoteKind,
    NoteVisibility,
    Priority,
)
from apps.assistances.selectors import sla_state, sla_state_of
from apps.core.fields import PersonField
from apps.core.serializers import JSONObjectField, OptionalCurrencyCodeField, StrictFieldsMixin
from apps.core.visibility import OPERATOR_LABEL, VisiblePrimaryKeyRelatedField
from apps.masters.api.fields import AssistanceField, CountryField, SourceField
from apps.masters.models import City
from apps.providers.models import Provider, ProviderLocation
from apps.vouchers.api.fields import VisibleVoucherField
from apps.vouchers.api.schema import OpeningCoverageSchema

_TIMESTAMPS = ["created_at", "updated_at"]


@extend_schema_field(OpeningCoverageSchema)
class OpeningCoverageField(serializers.JSONField):
    """``Event.coverage`` as stored, typed in the schema by ``OpeningCoverageSchema``."""


@extend_schema_serializer(examples=examples.CASE_EXAMPLES)
class EventSerializer(serializers.ModelSerializer):
    """A case as partners and operators read it."""

    source_code = SourceField(read_only=True)
    voucher = serializers.CharField(source="voucher.number", read_only=True, default=None)
    coverage = OpeningCoverageField(read_only=True)
    assistance = serializers.CharField(source="assistance.code", read_only=True)
    country = serializers.CharField(source="country.iso2", read_only=True)
    city = serializers.CharField(source="city.code", read_only=True, default=None)
    status = serializers.CharField(source="status.code", read_only=True)
    assigned_operator = PersonField(
        name="assigned_operator.email",
        user_id="assigned_operator_id",
        allow_null=True,
        help_text=_("The operator in charge (partners read a label, not the person)."),
    )
    sla_state = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "code",
            "source_code",
            "external_reference",
            "voucher",
            "covered",
            "coverage",
            "coverage_override_reason",
            "traveller_name",
            "traveller_document_type",
            "traveller_document_number",
            "traveller_phone",
            "traveller_email",
            "assistance",
            "country",
            "city",
            "address",
            "latitude",
            "longitude",
            "description",
            "priority",
            "status",
            "assigned_operator",
            "opened_at",
            "first_response_at",
            "closed_at",
            "sla_due_at",
            "sla_state",
            "version",
            *_TIMESTAMPS,
        ]
        read_only_fields = fields

    def get_sla_state(self, obj) -> str:
        return sla_state(obj)


def event_rows_data(rows: Iterable[dict], *, partner: bool, now: datetime | None = None) -> list[dict]:
    """``EventSerializer``'s representation of case rows read with ``selectors.event_rows`` (the hot list path).

    Same fields, order and values, without DRF's per-field machinery: datetimes in the current time
    zone as ISO 8601 (``Z`` for UTC), related rows by their codes, ``sla_state`` with one clock for the
    page, and for a ``partner`` the operator's label in place of the person. ``EventSerializer``
    documents the shape in the OpenAPI schema; the tests hold the two equal.
    """
    operator = str(OPERATOR_LABEL) if partner else None
    tz = timezone.get_current_timezone()
    now = now or timezone.now()

    def when(value: datetime | None) -> str | None:
        if not value:
            return None
        text = value.astimezone(tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return [
        {
            "id": row["id"],
            "code": row["code"],
            "source_code": row["source_code"],
            "external_reference": row["external_reference"],
            "voucher": row["voucher__number"],
            "covered": row["covered"],
            "coverage": row["coverage"],
            "coverage_override_reason": row["coverage_override_reason"],
            "traveller_name": row["traveller_name"],
            "traveller_document_type": row["traveller_document_type"],
            "traveller_document_number": row["traveller_document_number"],
            "traveller_phone": row["traveller_phone"],
            "traveller_email": row["traveller_email"],
            "assistance": row["assistance__code"],
            "country": row["country__iso2"],
            "city": row["city__code"],
            "address": row["address"],
            "latitude": row["latitude"],
            "longitude": row["longitude"],
            "description": row["description"],
            "priority": row["priority"],
            "status": row["status__code"],
            "assigned_operator": (operator or row["assigned_operator__email"])
            if row["assigned_operator__email"] is not None
            else None,
            "opened_at": when(row["opened_at"]),
            "first_response_at": when(row["first_response_at"]),
            "closed_at": when(row["closed_at"]),
            "sla_due_at": when(row["sla_due_at"]),
            "sla_state": sla_state_of(
                opened_at=row["opened_at"], sla_due_at=row["sla_due_at"], closed_at=row["closed_at"], now=now
            ),
            "version": row["version"],
            "created_at": when(row["created_at"]),
            "updated_at": when(row["updated_at"]),
        }
        for row in rows
    ]


class _PlaceMixin:
    def resolve_city(self, attrs, country):
        code = attrs.get("city")
        if code in (None, ""):
            attrs.pop("city", None)
            return attrs
        city = City.objects.filter(country=country, code=code).first() if country else None
        if city is None:
            raise serializers.ValidationError(
                {"city": [_("Unknown city code for this country.")]}, code="does_not_exist"
            )
        attrs["city"] = city
        return attrs


class EventCreateSerializer(_PlaceMixin, serializers.Serializer):
    """What opening a case takes. Codes, not ids: assistance code, country ISO code, city code, voucher number."""

    refuses_unknown_fields = True  # checked in validate(), with its own messages

    source_code = SourceField()
    external_reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    voucher = VisibleVoucherField(required=False, allow_null=True)
    traveller_name = serializers.CharField(max_length=200)
    traveller_document_type = serializers.CharField(required=False, allow_blank=True, max_length=16)
    traveller_document_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    traveller_phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    traveller_email = serializers.EmailField(required=False, allow_blank=True)
    assistance = AssistanceField()
    country = CountryField()
    city = serializers.CharField(required=False, allow_null=True, max_length=20)
    address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    description = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    override_reason = serializers.CharField(
        required=False, allow_blank=True, write_only=True, help_text=_("Operators only: open an uncovered case.")
    )

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields) if isinstance(self.initial_data, dict) else set()
        if unknown:
            raise serializers.ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
        return self.resolve_city(attrs, attrs.get("country"))


@extend_schema_serializer(examples=examples.CASE_UPDATE_EXAMPLES)
class EventUpdateSerializer(_PlaceMixin, serializers.Serializer):
    refuses_unknown_fields = True  # checked in validate(), with its own messages

    traveller_name = serializers.CharField(required=False, max_length=200)
    traveller_document_type = serializers.CharField(required=False, allow_blank=True, max_length=16)
    traveller_document_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    traveller_phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    traveller_email = serializers.EmailField(required=False, allow_blank=True)
    city = serializers.CharField(required=False, allow_null=True, max_length=20)
    address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    description = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields) if isinstance(self.initial_data, dict) else set()
        if unknown:
            raise serializers.ValidationError(
                {name: [_("This field cannot be changed here.")] for name in sorted(unknown)}
            )
        if "city" in attrs:
            attrs = self.resolve_city(attrs, self.context["event"].country)
            attrs.setdefault("city", None)
        return attrs


class EventStatusHistorySerializer(serializers.ModelSerializer):
    from_status = serializers.CharField(source="from_status.code", default=None)
    to_status = serializers.CharField(source="to_status.code")
    actor_repr = PersonField(name="actor_repr", user_id="changed_by_id", help_text=_("Who made the change."))

    class Meta:
        model = EventStatusHistory
        fields = ["id", "from_status", "to_status", "kind", "reason", "actor_repr", "changed_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.STATUS_CHANGE_EXAMPLES)
class StatusChangeSerializer(StrictFieldsMixin, serializers.Serializer):
    status = serializers.CharField(max_length=40)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    revert_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("Makes the change temporary: the previous status returns then.")
    )


@extend_schema_serializer(examples=examples.ASSIGNMENT_EXAMPLES)
class EventProviderSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event.code", read_only=True)
    provider_name = serializers.CharField(source="provider.display_name", read_only=True)
    status = serializers.CharField(source="status.code", read_only=True)

    class Meta:
        model = EventProvider
        fields = [
            "id",
            "event",
            "provider",
            "provider_name",
            "location",
            "status",
            "assigned_at",
            "started_at",
            "resolved_at",
            "cancelled_at",
            "currency",
            "estimated_cost",
            "final_cost",
            "guaranteed_amount",
            "notes",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.ASSIGNMENT_REQUEST_EXAMPLES)
class EventProviderAssignSerializer(StrictFieldsMixin, serializers.Serializer):
    provider = VisiblePrimaryKeyRelatedField(queryset=Provider.objects.all())
    location = VisiblePrimaryKeyRelatedField(queryset=ProviderLocation.objects.all(), required=False, allow_null=True)
    estimated_cost = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=0)
    guaranteed_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=0)
    currency = OptionalCurrencyCodeField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class EventProviderTransitionSerializer(StrictFieldsMixin, serializers.Serializer):
    status = serializers.CharField(max_length=40, help_text=_("STARTED, RESOLVED or CANCELLED."))
    final_cost = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_serializer(examples=examples.NOTE_EXAMPLES)
class NoteSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    event = VisibleCaseField()
    kind = serializers.ChoiceField(choices=NoteKind.choices, default=NoteKind.GENERAL)
    visibility = serializers.ChoiceField(
        choices=NoteVisibility.choices,
        required=False,
        help_text=_(
            "Operators: internal (the default) or shared with the case's partner. "
            "A partner's notes are always shared; asking for internal is a 400."
        ),
    )

    author_repr = PersonField(name="author_repr", user_id="author_id", help_text=_("Who wrote the note."))

    class Meta:
        model = Note
        fields = ["id", "event", "kind", "visibility", "body", "author_repr", "created_at"]
        read_only_fields = ["id", "author_repr", "created_at"]


@extend_schema_serializer(examples=examples.DRAFT_EXAMPLES)
class DraftSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    data = JSONObjectField(help_text="The case as filled so far: any object; checked when promoted.")

    class Meta:
        model = EventDraft
        fields = ["id", "data", "expires_at", "promoted_event", *_TIMESTAMPS]
        read_only_fields = ["id", "expires_at", "promoted_event", *_TIMESTAMPS]


class DraftPromoteSerializer(StrictFieldsMixin, serializers.Serializer):
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")
