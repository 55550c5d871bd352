from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response

from apps.core.api import CommandAPIView, ResourceViewSet
from apps.core.openapi import PARAMETER_EXAMPLES
from apps.providers import selectors, services
from apps.providers.api import examples
from apps.providers.api.serializers import (
    LocationHitSerializer,
    LocationSearchParams,
    LocationSearchResponseSerializer,
    PaymentMethodSerializer,
    ProviderLocationSearchParams,
    ProviderLocationSerializer,
    ProviderSerializer,
)
from apps.providers.filters import ProviderFilter, ProviderLocationFilter
from apps.providers.models import Provider, ProviderLocation, ProviderPaymentMethod


@extend_schema_view(
    create=extend_schema(examples=examples.PROVIDER_CREATE_EXAMPLES),
    partial_update=extend_schema(examples=examples.PROVIDER_UPDATE_EXAMPLES),
)
class ProviderViewSet(ResourceViewSet):
    """Providers of the assistance network."""

    serializer_class = ProviderSerializer
    filterset_class = ProviderFilter
    search_fields = ["display_name", "legal_name", "=tax_id"]
    ordering_fields = ["display_name", "rating", "created_at"]
    queryset = Provider.objects.none()
    service_create = staticmethod(services.provider_create)
    service_update = staticmethod(services.provider_update)
    service_delete = staticmethod(services.provider_delete)

    def get_queryset(self):
        return selectors.provider_list()


class _ProviderChildMixin:
    """Resources under /v1/providers/{provider_pk}/...: 404 when the provider does not exist."""

    @cached_property
    def provider(self) -> Provider:
        return self.get_visible(Provider, pk=self.kwargs["provider_pk"])

    def service_context(self) -> dict:
        return {"provider": self.provider}


class _ProviderChildViewSet(_ProviderChildMixin, ResourceViewSet):
    """One provider's rows of a kind: ``child_list(provider=...)``, a selector (as on the case-child views)."""

    def get_queryset(self):
        # Schema generation has no provider in the URL: the class's empty queryset names the model.
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return self.child_list(provider=self.provider)


@extend_schema_view(partial_update=extend_schema(examples=examples.LOCATION_UPDATE_EXAMPLES))
class ProviderLocationViewSet(_ProviderChildViewSet):
    """The places where one provider renders service."""

    serializer_class = ProviderLocationSerializer
    filterset_class = ProviderLocationFilter
    search_fields = ["name", "address"]
    ordering_fields = ["name", "created_at"]
    queryset = ProviderLocation.objects.none()
    child_list = staticmethod(selectors.location_list)
    service_create = staticmethod(services.location_create)
    service_update = staticmethod(services.location_update)
    service_delete = staticmethod(services.location_delete)


@extend_schema_view(partial_update=extend_schema(examples=examples.PAYMENT_METHOD_UPDATE_EXAMPLES))
class PaymentMethodViewSet(_ProviderChildViewSet):
    """How one provider is paid (account data masked unless the caller may see it)."""

    serializer_class = PaymentMethodSerializer
    queryset = ProviderPaymentMethod.objects.none()
    child_list = staticmethod(selectors.payment_method_list)
    filterset_fields = ["kind", "currency", "is_default", "is_active"]
    # Never the account number: sorting by it would reveal the masked digits.
    ordering_fields = ["kind", "currency", "created_at"]
    service_create = staticmethod(services.payment_method_create)
    service_update = staticmethod(services.payment_method_update)
    service_delete = staticmethod(services.payment_method_delete)


class _LocationSearchView(CommandAPIView):
    queryset = ProviderLocation.objects.none()  # model permissions: view_providerlocation
    params_class = LocationSearchParams

    @property
    def extra_query_params(self):
        return set(self.params_class().fields)

    def search(self, request, **extra):
        params = self.params_class(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        hits = selectors.location_search(params.to_query(**extra))
        return Response({"count": len(hits), "results": LocationHitSerializer(hits, many=True).data})


class ProviderSearchView(_LocationSearchView):
    """Nearest active locations of active providers that serve an assistance (or category).

    Ranked by distance, then rating; ``rank=reliability`` ranks by a score of proximity, acceptance,
    on-time arrivals and opening hours now (each result's ``ranking`` gives the parts). Give a point
    (lat, lng) with a radius, or a city or a country.
    """

    @extend_schema(
        parameters=[LocationSearchParams],
        responses=LocationSearchResponseSerializer,
        extensions={PARAMETER_EXAMPLES: examples.SEARCH_PARAMETERS},
    )
    def get(self, request):
        return self.search(request)


class ProviderLocationSearchView(_ProviderChildMixin, _LocationSearchView):
    """One provider's locations near a point or in a city."""

    params_class = ProviderLocationSearchParams

    @extend_schema(
        parameters=[ProviderLocationSearchParams],
        responses=LocationSearchResponseSerializer,
        extensions={PARAMETER_EXAMPLES: examples.SEARCH_PARAMETERS},
    )
    def get(self, request, provider_pk: int):
        return self.search(request, provider=self.provider)
