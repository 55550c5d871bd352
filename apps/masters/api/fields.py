"""Serializer fields that refer to catalog rows by their public codes (never database ids)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_choice_field, list_hash
from rest_framework import serializers

from apps.core.serializers import ListOnlyManyMixin
from apps.masters import selectors
from apps.masters.models import Assistance, Category, City, Country


class CodeRelatedField(ListOnlyManyMixin, serializers.SlugRelatedField):
    """A catalog row by code; codes are matched case-insensitively and unknown ones name the field."""

    default_error_messages = {
        "does_not_exist": _("Unknown code: {value}."),
        "invalid": _("Invalid code."),
    }

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.strip().upper()
        return super().to_internal_value(data)


def CountryField(**kwargs):
    return CodeRelatedField(slug_field="iso2", queryset=Country.objects.all(), **kwargs)


def AssistanceField(**kwargs):
    return CodeRelatedField(slug_field="code", queryset=Assistance.objects.all(), **kwargs)


def CategoryField(**kwargs):
    return CodeRelatedField(slug_field="code", queryset=Category.objects.all(), **kwargs)


# The sources the catalog is seeded with (masters migration 0003), as the schema documents them. The
# schema is the same whatever the database holds (it is also built without one); a source added in
# the admin is accepted at once and documented by the next release.
DOCUMENTED_SOURCES = {"MOK": "MOK", "KOM": "KOM", "PHONE": _("Phone"), "WEB": _("Web"), "OTHER": _("Other")}


def city_in(country, code: str) -> City:
    """The city ``code`` of ``country``, or the ``city`` field's error: a city code (GeoNames id) is
    read within its country, so without a country no city is found either."""
    city = City.objects.filter(country=country, code=code).first() if country else None
    if city is None:
        raise serializers.ValidationError({"city": [_("Unknown city code for this country.")]}, code="does_not_exist")
    return city


class SourceField(serializers.ChoiceField):
    """A source code (MOK, KOM, PHONE...): a written one must be a known, active source of the catalog.

    A value read from a row is written out as stored, without a query.
    """

    def __init__(self, **kwargs):
        super().__init__(choices=(), **kwargs)

    def _get_choices(self):
        return DOCUMENTED_SOURCES

    def _set_choices(self, choices):
        pass  # the catalog holds them

    choices = property(_get_choices, _set_choices)

    @property
    def grouped_choices(self):  # the browsable API's select
        return self.choices

    def to_internal_value(self, data):
        code = data if isinstance(data, str) else ""
        if not selectors.source_is_usable(code):
            self.fail("invalid_choice", input=data)
        return code

    def to_representation(self, value):
        return value


class SourceFieldSchema(OpenApiSerializerFieldExtension):
    """The catalog's codes as an enum, one enum per field name as before the catalog.

    Cases call the field ``source_code`` and vouchers ``source``; generated clients know the two
    enums as ``SourceCodeEnum`` and ``SourceEnum``. The same choices under two names would make
    drf-spectacular warn and pick names by luck, so the enum's identity includes the field name.
    """

    target_class = SourceField

    def map_serializer_field(self, auto_schema, direction):
        schema = build_choice_field(self.target)
        schema["x-spec-enum-id"] = list_hash([self.target.field_name, schema["x-spec-enum-id"]])
        return schema
