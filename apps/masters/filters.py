import django_filters
from drf_spectacular.utils import extend_schema_field

from apps.core.filters import CountFilter, FilterSet
from apps.masters.api.fields import DOCUMENTED_SOURCES
from apps.masters.models import Category, City, Country
from apps.masters.selectors import SourceChoices


@extend_schema_field({"type": "string", "enum": list(DOCUMENTED_SOURCES)})
class SourceFilter(django_filters.ChoiceFilter):
    """A source code among the catalog's (the schema documents the seeded ones, like ``SourceField``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=SourceChoices(), **kwargs)


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
