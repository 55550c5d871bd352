"""The nearest-location search agrees with a brute-force distance sort, and its filters hold."""

import random

import pytest

from apps.masters.models import Assistance, Category
from apps.providers import geo
from apps.providers.models import Provider, ProviderLocation
from apps.providers.selectors import LocationQuery, location_search
from apps.providers.services import location_update, provider_update, search_index_rebuild
from tests.masters.factories import CityFactory, CountryFactory
from tests.providers.factories import LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

CENTRES = [(-34.6, -58.4), (-16.5, 179.95), (-16.5, -179.95), (89.8, 0.0), (0.0, 0.0)]


@pytest.fixture
def network():
    """Providers of two kinds scattered around several centres, including the antimeridian and a pole."""
    rng = random.Random(7)
    ambulance = Assistance.objects.get(code="MED_AMBULANCE")
    towing = Assistance.objects.get(code="TOWING")
    country = CountryFactory()
    rows = []
    for i in range(8):
        serves = [ambulance] if i % 3 else [towing]
        provider = ProviderFactory(country=country, assistances=serves, rating=rng.choice([3, 4, 5]))
        for lat0, lng0 in CENTRES:
            for _ in range(4):
                lat = max(-90, min(90, lat0 + rng.uniform(-1.2, 1.2)))
                lng = (lng0 + rng.uniform(-1.2, 1.2) + 540) % 360 - 180
                rows.append(
                    ProviderLocation(
                        provider=provider,
                        address="x",
                        country=country,
                        latitude=lat,
                        longitude=lng,
                        geo_cell=geo.cell_of(lat, lng),
                    )
                )
    # In bulk, as the demo generator does, then the index for all providers at once.
    ProviderLocation.objects.bulk_create(rows)
    search_index_rebuild(provider_ids={row.provider_id for row in rows})
    locations = list(ProviderLocation.objects.filter(country=country).select_related("provider"))
    serving = {a.pk: set(a.providers.values_list("pk", flat=True)) for a in (ambulance, towing)}
    return {"ambulance": ambulance, "towing": towing, "locations": locations, "serving": serving}


def _brute_force(locations, lat, lng, radius, providers=None, limit=20):
    hits = []
    for loc in locations:
        if providers is not None and loc.provider_id not in providers:
            continue
        distance = geo.haversine_km(lat, lng, loc.latitude, loc.longitude)
        if distance <= radius:
            hits.append((distance, -float(loc.provider.rating), loc.pk))
    return [pk for *_, pk in sorted(hits)[:limit]]


@pytest.mark.parametrize(("lat", "lng"), [*CENTRES, (-16.5, 180.0), (90.0, 45.0)])
@pytest.mark.parametrize("radius", [20, 80, 150])
def test_search_matches_brute_force(network, lat, lng, radius):
    query = LocationQuery(lat=lat, lng=lng, radius_km=radius, assistance=network["ambulance"], limit=20)
    found = [hit.id for hit in location_search(query)]
    serving = network["serving"][network["ambulance"].pk]
    assert found == _brute_force(network["locations"], lat, lng, radius, providers=serving)
    # The cell prefilter changes nothing but the speed.
    assert found == [hit.id for hit in location_search(query, use_index=False)]


def test_results_carry_the_distance_and_are_sorted(network):
    hits = location_search(LocationQuery(lat=-34.6, lng=-58.4, radius_km=150, limit=50))
    distances = [hit.distance_km for hit in hits]
    assert distances == sorted(distances)
    for hit in hits:
        assert hit.distance_km == pytest.approx(geo.haversine_km(-34.6, -58.4, hit.latitude, hit.longitude), abs=1e-6)


def test_radius_edge_is_inclusive_and_tight():
    provider = ProviderFactory()
    inside = LocationFactory(provider=provider, latitude=0.0, longitude=0.449)  # ≈ 49.93 km from (0, 0)
    outside = LocationFactory(provider=provider, latitude=0.0, longitude=0.4505)  # ≈ 50.09 km
    found = {hit.id for hit in location_search(LocationQuery(lat=0, lng=0, radius_km=50))}
    assert inside.pk in found and outside.pk not in found


