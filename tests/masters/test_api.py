"""The /v1/masters/ catalogs: auth, content, search, pagination cap, conditional GET, query counts."""

import pytest

from apps.masters.models import EventProviderStatus, EventStatus, VoucherStatus
from tests.accounts.factories import UserFactory
from tests.helpers import assert_problem, count_queries
from tests.masters.factories import AssistanceFactory, CategoryFactory, CityFactory, CountryFactory, EventStatusFactory

pytestmark = pytest.mark.django_db

LIST_URLS = [
    "/v1/masters/categories",
    "/v1/masters/event-statuses",
    "/v1/masters/eventprovider-statuses",
    "/v1/masters/voucher-statuses",
    "/v1/masters/countries",
]


@pytest.mark.parametrize("url", [*LIST_URLS, "/v1/masters/countries/AR/cities", "/v1/masters/categories/MEDICAL"])
def test_anonymous_is_refused_with_401(api_client, url):
    assert_problem(api_client.get(url), 401, "not_authenticated")


@pytest.mark.parametrize("url", LIST_URLS)
def test_user_without_catalog_permission_gets_403(api_client, url):
    api_client.force_login(UserFactory())
    assert_problem(api_client.get(url), 403, "permission_denied")


def test_categories_include_their_assistances(operator_client):
    response = operator_client.get("/v1/masters/categories")
    assert response.status_code == 200
    body = response.json()
    codes = {c["code"]: c for c in body["results"]}
    expected = {"MEDICAL", "DENTAL", "PHARMACY", "REPATRIATION", "LEGAL", "BAGGAGE", "TRAVEL_DELAY", "VEHICLE"}
    assert expected <= set(codes)
    medical = codes["MEDICAL"]
    assert medical["name"] == "Asistencia médica"  # Spanish by default
    assistance = next(a for a in medical["assistances"] if a["code"] == "MED_AMBULANCE")
    assert assistance["default_sla_minutes"] > 0
    assert assistance["requires_provider"] is True


