"""FilterSet and ordering bases for every API list: malformed filter or ordering values are errors, never ignored."""

import re
from datetime import UTC

import django_filters
import django_filters.fields
from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as drf_filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters as drf_base_filters
from rest_framework.exceptions import ValidationError


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


def in_utc_range(value):
    """``value`` if it can be stored (converted to UTC within years 1..9999); ``None`` otherwise."""
    if value is None or timezone.is_naive(value):
        return value
    try:
        value.astimezone(UTC)
    except OverflowError:
        return None
    return value


class BoundedIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time that exists in UTC: ``0001-01-01T00:00:00+14:00`` is a 400, not a 500.

    Such a value parses, but converting it to UTC for the query falls outside year 1 (or 9999), which
    Python answers with ``OverflowError`` when the database adapter formats it.
    """

    default_error_messages = {"out_of_range": _("This date and time is outside the supported range.")}

    def to_python(self, value):
        try:
            parsed = super().to_python(value)
        except OverflowError:
            parsed = None
        else:
            if in_utc_range(parsed) is not None or parsed is None:
                return parsed
        raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


# The range of the ids' columns (BIGINT AUTO_INCREMENT): anything outside is a 400, never a query.
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An object id: a whole number from 1 to the column's maximum.

    django-filter's NumberFilter takes decimals (``?event=202.5`` found case 202) and numbers past the
    column's range (``9223372036854775808`` overflowed the database driver: a 500).
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 2**31 - 1})
class CountFilter(django_filters.NumberFilter):
    """A whole number of things (inhabitants...): 0 or more, within an INT column."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(*args, **kwargs)


class FilterSet(drf_filters.FilterSet):
    FILTER_DEFAULTS = {
        **drf_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        models.DateTimeField: {"filter_class": IsoDateTimeFilter},
    }


class OrderingFilter(drf_base_filters.OrderingFilter):
    """``?ordering=`` over the fields a view declares in ``ordering_fields``, and nothing else.

    DRF's own filter falls back to every serializer field when a view declares none, which let a
    caller sort by data it cannot read (a masked account number sorts by its hidden digits). Here a
    view without ``ordering_fields`` cannot be ordered by the caller, and an undeclared field is a
    400 naming the allowed ones rather than silently ignored.
    """

    def get_schema_operation_parameters(self, view):
        """The parameter as it is checked: only where the view declares fields, and only those."""
        fields = getattr(view, "ordering_fields", None)
        if not fields or fields == "__all__":
            return []  # a list with a fixed order takes no ordering
        names = [field if isinstance(field, str) else field[0] for field in fields]
        one = "-?(" + "|".join(re.escape(name) for name in names) + ")"
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"Order by {', '.join(names)}; prefix - for descending; several, comma-separated.",
                "schema": {"type": "string", "pattern": f"^{one}(,{one})*$"},
            }
        ]

    def get_valid_fields(self, queryset, view, context=None):
        if getattr(view, "ordering_fields", None) is None:
            return []
        return super().get_valid_fields(queryset, view, context or {})

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw is not None:
            allowed = [name for name, _label in self.get_valid_fields(queryset, view, {"request": request})]
            terms = [term.strip() for term in raw.split(",")]
            wrong = [term for term in terms if not term or term.lstrip("-") not in allowed]
            if wrong:
                if allowed:
                    message = _("Cannot order by %(fields)s. Order by one of: %(allowed)s (prefix - for descending).")
                else:
                    message = _("Cannot order by %(fields)s. This list has a fixed order.")
                raise ValidationError(
                    {
                        self.ordering_param: [
                            message % {"fields": ", ".join(wrong) or '""', "allowed": ", ".join(allowed)}
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)


class SearchFilter(drf_base_filters.SearchFilter):
    """DRF's search, documented only where the view declares ``search_fields`` (elsewhere ``q`` does nothing)."""

    def get_schema_operation_parameters(self, view):
        if not getattr(view, "search_fields", None):
            return []
        return super().get_schema_operation_parameters(view)


class DjangoFilterBackend(drf_filters.DjangoFilterBackend):
    """django-filter's backend, building the FilterSets of ``filterset_fields`` on this module's strict base
    (django-filter's own takes ``?is_default=null`` as "not filtered")."""

    filterset_base = FilterSet
