"""The schema describes the contract the same way in every language, and states the headers, bounds
and closed bodies the server applies."""

import pytest

pytestmark = pytest.mark.django_db

HUMAN_TEXT = {"description", "summary", "title"}


def _schema(client, language: str) -> dict:
    return client.get(
        "/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json", HTTP_ACCEPT_LANGUAGE=language
    ).json()


def _structure(node):
    """The schema without the text meant for people (which is translated)."""
    if isinstance(node, dict):
        return {k: _structure(v) for k, v in node.items() if not (k in HUMAN_TEXT and isinstance(v, str))}
    if isinstance(node, list):
        return [_structure(v) for v in node]
    return node


def test_the_schema_has_the_same_structure_in_spanish_and_english(client):
    spanish, english = _schema(client, "es"), _schema(client, "en")
    assert spanish != english  # the descriptions are translated...
    assert _structure(spanish) == _structure(english)  # ...and nothing else differs


def test_headers_bounds_and_closed_bodies(client):
    document = _schema(client, "en")
    paths, schemas = document["paths"], document["components"]["schemas"]
    create = paths["/v1/assistances/events"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}
    assert {"Idempotent-Replayed", "ETag", "X-RateLimit-Remaining"} <= set(create["responses"]["201"]["headers"])
    detail = paths["/v1/assistances/events/{id}"]
    assert "304" in detail["get"]["responses"] and "If-None-Match" in {p["name"] for p in detail["get"]["parameters"]}
    assert "412" in detail["patch"]["responses"]
    categories = {p["name"]: p["schema"] for p in paths["/v1/masters/categories"]["get"]["parameters"]}
    assert categories["page"]["minimum"] == 1
    assert (categories["page_size"]["minimum"], categories["page_size"]["maximum"]) == (1, 200)
    assert categories["q"]["minLength"] == 1
    assert "Retry-After" in paths["/v1/vouchers"]["get"]["responses"]["429"]["headers"]
    assert "WWW-Authenticate" in paths["/v1/vouchers"]["get"]["responses"]["401"]["headers"]
    for name in ("EventCreateRequest", "NoteRequest", "PatchedEventUpdateRequest", "ProviderRequest"):
        assert schemas[name]["additionalProperties"] is False, name
    assert schemas["PaymentMethod"]["properties"]["masked"]["type"] == "boolean"
    assert "$ref" in str(schemas["Event"]["properties"]["coverage"])
    assert "coverage" in schemas["ProblemDetails"]["properties"]


def test_json_fields_have_a_declared_shape(client):
    schemas = _schema(client, "en")["components"]["schemas"]
    hours = schemas["ProviderLocation"]["properties"]["opening_hours"]
    assert hours["type"] == "object" and hours["additionalProperties"] is False and "mon" in hours["properties"]
    assert schemas["Provider"]["properties"]["languages"]["items"]["pattern"] == "^[a-z]{2}$"
    assert schemas["Draft"]["properties"]["data"]["type"] == "object"
    assert schemas["IssuanceRecord"]["properties"]["payload"]["type"] == "object"


@pytest.mark.parametrize(
    "hours",
    [[], {"monday": []}, {"mon": [["8:00", "18:00"]]}, {"mon": [["18:00"]]}, {"mon": "08-18"}],
)
def test_opening_hours_outside_the_documented_shape_are_refused(admin_user, hours):
    from rest_framework.test import APIClient

    from tests.helpers import assert_problem
    from tests.providers.factories import LocationFactory

    location = LocationFactory()
    api = APIClient()
    api.force_login(admin_user)
    url = f"/v1/providers/{location.provider_id}/locations/{location.pk}"
    body = assert_problem(api.patch(url, {"opening_hours": hours}, format="json"), 400)
    assert list(body["errors"]) == ["opening_hours"]
    good = {"mon": [["08:00", "13:00"], ["14:00", "18:00"]], "fri": [["22:00", "06:00"]], "sun": []}
    ok = api.patch(url, {"opening_hours": good}, format="json")
    assert ok.status_code == 200, ok.content


def test_the_schema_states_the_rules_the_fuzzer_found(client):
    document = _schema(client, "en")
    paths, schemas = document["paths"], document["components"]["schemas"]
    # Text that is blank once trimmed is refused; a negative amount too; a rating stops at 5.
    name = schemas["NoteRequest"]["properties"]["body"]["pattern"]
    assert name == "^[^\\u0000]*[^\\s\\u0000\\u001c-\\u001f\\u0085][^\\u0000]*$"
    assert schemas["EventProviderAssignRequest"]["properties"]["guaranteed_amount"]["pattern"].startswith("^(?:")
    assert schemas["ProviderRequest"]["properties"]["rating"]["pattern"].startswith("^(?:[0-4]")
    website = schemas["ProviderRequest"]["properties"]["website"]["oneOf"][0]
    assert website["pattern"].startswith("^https?://")
    # A nullable relation may be sent as "" (DRF reads it as null).
    residence = schemas["MokVoucherRequest"]["properties"]["residence_country"]
    assert residence["nullable"] is True and {"type": "string", "maxLength": 0} in residence["oneOf"]
    # The users' page size is Cognito's (60), not the API's (200).
    users = {p["name"]: p["schema"] for p in paths["/v1/users"]["get"]["parameters"]}
    assert users["page_size"]["maximum"] == 60
    # The upload's part says which media types it takes.
    upload = paths["/v1/assistances/phone-consultations/{id}/files"]["post"]["requestBody"]["content"]
    assert "application/pdf" in upload["multipart/form-data"]["encoding"]["file"]["contentType"]
    # An empty part is dropped by Django's multipart parser ("no file was submitted").
    assert schemas["PhoneConsultationFileUploadRequest"]["properties"]["file"]["minLength"] == 1
    assert "error_codes" in schemas["ProblemDetails"]["properties"]


def test_creates_link_to_what_they_created(client):
    paths = _schema(client, "en")["paths"]
    links = paths["/v1/assistances/events"]["post"]["responses"]["201"]["links"]
    assert links["assistances_events_retrieve"]["parameters"] == {"id": "$response.body#/id"}
    locations = paths["/v1/providers/{provider_pk}/locations"]["post"]["responses"]["201"]["links"]
    assert locations["providers_locations_retrieve"]["parameters"] == {
        "provider_pk": "$request.path.provider_pk",
        "id": "$response.body#/id",
    }
    assigned = paths["/v1/assistances/events/{id}/providers"]["post"]["responses"]["201"]["links"]
    assert assigned["assistances_events_providers_detail"]["parameters"] == {"id": "$response.body#/id"}
    issuance = paths["/v1/issuance-mok"]["post"]["responses"]["201"]["links"]
    assert issuance["issuance_mok_retrieve"]["parameters"] == {"issuance_id": "$response.body#/issuance_id"}
