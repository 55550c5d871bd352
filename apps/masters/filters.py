import django_filters

from apps.masters.models import Category, City, Country


class CategoryFilter(django_filters.FilterSet):
    class Meta:
        model = Category
        fields = ["is_active"]


def status_filter_for(model) -> type[django_filters.FilterSet]:
    """The same filters for each of the three status machines."""
    meta = type("Meta", (), {"model": model, "fields": ["is_active", "is_initial", "is_final"]})
    return type(f"{model.__name__}Filter", (django_filters.FilterSet,), {"Meta": meta})


class CountryFilter(django_filters.FilterSet):
    continent = django_filters.CharFilter(lookup_expr="iexact")
    currency = django_filters.CharFilter(field_name="currency_code", lookup_expr="iexact")

    class Meta:
        model = Country
        fields = ["continent", "currency", "is_active"]


class CityFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="admin1_code")
    min_population = django_filters.NumberFilter(field_name="population", lookup_expr="gte", min_value=0)

    class Meta:
        model = City
        fields = ["region", "min_population", "is_active"]
