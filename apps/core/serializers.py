"""Serializer pieces shared by every API resource."""

import re
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


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
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if extra_errors and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **extra_errors}) from None
            raise
        if extra_errors:
            raise serializers.ValidationError(extra_errors)
        return value


# An ISO 4217 code as the serializers take it (upper-cased on input).
CURRENCY_PATTERN = "^[A-Za-z]{3}$"


@extend_schema_field({"type": "string", "pattern": CURRENCY_PATTERN, "minLength": 3, "maxLength": 3})
class CurrencyCodeField(serializers.CharField):
    """A three-letter ISO 4217 currency code, documented with the pattern the validation applies."""


@extend_schema_field({"type": "string", "pattern": "^([A-Za-z]{3})?$", "maxLength": 3})
class OptionalCurrencyCodeField(serializers.CharField):
    """A three-letter ISO 4217 currency code, or "" for none; upper-cased."""

    default_error_messages = {"currency": _("Use a three-letter ISO 4217 code.")}

    def __init__(self, **kwargs):
        kwargs.update(allow_blank=True, max_length=3)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value and not re.fullmatch(CURRENCY_PATTERN, value):
            self.fail("currency")
        return value.upper()


@extend_schema_field({"type": "object", "additionalProperties": True})
class JSONObjectField(serializers.JSONField):
    """A free-form JSON object (never a list, string or number): documented and checked as one."""

    default_error_messages = {"not_an_object": _("Expected a JSON object.")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_an_object")
        return value