def test_language_follows_accept_language(operator_client):
    response = operator_client.get("/v1/masters/categories/MEDICAL", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.json()["name"] == "Medical assistance"


def test_category_detail_unknown_code_is_404_problem(operator_client):
    assert_problem(operator_client.get("/v1/masters/categories/NOPE"), 404, "not_found")


def test_category_search(operator_client):
    response = operator_client.get("/v1/masters/categories", {"q": "equipaje"})
    assert [c["code"] for c in response.json()["results"]] == ["BAGGAGE"]
    # Search also finds a category through one of its assistance types.
    response = operator_client.get("/v1/masters/categories", {"q": "TOWING"})
    assert [c["code"] for c in response.json()["results"]] == ["VEHICLE"]


@pytest.mark.parametrize(
    ("url", "model"),
    [
        ("/v1/masters/event-statuses", EventStatus),
        ("/v1/masters/eventprovider-statuses", EventProviderStatus),
        ("/v1/masters/voucher-statuses", VoucherStatus),
    ],
)
def test_status_machines_expose_transitions(operator_client, url, model):
    body = operator_client.get(url).json()
    assert body["count"] == model.objects.count()
    for status in body["results"]:
        expected = set(model.objects.get(code=status["code"]).next_statuses.values_list("code", flat=True))
        assert set(status["next_statuses"]) == expected
    finals = operator_client.get(url, {"is_final": "true"}).json()["results"]
    assert finals and all(s["is_final"] and s["next_statuses"] == [] for s in finals)


def test_event_provider_status_machine_is_the_seed_one(operator_client):
    body = operator_client.get("/v1/masters/eventprovider-statuses/ASSIGNED").json()
    assert body["is_initial"] is True
    assert set(body["next_statuses"]) == {"EN_ROUTE", "STARTED", "CANCELLED"}
    offered = operator_client.get("/v1/masters/eventprovider-statuses/OFFERED").json()
    assert set(offered["next_statuses"]) == {"ASSIGNED", "DECLINED", "EXPIRED", "CANCELLED"}


def test_countries_search_by_code_and_name(operator_client):
    CountryFactory(iso2="AR", iso3="ARG", name_en="Argentina", name_es="Argentina")
    CountryFactory(iso2="DE", iso3="DEU", name_en="Germany", name_es="Alemania")
    by_code = operator_client.get("/v1/masters/countries", {"q": "de"}).json()["results"]
    assert [c["iso2"] for c in by_code] == ["DE"]
    by_spanish_name = operator_client.get("/v1/masters/countries", {"q": "aleman"}).json()["results"]
    assert [c["iso2"] for c in by_spanish_name] == ["DE"]
    detail = operator_client.get("/v1/masters/countries/ar")
    assert detail.status_code == 200
    assert detail.json()["iso3"] == "ARG"


def test_cities_of_a_country_are_searchable_without_accents(operator_client):
    country = CountryFactory(iso2="CO", iso3="COL")
    CityFactory(country=country, name="Bogotá", population=7_000_000)
    CityFactory(country=country, name="Medellín", population=2_500_000)
    CityFactory(name="Bogotá del Otro País")  # another country's city is never listed
    body = operator_client.get("/v1/masters/countries/CO/cities", {"q": "bogota"}).json()
    assert [c["name"] for c in body["results"]] == ["Bogotá"]
    assert body["results"][0]["country"] == "CO"
    everything = operator_client.get("/v1/masters/countries/co/cities").json()
    assert [c["name"] for c in everything["results"]] == ["Bogotá", "Medellín"]  # most populated first


def test_cities_of_unknown_country_is_404(operator_client):
    assert_problem(operator_client.get("/v1/masters/countries/QQ/cities"), 404)


def test_pagination_and_hard_cap(operator_client, settings):
    country = CountryFactory()
    CityFactory.create_batch(5, country=country)
    url = f"/v1/masters/countries/{country.iso2}/cities"
    body = operator_client.get(url, {"page_size": 2, "page": 2}).json()
    assert body["count"] == 5 and len(body["results"]) == 2
    assert body["next"] and body["previous"]
    body = assert_problem(operator_client.get(url, {"page_size": settings.API_MAX_PAGE_SIZE + 1}), 400)
    assert "page_size" in body["errors"]
    assert_problem(operator_client.get(url, {"page_size": "lots"}), 400, "validation_error")
    assert_problem(operator_client.get(url, {"page": 0}), 400, "validation_error")
    assert_problem(operator_client.get(url, {"page": 99}), 404)


def test_bad_query_parameters_are_refused(operator_client):
    body = assert_problem(operator_client.get("/v1/masters/event-statuses", {"is_finall": "true"}), 400)
    assert "is_finall" in body["errors"]
    body = assert_problem(operator_client.get("/v1/masters/event-statuses", {"is_final": "maybe"}), 400)
    assert "is_final" in body["errors"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_catalogs_are_read_only_405(operator_client, method):
    response = getattr(operator_client, method)("/v1/masters/categories", {}, format="json")
    assert_problem(response, 405, "method_not_allowed")
    assert EventStatus.objects.filter(code="OPENED").exists()


def test_conditional_get_etag_and_304(operator_client):
    first = operator_client.get("/v1/masters/event-statuses")
    etag = first["ETag"]
    assert etag
    again = operator_client.get("/v1/masters/event-statuses", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    # A different query or language is a different representation.
    assert operator_client.get("/v1/masters/event-statuses?page_size=3")["ETag"] != etag
    assert operator_client.get("/v1/masters/event-statuses", HTTP_ACCEPT_LANGUAGE="en")["ETag"] != etag
    # Any change to the catalog changes the ETag, so the stale copy is re-sent.
    status = EventStatus.objects.get(code="ON_HOLD")
    status.name_en = "Waiting"
    status.save()
    changed = operator_client.get("/v1/masters/event-statuses", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_conditional_get_is_not_offered_to_anonymous(api_client, operator_client):
    etag = operator_client.get("/v1/masters/categories")["ETag"]
    assert_problem(api_client.get("/v1/masters/categories", HTTP_IF_NONE_MATCH=etag), 401)


@pytest.mark.parametrize(
    ("url", "grow"),
    [
        ("/v1/masters/categories", lambda: AssistanceFactory.create_batch(3, category=CategoryFactory())),
        ("/v1/masters/event-statuses", lambda: EventStatusFactory.create_batch(3)),
        ("/v1/masters/countries", lambda: CountryFactory.create_batch(3)),
    ],
)
def test_query_count_is_constant_as_rows_grow(operator_client, url, grow):
    grow()
    before = count_queries(operator_client, url + "?page_size=200")
    for _ in range(5):
        grow()
    assert count_queries(operator_client, url + "?page_size=200") == before


def test_city_list_query_count_is_constant(operator_client):
    country = CountryFactory()
    CityFactory.create_batch(3, country=country)
    url = f"/v1/masters/countries/{country.iso2}/cities?page_size=200"
    before = count_queries(operator_client, url)
    CityFactory.create_batch(30, country=country)
    assert count_queries(operator_client, url) == before
