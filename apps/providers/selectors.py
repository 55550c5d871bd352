"""Reads of the provider network: lists and the nearest-location search."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from apps.masters.models import Assistance, Category, City, Country
from apps.providers import geo
from apps.providers.models import Provider, ProviderLocation, ProviderPaymentMethod

_SERVES = Provider.assistances.through


def provider_list() -> QuerySet[Provider]:
    return (
        Provider.objects.select_related("country")
        .prefetch_related("assistances")
        .annotate(location_count=Count("locations", distinct=True))
        .order_by("display_name", "id")
    )


def location_list(*, provider: Provider) -> QuerySet[ProviderLocation]:
    return ProviderLocation.objects.filter(provider=provider).select_related("country", "city").order_by("id")


def payment_method_list(*, provider: Provider) -> QuerySet[ProviderPaymentMethod]:
    return ProviderPaymentMethod.objects.filter(provider=provider).order_by("-is_default", "id")


@dataclass(frozen=True)
class LocationQuery:
    """What a caller is looking for. A point (lat, lng) ranks by distance within ``radius_km``;
    without one, a city or country narrows the area and rating ranks."""

    lat: float | None = None
    lng: float | None = None
    radius_km: float = 50.0
    assistance: Assistance | None = None
    category: Category | None = None
    country: Country | None = None
    city: City | None = None
    provider_type: str | None = None
    text: str | None = None
    provider: Provider | None = None
    limit: int = 20

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lng is not None


def location_search(query: LocationQuery, *, use_cells: bool = True) -> list[ProviderLocation]:
    """Active locations of active providers matching ``query``, nearest first, then best rated.

    Each result carries ``distance_km`` (None without a point). ``use_cells=False`` skips the
    index-backed cell prefilter: the same answer by full scan, kept for the benchmark's baseline.
    """
    qs = ProviderLocation.objects.filter(is_active=True, provider__is_active=True)
    if query.provider is not None:
        qs = qs.filter(provider=query.provider)
    if query.assistance is not None:
        qs = qs.filter(Exists(_SERVES.objects.filter(provider_id=OuterRef("provider_id"), assistance=query.assistance)))
    if query.category is not None:
        qs = qs.filter(
            Exists(_SERVES.objects.filter(provider_id=OuterRef("provider_id"), assistance__category=query.category))
        )
    if query.country is not None:
        qs = qs.filter(country=query.country)
    if query.city is not None:
        qs = qs.filter(city=query.city)
    if query.provider_type:
        qs = qs.filter(provider__provider_type=query.provider_type)
    if query.text:
        qs = qs.filter(Q(provider__display_name__icontains=query.text) | Q(provider__legal_name__icontains=query.text))
    related = ("provider", "country", "city")

    if not query.has_point:
        return list(qs.select_related(*related).order_by("-provider__rating", "id")[: query.limit])

    if use_cells:
        cells = Q()
        for low, high in geo.cell_ranges(query.lat, query.lng, query.radius_km):
            cells |= Q(geo_cell__range=(low, high))
        qs = qs.filter(cells)
    # Two steps: rank the candidates reading only the location row (ids and distances), then load
    # the few winners with their provider, city and country, instead of joining every candidate.
    ranked = list(
        qs.annotate(distance_km=geo.distance_expression(query.lat, query.lng))
        .filter(distance_km__lte=query.radius_km)
        .order_by("distance_km", "-provider__rating", "id")
        .values_list("id", "distance_km")[: query.limit]
    )
    rows = ProviderLocation.objects.select_related(*related).in_bulk([pk for pk, _ in ranked])
    hits = []
    for pk, distance in ranked:
        location = rows[pk]
        location.distance_km = distance
        hits.append(location)
    return hits
