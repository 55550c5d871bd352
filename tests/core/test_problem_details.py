"""Every error class leaves the API as RFC 9457 problem details in one shape."""

import pytest

from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


@pytest.mark.urls("tests.core.urls")
def test_conflict_is_409(api_client):
    body = assert_problem(api_client.get("/v1/boom/conflict"), 409, "stale_version")
    assert body["detail"] == "Version 3 is stale."
    assert body["instance"] == "/v1/boom/conflict"


@pytest.mark.urls("tests.core.urls")
def test_application_error_keeps_its_structured_errors(api_client):
    body = assert_problem(api_client.get("/v1/boom/rule"), 400, "not_covered")
    assert body["errors"] == {"x": ["y"]}


@pytest.mark.urls("tests.core.urls")
def test_throttled_is_429_with_retry_after(api_client):
    response = api_client.get("/v1/boom/throttled")
    assert_problem(response, 429, "throttled")
    assert response["Retry-After"] == "8"


@pytest.mark.urls("tests.core.urls")
def test_unexpected_error_is_500_without_internals(api_client):
    response = api_client.get("/v1/boom/crash")
    body = assert_problem(response, 500, "server_error")
    assert "secret" not in response.content.decode()
    assert body["request_id"] == response["X-Request-ID"]


@pytest.mark.urls("tests.core.urls")
def test_database_unavailable_is_503(api_client):
    response = api_client.get("/v1/boom/db")
    assert_problem(response, 503, "service_unavailable")
    assert response["Retry-After"]


@pytest.mark.urls("tests.core.urls")
def test_malformed_json_is_400(api_client):
    response = api_client.post("/v1/boom/conflict", data="{not json", content_type="application/json")
    assert_problem(response, 400, "parse_error")


@pytest.mark.urls("tests.core.urls")
def test_unsupported_media_type_is_415(api_client):
    response = api_client.post("/v1/boom/conflict", data="a=b", content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415, "unsupported_media_type")


def test_unknown_api_path_is_404_problem(api_client):
    assert_problem(api_client.get("/v1/no-such-thing"), 404, "not_found")


def test_unauthenticated_401_names_a_scheme_or_is_session_only(api_client):
    response = api_client.get("/v1/masters/categories")
    assert_problem(response, 401, "not_authenticated")


def test_localized_problem_title(api_client):
    body = api_client.get("/v1/masters/categories", HTTP_ACCEPT_LANGUAGE="es").json()
    assert body["title"] == "Se requiere autenticación"
    body = api_client.get("/v1/masters/categories", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["title"] == "Authentication required"
