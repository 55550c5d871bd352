"""Serializer pieces shared by every API resource."""

from collections.abc import Mapping
from operator import attrgetter

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from apps.core.money import quantize
from apps.core.validators import CURRENCY_PATTERN


def _text_field(field) -> bool:
    """A plain text field (not a choice, number or related field DRF happens to build on CharField)."""
    return isinstance(field, serializers.CharField) and not isinstance(
        field, serializers.ChoiceField | serializers.RegexField | serializers.EmailField | serializers.URLField
    )


class StrictFieldsMixin:
    """Refuse keys the serializer does not accept as input, naming each one.

    Every input serializer of the API has it: a misspelt field must not be silently dropped. The
    OpenAPI schema says so (``additionalProperties: false`` on request bodies, ``apps.core.openapi``).
    """

    refuses_unknown_fields = True

    def to_internal_value(self, data):
        extra_errors = {}
        if isinstance(data, Mapping):
            for name in data:
                field = self.fields.get(name)
                if field is None:
                    extra_errors[name] = [_("Unknown field.")]
                elif field.read_only:
                    extra_errors[name] = [_("This field is read-only.")]
                elif _text_field(field) and data[name] is not None and not isinstance(data[name], str):
                    # DRF turns 1271423 into "1271423"; the schema says text, so a number is refused.
                    extra_errors[name] = [_("Not a valid string.")]
                elif (
                    isinstance(field, serializers.BooleanField)
                    and not isinstance(data, QueryDict)
                    and data[name] is not None
                    and not isinstance(data[name], bool)
                ):
                    # DRF reads 0, 1, "yes", "on"... as booleans; the schema says boolean, so in JSON only
                    # true or false (a form, whose values are all text, keeps DRF's reading).
                    extra_errors[name] = [_("Use true or false.")]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if extra_errors and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **extra_errors}) from None
            raise
        if extra_errors:
            raise serializers.ValidationError(extra_errors)
        return value


class ListOnlyManyRelatedField(serializers.ManyRelatedField):
    """A list of references. DRF's takes any iterable, so a JSON object passed for a list of its keys
    (``{}`` for none at all, found by fuzzing with the schema's examples); the schema says array."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class ListOnlyManyMixin:
    """For related fields: ``many=True`` takes a list only (``ListOnlyManyRelatedField``)."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update({key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS})
        return ListOnlyManyRelatedField(**list_kwargs)


@extend_schema_field({"type": "string", "pattern": CURRENCY_PATTERN, "minLength": 3, "maxLength": 3})
class CurrencyCodeField(serializers.CharField):
    """A three-letter ISO 4217 currency code; the services check it (``apps.core.validators``)."""


@extend_schema_field({"type": "string", "pattern": "^([A-Za-z]{3})?$", "maxLength": 3})
class OptionalCurrencyCodeField(serializers.CharField):
    """A three-letter ISO 4217 currency code, or "" for none; the services check it."""

    def __init__(self, **kwargs):
        kwargs.update(allow_blank=True, max_length=3)
        super().__init__(**kwargs)


@extend_schema_field({"type": "object", "additionalProperties": True})
class JSONObjectField(serializers.JSONField):
    """A free-form JSON object (never a list, string or number): documented and checked as one."""

    default_error_messages = {"not_an_object": _("Expected a JSON object.")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_an_object")
        return value


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d{1,4})?$", "nullable": True})
class MoneyField(serializers.Field):
    """An amount written with its currency's minor units (MXN 40000.00, CLP 9500, CLF 12.3456),
    the currency read from ``currency_field`` of the same object (a dotted path: ``bill.currency``)."""

    def __init__(self, *, currency_field: str, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)
        self.currency_field = currency_field

    def get_attribute(self, instance):
        return (super().get_attribute(instance), attrgetter(self.currency_field)(instance))

    def to_representation(self, value):
        amount, currency = value
        return None if amount is None else str(quantize(amount, currency))