def test_ties_on_distance_rank_by_rating():
    low, high = ProviderFactory(rating=3), ProviderFactory(rating=5)
    a = LocationFactory(provider=low, latitude=10.0, longitude=10.0)
    b = LocationFactory(provider=high, latitude=10.0, longitude=10.0)
    assert [hit.id for hit in location_search(LocationQuery(lat=10, lng=10, radius_km=5))] == [b.pk, a.pk]


def test_inactive_rows_and_other_services_are_excluded(network):
    towing = network["towing"]
    query = LocationQuery(lat=-34.6, lng=-58.4, radius_km=200, assistance=towing, limit=100)
    found = location_search(query)
    assert found and {hit.provider.id for hit in found} <= network["serving"][towing.pk]
    first = ProviderLocation.objects.get(pk=found[0].id)
    location_update(instance=first, data={"is_active": False})
    assert first.pk not in {hit.id for hit in location_search(query)}
    provider = Provider.objects.get(pk=found[1].provider.id)
    provider_update(instance=provider, data={"is_active": False})
    assert not {hit.id for hit in location_search(query)} & {loc.pk for loc in provider.locations.all()}
    # The naive scan agrees with the index after the changes.
    assert [x.id for x in location_search(query)] == [x.id for x in location_search(query, use_index=False)]


def test_index_follows_assistances_location_moves_and_ratings(network):
    towing, ambulance = network["towing"], network["ambulance"]
    location = LocationFactory(provider=ProviderFactory(assistances=[towing], rating=3), latitude=-40, longitude=-70)
    near = LocationQuery(lat=-40, lng=-70, radius_km=5, assistance=towing)
    assert [x.id for x in location_search(near)] == [location.pk]
    provider_update(instance=location.provider, data={"assistances": [ambulance]})
    assert location_search(near) == []
    assert [x.id for x in location_search(LocationQuery(lat=-40, lng=-70, radius_km=5, assistance=ambulance))] == [
        location.pk
    ]
    location_update(instance=location, data={"latitude": 10.0, "longitude": 10.0})
    assert location_search(LocationQuery(lat=-40, lng=-70, radius_km=5, assistance=ambulance)) == []
    moved = location_search(LocationQuery(lat=10, lng=10, radius_km=5, assistance=ambulance))
    assert [x.id for x in moved] == [location.pk]


def test_filters_by_category_country_city_type_and_name():
    vehicle = Category.objects.get(code="VEHICLE")
    country, other_country = CountryFactory(), CountryFactory()
    city = CityFactory(country=country)
    tow = ProviderFactory(
        display_name="Grúas Rápidas",
        provider_type="tow_truck",
        country=country,
        assistances=[vehicle.assistances.first()],
    )
    clinic = ProviderFactory(display_name="Clínica Sur", country=other_country)
    tow_loc = LocationFactory(provider=tow, city=city, latitude=1, longitude=1)
    clinic_loc = LocationFactory(provider=clinic, latitude=1, longitude=1)

    def ids(**kwargs):
        return {hit.id for hit in location_search(LocationQuery(**kwargs))}

    assert ids(lat=1, lng=1, category=vehicle) == {tow_loc.pk}
    assert ids(country=country) == {tow_loc.pk}
    assert ids(city=city) == {tow_loc.pk}
    assert ids(lat=1, lng=1, provider_type="clinic") == {clinic_loc.pk}
    assert ids(lat=1, lng=1, text="grúas") == {tow_loc.pk}
    assert ids(country=other_country, provider=tow) == set()


@pytest.mark.parametrize(
    "extra",
    [{}, {"provider_type": "clinic"}, {"text": "provider"}, {"country": "home"}, {"category": "MEDICAL"}],
)
def test_assistance_searches_with_other_filters_agree_with_the_scan(network, extra):
    """The hand-written hot path (assistance only) and the ORM path (with filters) give the scan's answer."""
    ambulance = network["ambulance"]
    home = ProviderLocation.objects.get(pk=network["locations"][0].pk).country
    if extra.get("country") == "home":
        extra = {"country": home}
    if "category" in extra:
        extra = {"category": Category.objects.get(code=extra["category"])}
    query = LocationQuery(lat=-34.6, lng=-58.4, radius_km=150, assistance=ambulance, limit=50, **extra)
    indexed = [hit.id for hit in location_search(query)]
    assert indexed == [hit.id for hit in location_search(query, use_index=False)]
    if not extra:
        assert indexed  # the plain search finds the network's ambulances
