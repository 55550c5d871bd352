from collections.abc import Callable, Iterable
from datetime import datetime
from operator import itemgetter

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from apps.assistances.api import examples
from apps.assistances.api.fields import VisibleCaseField
from apps.assistances.fields import EVENT_PARTNER_UPDATABLE_FIELDS, EVENT_READ_FIELDS, read_path
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
from apps.assistances.services.dispatch import MAX_ETA_MINUTES
from apps.core.fields import OperatorsOnlyTextField, PersonField
from apps.core.serializers import JSONObjectField, OptionalCurrencyCodeField, StrictFieldsMixin
from apps.core.visibility import OPERATOR_LABEL, VisiblePrimaryKeyRelatedField
from apps.masters.api.fields import AssistanceField, CountryField, SourceField, city_in
from apps.providers.models import Provider, ProviderLocation
from apps.vouchers.api.fields import VisibleVoucherField
from apps.vouchers.api.serializers import OpeningCoverageSchema

_TIMESTAMPS = ["created_at", "updated_at"]


@extend_schema_field(OpeningCoverageSchema)
class OpeningCoverageField(serializers.JSONField):
    """``Event.coverage`` as stored, typed in the schema by ``OpeningCoverageSchema``."""


def _source(name: str) -> str:
    """The serializer ``source`` of a case answer's field (the same path the fast list path reads)."""
    return read_path(name).replace("__", ".")


@extend_schema_serializer(examples=examples.CASE_EXAMPLES)
class EventSerializer(serializers.ModelSerializer):
    """A case as partners and operators read it."""

    source_code = SourceField(read_only=True)
    voucher = serializers.CharField(source=_source("voucher"), read_only=True, default=None)
    coverage = OpeningCoverageField(read_only=True)
    assistance = serializers.CharField(source=_source("assistance"), read_only=True)
    country = serializers.CharField(source=_source("country"), read_only=True)
    city = serializers.CharField(source=_source("city"), read_only=True, default=None)
    status = serializers.CharField(source=_source("status"), read_only=True)
    assigned_operator = PersonField(
        name=_source("assigned_operator"),
        user_id="assigned_operator_id",
        allow_null=True,
        help_text=_("The operator in charge (partners read a label, not the person)."),
    )
    sla_state = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = list(EVENT_READ_FIELDS)
        read_only_fields = fields

    def get_sla_state(self, obj) -> str:
        return sla_state(obj)


def _row_readers(*, partner: bool, now: datetime) -> list[tuple[str, Callable[[dict], object]]]:
    """For each field of a case answer, in order, how to read it from a ``selectors.event_rows`` dict."""
    operator = str(OPERATOR_LABEL) if partner else None
    tz = timezone.get_current_timezone()

    def when(value: datetime | None) -> str | None:
        if not value:
            return None
        text = value.astimezone(tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def reader(name: str) -> Callable[[dict], object]:
        path = read_path(name)
        if name == "sla_state":
            return lambda row: sla_state_of(
                opened_at=row["opened_at"], sla_due_at=row["sla_due_at"], closed_at=row["closed_at"], now=now
            )
        if name == "assigned_operator" and operator is not None:
            return lambda row: operator if row[path] is not None else None
        if isinstance(Event._meta.get_field(name), models.DateTimeField):
            return lambda row: when(row[path])
        return itemgetter(path)

    return [(name, reader(name)) for name in EVENT_READ_FIELDS]


def event_rows_data(rows: Iterable[dict], *, partner: bool, now: datetime | None = None) -> list[dict]:
    """``EventSerializer``'s representation of case rows read with ``selectors.event_rows`` (the hot list path).

    Same fields, order and values, without DRF's per-field machinery: datetimes in the current time
    zone as ISO 8601 (``Z`` for UTC), related rows by their codes, ``sla_state`` with one clock for the
    page, and for a ``partner`` the operator's label in place of the person. ``EventSerializer``
    documents the shape in the OpenAPI schema; both are built from ``EVENT_READ_FIELDS`` and the tests
    hold their output equal field by field.
    """
    readers = _row_readers(partner=partner, now=now or timezone.now())
    return [{name: read(row) for name, read in readers} for row in rows]


class _PlaceMixin:
    def resolve_city(self, attrs, country):
        code = attrs.get("city")
        if code in (None, ""):
            attrs.pop("city", None)
            return attrs
        attrs["city"] = city_in(country, code)
        return attrs


def _optional(field: serializers.Field) -> serializers.Field:
    """A new field like ``field`` (DRF keeps each field's arguments), not required."""
    return type(field)(*field._args, **{**field._kwargs, "required": False})


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
    # What a partner may change after opening (EVENT_PARTNER_UPDATABLE_FIELDS, in that order). Each
    # field is the opening serializer's own declaration, made optional: an edit is held to the format
    # opening is, and the two cannot drift apart. (A comment, not a docstring: the schema shows those.)
    refuses_unknown_fields = True  # checked in validate(), with its own messages

    def get_fields(self):
        opening = EventCreateSerializer._declared_fields
        return {name: _optional(opening[name]) for name in EVENT_PARTNER_UPDATABLE_FIELDS}

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
    open_assignments = serializers.ChoiceField(
        choices=[("resolve", "resolve"), ("cancel", "cancel")],
        required=False,
        help_text=_(
            "Closing a case with providers still assigned is refused (409 open_assignments) unless this says "
            "what to do with them: resolve or cancel them. Commitments left on the voucher are settled either way."
        ),
    )


@extend_schema_serializer(examples=examples.ASSIGNMENT_EXAMPLES)
class EventProviderSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event.code", read_only=True)
    provider_name = serializers.CharField(source="provider.display_name", read_only=True)
    status = serializers.CharField(source="status.code", read_only=True)
    # A provider's words when declining ("no truck free tonight") are operators' working knowledge, not
    # the partner's: partners read the times of every step, an empty reason.
    reason = OperatorsOnlyTextField(
        help_text=_(
            "Why the offer was declined or the assignment cancelled (operators only; partners read an empty string)."
        )
    )

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
            # Dispatch (issue 18): the offer, the answer and the way there, each step's time.
            "offered_at",
            "offer_expires_at",
            "offer_rank",
            "accepted_at",
            "eta_at",
            "declined_at",
            "expired_at",
            "en_route_at",
            "eta_breached_at",
            "reason",
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


class OfferSerializer(StrictFieldsMixin, serializers.Serializer):
    """Offer the case to a provider (it answers within the offer time set per assistance and priority)."""

    provider = VisiblePrimaryKeyRelatedField(queryset=Provider.objects.all())
    location = VisiblePrimaryKeyRelatedField(queryset=ProviderLocation.objects.all(), required=False, allow_null=True)
    currency = OptionalCurrencyCodeField(required=False)


class AcceptSerializer(StrictFieldsMixin, serializers.Serializer):
    """The provider's acceptance, with the minutes it promises to arrive in."""

    eta_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_ETA_MINUTES, help_text=_("Minutes the provider promises to be there in.")
    )


class DeclineSerializer(StrictFieldsMixin, serializers.Serializer):
    """The provider's refusal of the offer, with its reason."""

    reason = serializers.CharField(max_length=2000, help_text=_("Why the provider declines (operators only)."))


class CascadeSerializer(StrictFieldsMixin, serializers.Serializer):
    """The case's automatic cascade, on or off."""

    enabled = serializers.BooleanField(help_text=_("Offer the next provider automatically when an offer fails."))


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
