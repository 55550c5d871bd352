"""FilterSet base for every API list: malformed filter values are errors, never ignored."""

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as drf_filters


class StrictNullBooleanField(forms.NullBooleanField):
    widget = forms.TextInput
    _values = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self._values[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(_("Use true or false."), code="invalid") from None

    def validate(self, value):
        """Empty means "not filtered"."""


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


class FilterSet(drf_filters.FilterSet):
    FILTER_DEFAULTS = {
        **drf_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }
