"""/v1/providers...: resources, searches, payment-method masking, validation, permissions, query counts."""

import pytest
from rest_framework.test import APIClient

from apps.audit.models import AuditLog
from apps.masters.models import Assistance
from apps.providers.models import Provider, ProviderPaymentMethod
from tests.accounts.factories import UserFactory
from tests.helpers import assert_problem, count_queries
from tests.masters.factories import CityFactory, CountryFactory
from tests.providers.factories import LocationFactory, PaymentMethodFactory, ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(admin_user) -> APIClient:
    client = APIClient()
    client.force_login(admin_user)
    return client


@pytest.fixture
def ambulance():
    return Assistance.objects.get(code="MED_AMBULANCE")


@pytest.fixture
def argentina():
    return CountryFactory(iso2="AR", iso3="ARG", name_en="Argentina", name_es="Argentina")


def _provider_payload(home, **overrides) -> dict:
    payload = {
        "display_name": "Ambulancias del Sur",
        "legal_name": "Ambulancias del Sur S.A.",
        "tax_id": "30-71234567-8",
        "country": home.iso2.lower(),
        "provider_type": "ambulance",
        "assistances": ["MED_AMBULANCE", "repat_medical"],
        "languages": ["es", "en"],
        "rating": "4.50",
    }
    payload.update(overrides)
    return payload


# --- providers as a resource -----------------------------------------------------------------------


def test_admin_creates_updates_and_deletes_a_provider_with_audit(admin_api, argentina):
    response = admin_api.post("/v1/providers", _provider_payload(argentina), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["country"] == "AR" and set(body["assistances"]) == {"MED_AMBULANCE", "REPAT_MEDICAL"}
    provider_id = body["id"]
    assert AuditLog.objects.filter(
        action="create", object_type="providers.provider", object_id=str(provider_id)
    ).exists()

    response = admin_api.patch(f"/v1/providers/{provider_id}", {"rating": "3.75"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["rating"] == "3.75"
    entry = AuditLog.objects.get(action="update", object_id=str(provider_id))
    assert entry.changes == {"rating": ["4.50", "3.75"]}

    assert admin_api.delete(f"/v1/providers/{provider_id}").status_code == 204
    assert not Provider.objects.filter(pk=provider_id).exists()


def test_put_is_not_offered(admin_api):
    provider = ProviderFactory()
    assert_problem(admin_api.put(f"/v1/providers/{provider.pk}", {}, format="json"), 405)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"country": "ZZ"}, "country"),
        ({"assistances": ["NOT_A_SERVICE"]}, "assistances"),
        ({"provider_type": "wizard"}, "provider_type"),
        ({"rating": "7"}, "rating"),
        ({"languages": ["spanish"]}, "languages"),
        ({"display_name": ""}, "display_name"),
    ],
)
def test_invalid_provider_is_refused_naming_the_field(admin_api, argentina, overrides, field):
    response = admin_api.post("/v1/providers", _provider_payload(argentina, **overrides), format="json")
    body = assert_problem(response, 400)
    assert field in body["errors"]
    assert not Provider.objects.exists()


def test_duplicate_tax_id_in_a_country_is_refused(admin_api, argentina):
    assert admin_api.post("/v1/providers", _provider_payload(argentina), format="json").status_code == 201
    response = admin_api.post("/v1/providers", _provider_payload(argentina), format="json")
    assert_problem(response, 400)
    assert Provider.objects.count() == 1


def test_operator_reads_but_cannot_write(operator_client, argentina):
    ProviderFactory()
    assert operator_client.get("/v1/providers").status_code == 200
    assert_problem(operator_client.post("/v1/providers", _provider_payload(argentina), format="json"), 403)


def test_anonymous_and_groupless_users_are_refused(api_client):
    assert_problem(api_client.get("/v1/providers/searchs?lat=0&lng=0"), 401)
    api_client.force_login(UserFactory())
    assert_problem(api_client.get("/v1/providers/searchs?lat=0&lng=0"), 403)


def test_provider_list_filters(operator_client, ambulance):
    wanted = ProviderFactory(display_name="Wanted", provider_type="ambulance", assistances=[ambulance])
    ProviderFactory(display_name="Other", provider_type="clinic")
    by_assistance = operator_client.get("/v1/providers", {"assistance": "med_ambulance"}).json()
    assert [p["id"] for p in by_assistance["results"]] == [wanted.pk]
    by_category = operator_client.get("/v1/providers", {"category": "MEDICAL"}).json()
    assert [p["id"] for p in by_category["results"]] == [wanted.pk]
    by_type = operator_client.get("/v1/providers", {"type": "clinic"}).json()
    assert [p["display_name"] for p in by_type["results"]] == ["Other"]
    by_name = operator_client.get("/v1/providers", {"q": "want"}).json()
    assert [p["id"] for p in by_name["results"]] == [wanted.pk]
    assert_problem(operator_client.get("/v1/providers", {"type": "wizard"}), 400)


# --- locations ----------------------------------------------------------------------------------------


def test_locations_nested_under_their_provider(admin_api, argentina):
    provider = ProviderFactory(country=argentina)
    city = CityFactory(country=argentina, code="3435910", name="Buenos Aires")
    payload = {
        "address": "Av. Corrientes 1234",
        "country": "AR",
        "city": "3435910",
        "latitude": -34.6,
        "longitude": -58.4,
    }
    response = admin_api.post(f"/v1/providers/{provider.pk}/locations", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["provider"], body["city"], body["city_name"]) == (provider.pk, "3435910", city.name)
    assert "openstreetmap.org" in body["map_url"]
    listed = admin_api.get(f"/v1/providers/{provider.pk}/locations").json()
    assert [loc["id"] for loc in listed["results"]] == [body["id"]]
    other = ProviderFactory()
    assert_problem(admin_api.get(f"/v1/providers/{other.pk}/locations/{body['id']}"), 404)
    assert_problem(admin_api.get("/v1/providers/999999/locations"), 404)


def test_location_city_must_belong_to_its_country(admin_api, argentina):
    provider = ProviderFactory(country=argentina)
    CityFactory(code="111")  # a city of another country
    payload = {"address": "x", "country": "AR", "city": "111", "latitude": 0, "longitude": 0}
    body = assert_problem(admin_api.post(f"/v1/providers/{provider.pk}/locations", payload, format="json"), 400)
    assert "city" in body["errors"]


@pytest.mark.parametrize(("field", "value"), [("latitude", 91), ("longitude", -181), ("service_radius_km", 0)])
def test_location_coordinates_are_validated(admin_api, argentina, field, value):
    provider = ProviderFactory(country=argentina)
    payload = {"address": "x", "country": "AR", "latitude": 0, "longitude": 0, field: value}
    body = assert_problem(admin_api.post(f"/v1/providers/{provider.pk}/locations", payload, format="json"), 400)
    assert field in body["errors"]


# --- payment methods ----------------------------------------------------------------------------------


def test_bank_data_is_masked_for_operators_and_shown_to_admins(operator_client, admin_api):
    method = PaymentMethodFactory(account_number="ES9121000418450200051332")
    url = f"/v1/providers/{method.provider_id}/paymentmethods/{method.pk}"
    masked = operator_client.get(url).json()
    assert masked["account_number"].endswith("1332") and "2100" not in masked["account_number"]
    assert masked["masked"] is True
    listed = operator_client.get(f"/v1/providers/{method.provider_id}/paymentmethods").json()
    assert listed["results"][0]["account_number"] == masked["account_number"]
    full = admin_api.get(url).json()
    assert (full["account_number"], full["masked"]) == ("ES9121000418450200051332", False)


def test_only_one_default_payment_method(admin_api):
    first = PaymentMethodFactory(is_default=True)
    url = f"/v1/providers/{first.provider_id}/paymentmethods"
    payload = {
        "kind": "bank_transfer",
        "account_number": "de89 3704 0044 0532 0130 00",
        "currency": "eur",
        "is_default": True,
    }
    response = admin_api.post(url, payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["account_number"] == "DE89370400440532013000"
    first.refresh_from_db()
    assert not first.is_default
    assert ProviderPaymentMethod.objects.filter(provider_id=first.provider_id, is_default=True).count() == 1


def test_payment_method_patch_and_delete(admin_api):
    method = PaymentMethodFactory()
    url = f"/v1/providers/{method.provider_id}/paymentmethods/{method.pk}"
    assert admin_api.patch(url, {"currency": "usd"}, format="json").json()["currency"] == "USD"
    assert admin_api.delete(url).status_code == 204
    assert not ProviderPaymentMethod.objects.filter(pk=method.pk).exists()


def test_bank_transfer_needs_an_account(admin_api):
    provider = ProviderFactory()
    payload = {"kind": "bank_transfer", "currency": "USD"}
    body = assert_problem(admin_api.post(f"/v1/providers/{provider.pk}/paymentmethods", payload, format="json"), 400)
    assert body["error_codes"] == {"account_number": ["required_for_kind"]}


# --- searches -----------------------------------------------------------------------------------------


def test_search_answers_nearest_first_with_distance(operator_client, ambulance):
    provider = ProviderFactory(assistances=[ambulance], rating=5)
    near = LocationFactory(provider=provider, latitude=-34.60, longitude=-58.38)
    far = LocationFactory(provider=provider, latitude=-34.90, longitude=-58.38)
    response = operator_client.get(
        "/v1/providers/searchs", {"lat": -34.6, "lng": -58.38, "radius_km": 50, "assistance": "MED_AMBULANCE"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [hit["id"] for hit in body["results"]] == [near.pk, far.pk]
    assert body["results"][0]["distance_km"] == 0.0
    assert 33 < body["results"][1]["distance_km"] < 34
    assert body["results"][0]["provider"]["id"] == provider.pk
    assert body["results"][0]["within_service_area"] is True
    # The alias answers the same.
    alias = operator_client.get("/v1/providers/search", {"lat": -34.6, "lng": -58.38, "assistance": "MED_AMBULANCE"})
    assert alias.json() == body


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 91, "lng": 0}, "lat"),
        ({"lat": 0, "lng": 181}, "lng"),
        ({"lat": "nan", "lng": 0}, "lat"),
        ({"lat": 0}, "lng"),
        ({"lat": 0, "lng": 0, "radius_km": -5}, "radius_km"),
        ({"lat": 0, "lng": 0, "radius_km": 100000}, "radius_km"),
        ({"lat": 0, "lng": 0, "assistance": "TELEPORT"}, "assistance"),
        ({"lat": 0, "lng": 0, "limit": 1000}, "limit"),
        ({"lat": 0, "lng": 0, "type": "wizard"}, "type"),
        ({"lat": 0, "lng": 0, "city": "nope"}, "city"),
        ({"assistance": "TOWING"}, "lat"),
        ({"lat": 0, "lng": 0, "radius": 5}, "radius"),
    ],
)
def test_search_bad_input_names_the_field(operator_client, params, field):
    body = assert_problem(operator_client.get("/v1/providers/searchs", params), 400)
    assert field in body["errors"], body


def test_search_ranked_by_reliability_shows_the_score_parts(operator_client, ambulance):
    from apps.providers.models import ProviderReliability

    unreliable = ProviderFactory(assistances=[ambulance])
    reliable = ProviderFactory(assistances=[ambulance])
    LocationFactory(provider=unreliable, latitude=-34.60, longitude=-58.38)
    LocationFactory(provider=reliable, latitude=-34.65, longitude=-58.38)
    ProviderReliability.objects.create(provider=unreliable, offers=20, accepted=2, arrivals=2, on_time=0)
    ProviderReliability.objects.create(provider=reliable, offers=20, accepted=20, arrivals=20, on_time=20)
    params = {"lat": -34.6, "lng": -58.38, "radius_km": 50, "assistance": "MED_AMBULANCE"}
    by_distance = operator_client.get("/v1/providers/searchs", params).json()["results"]
    assert [hit["provider"]["id"] for hit in by_distance] == [unreliable.pk, reliable.pk]
    assert by_distance[0]["ranking"] is None
    weighted = operator_client.get("/v1/providers/searchs", {**params, "rank": "reliability"}).json()["results"]
    assert [hit["provider"]["id"] for hit in weighted] == [reliable.pk, unreliable.pk]
    assert set(weighted[0]["ranking"]) == {"score", "acceptance", "on_time", "open_now", "offers_90_days"}
    assert weighted[0]["ranking"]["acceptance"] == 0.96  # (20 + 5 × 0.8) / (20 + 5)
    bad = operator_client.get("/v1/providers/searchs", {**params, "rank": "rating"})
    assert bad.status_code == 400


def test_search_by_city_without_a_point(operator_client, argentina):
    city = CityFactory(country=argentina, code="3860259")
    provider = ProviderFactory(country=argentina, rating=5)
    located = LocationFactory(provider=provider, city=city)
    LocationFactory(provider=provider)
    body = operator_client.get("/v1/providers/searchs", {"city": "3860259", "country": "ar"}).json()
    assert [hit["id"] for hit in body["results"]] == [located.pk]
    assert body["results"][0]["distance_km"] is None


def test_one_providers_locations_search(operator_client):
    provider, other = ProviderFactory(), ProviderFactory()
    mine = LocationFactory(provider=provider, latitude=1, longitude=1)
    LocationFactory(provider=other, latitude=1, longitude=1)
    body = operator_client.get(f"/v1/providers/{provider.pk}/locations/search", {"lat": 1, "lng": 1}).json()
    assert [hit["id"] for hit in body["results"]] == [mine.pk]
    everything = operator_client.get(f"/v1/providers/{provider.pk}/locations/search").json()
    assert everything["count"] == 1


# --- query counts ------------------------------------------------------------------------------------


def _grow(ambulance):
    provider = ProviderFactory(assistances=[ambulance])
    for i in range(3):
        LocationFactory(provider=provider, latitude=0.01 * i, longitude=0.01 * i)
        PaymentMethodFactory(provider=provider)
    return provider


@pytest.mark.parametrize(
    "url",
    [
        "/v1/providers?page_size=200",
        "/v1/providers/searchs?lat=0&lng=0&radius_km=100&assistance=MED_AMBULANCE&limit=100",
        "/v1/providers/searchs?lat=0&lng=0&category=MEDICAL&limit=100",
    ],
)
def test_query_counts_do_not_grow_with_rows(operator_client, ambulance, url):
    _grow(ambulance)
    baseline = count_queries(operator_client, url)
    for _ in range(4):
        _grow(ambulance)
    assert count_queries(operator_client, url) == baseline


def test_nested_list_query_counts_do_not_grow(operator_client, ambulance):
    provider = _grow(ambulance)
    urls = [f"/v1/providers/{provider.pk}/locations", f"/v1/providers/{provider.pk}/paymentmethods"]
    baselines = [count_queries(operator_client, url) for url in urls]
    for i in range(10):
        LocationFactory(provider=provider, latitude=i, longitude=i)
        PaymentMethodFactory(provider=provider)
    assert [count_queries(operator_client, url) for url in urls] == baselines
