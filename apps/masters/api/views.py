from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from apps.core.api import CatalogViewSet
from apps.masters import selectors
from apps.masters.api.examples import (
    CASE_PROVIDER_STATUS_EXAMPLES,
    CASE_STATUS_EXAMPLES,
    VOUCHER_STATUS_EXAMPLES,
)
from apps.masters.api.serializers import CategorySerializer, CitySerializer, CountrySerializer, StatusSerializer
from apps.masters.filters import CategoryFilter, CityFilter, CountryFilter, status_filter_for
from apps.masters.models import Assistance, Category, City, Country, EventProviderStatus, EventStatus, VoucherStatus

_Q = OpenApiParameter("q", str, description="Search text (code or name).")


@extend_schema_view(list=extend_schema(parameters=[_Q]))
class CategoryViewSet(CatalogViewSet):
    """Assistance categories, each with its assistance types."""

    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    search_fields = ["code", "name_es", "name_en", "assistances__code", "assistances__name_es", "assistances__name_en"]
    ordering_fields = ["code", "sort_order", "name_es", "name_en"]
    lookup_field = "code"
    etag_models = (Category, Assistance)
    queryset = Category.objects.none()  # for model permissions and the schema

    def get_queryset(self):
        return selectors.category_list()


class _StatusViewSet(CatalogViewSet):
    serializer_class = StatusSerializer
    search_fields = ["code", "name_es", "name_en"]
    ordering_fields = ["code", "sort_order"]
    lookup_field = "code"
    model: type = EventStatus

    def get_queryset(self):
        return selectors.status_list(self.model)


def _status_viewset(model, doc: str, examples: list):
    return extend_schema_view(
        list=extend_schema(parameters=[_Q], examples=examples), retrieve=extend_schema(examples=examples)
    )(
        type(
            f"{model.__name__}ViewSet",
            (_StatusViewSet,),
            {
                "model": model,
                "queryset": model.objects.none(),
                "filterset_class": status_filter_for(model),
                "etag_models": (model,),
                "__doc__": doc,
            },
        )
    )


EventStatusViewSet = _status_viewset(
    EventStatus, "Statuses of an assistance case and their allowed transitions.", CASE_STATUS_EXAMPLES
)
EventProviderStatusViewSet = _status_viewset(
    EventProviderStatus,
    "Statuses of a provider's service within a case and their allowed transitions.",
    CASE_PROVIDER_STATUS_EXAMPLES,
)
VoucherStatusViewSet = _status_viewset(
    VoucherStatus, "Statuses of a voucher and their allowed transitions.", VOUCHER_STATUS_EXAMPLES
)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("q", str, description="ISO code or name.")]))
class CountryViewSet(CatalogViewSet):
    """Countries (ISO 3166-1), searchable by code or name in either language."""

    serializer_class = CountrySerializer
    filterset_class = CountryFilter
    search_fields = ["=iso2", "=iso3", "name_es", "name_en"]
    ordering_fields = ["iso2", "name_es", "name_en"]
    lookup_field = "iso2"
    lookup_value_regex = "[A-Za-z]{2}"
    etag_models = (Country,)
    queryset = Country.objects.none()

    def get_queryset(self):
        return selectors.country_list()

    def get_object(self):
        self.kwargs["iso2"] = self.kwargs["iso2"].upper()
        return super().get_object()


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("q", str, description="City name (accents optional).")])
)
class CityViewSet(CatalogViewSet):
    """Cities of one country, most populated first."""

    serializer_class = CitySerializer
    filterset_class = CityFilter
    search_fields = ["name", "ascii_name"]
    ordering_fields = ["name", "population"]
    lookup_field = "code"
    etag_models = (City,)
    queryset = City.objects.none()

    def get_country(self) -> Country:
        if not hasattr(self, "_country"):
            self._country = self.get_visible(Country, iso2=self.kwargs["iso2"].upper())
        return self._country

    def etag_sources(self) -> tuple:
        # One country's cities, not the whole table (index city_country_updated_idx).
        return (City.objects.filter(country=self.get_country()),)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return City.objects.none()
        return selectors.city_list(country=self.get_country())
