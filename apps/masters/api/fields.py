"""Serializer fields that refer to catalog rows by their public codes (never database ids)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.serializers import ListOnlyManyMixin
from apps.masters.models import Assistance, Category, Country


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
