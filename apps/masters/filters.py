import django_filters

from apps.core.filters import CountFilter, FilterSet
from apps.masters.api.fields import DOCUMENTED_SOURCES
from apps.masters.models import Category, City, Country
from apps.masters.selectors import source_choices


class _SourceFormField(django_filters.fields.ChoiceField):
    def valid_value(self, value):
        return value in dict(source_choices())  # the catalog's, not only the documented ones


class SourceFilter(django_filters.ChoiceFilter):
    """A source code of the catalog; the schema documents the seeded ones (like ``SourceField``)."""

    field_class = _SourceFormField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=list(DOCUMENTED_SOURCES.items()), **kwargs)


class CategoryFilter(FilterSet):
    class Meta:
        model = Category
        fields = ["is_active"]


def status_filter_for(model) -> type[FilterSet]:
    """The same filters for each of the three status machines."""
    meta = type("Meta", (), {"model": model, "fields": ["is_active", "is_initial", "is_final"]})
    return type(f"{model.__name__}Filter", (FilterSet,), {"Meta": meta})


class CountryFilter(FilterSet):
    continent = django_filters.CharFilter(lookup_expr="iexact")
    currency = django_filters.CharFilter(field_name="currency_code", lookup_expr="iexact")

    class Meta:
        model = Country
        fields = ["continent", "currency", "is_active"]


class CityFilter(FilterSet):
    region = django_filters.CharFilter(field_name="admin1_code")
    min_population = CountFilter(field_name="population", lookup_expr="gte")

    class Meta:
        model = City
        fields = ["region", "min_population", "is_active"]
