import django_filters
from django.db.models import Exists, OuterRef

from apps.core.filters import FilterSet
from apps.providers.models import Provider, ProviderLocation, ProviderType


class ProviderFilter(FilterSet):
    type = django_filters.ChoiceFilter(field_name="provider_type", choices=ProviderType.choices)
    assistance = django_filters.CharFilter(method="filter_assistance", help_text="Assistance type code.")
    category = django_filters.CharFilter(method="filter_category", help_text="Category code.")
    country = django_filters.CharFilter(field_name="country__iso2", lookup_expr="iexact")

    class Meta:
        model = Provider
        fields = ["type", "assistance", "category", "country", "is_active"]

    # Exists rather than a join: a provider serving several matching assistances appears once.
    def filter_assistance(self, queryset, name, value):
        serves = Provider.assistances.through.objects.filter(provider_id=OuterRef("pk"), assistance__code=value.upper())
        return queryset.filter(Exists(serves))

    def filter_category(self, queryset, name, value):
        serves = Provider.assistances.through.objects.filter(
            provider_id=OuterRef("pk"), assistance__category__code=value.upper()
        )
        return queryset.filter(Exists(serves))


class ProviderLocationFilter(FilterSet):
    country = django_filters.CharFilter(field_name="country__iso2", lookup_expr="iexact")
    city = django_filters.CharFilter(field_name="city__code")

    class Meta:
        model = ProviderLocation
        fields = ["country", "city", "is_active", "is_24h"]
