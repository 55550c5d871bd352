"""Server behaviours the API contract promises (found by an outside integrator's generated client and
fuzzer): integer ids within range, conditional requests per RFC 9110, no empty filters, problem details
for every error under /v1/."""

import pytest

from tests.assistances.factories import covered_case
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

NOTES = "/v1/assistances/notes"
CALLS = "/v1/assistances/phone-consultations"
EVENTS = "/v1/assistances/events"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (NOTES, "9223372036854775808"),
        (CALLS, "-1e20"),
        (NOTES, "202.5"),
        (CALLS, "0"),
        (NOTES, "1e3"),
    ],
)
def test_id_filters_take_whole_numbers_in_range(operator_client, path, value):
    body = assert_problem(operator_client.get(path, {"event": value}), 400)
    assert list(body["errors"]) == ["event"]


def test_id_filters_are_integers_in_the_schema(client):
    document = client.get("/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in (NOTES, CALLS):
        [event] = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "event"]
        assert event["schema"]["type"] == "integer", event


@pytest.mark.parametrize("param", ["opened_after", "opened_before", "q", "status"])
def test_an_empty_filter_is_a_400(operator_client, param):
    body = assert_problem(operator_client.get(EVENTS, {param: ""}), 400)
    assert list(body["errors"]) == [param]
    assert_problem(operator_client.get(CALLS, {"started_after": ""}), 400)


@pytest.fixture
def case(operator):
    return covered_case(actor=operator)


def test_if_match_takes_a_star_and_lists_of_tags(operator_client, case):
    etag = operator_client.get(f"{EVENTS}/{case.pk}")["ETag"]
    assert (
        operator_client.patch(f"{EVENTS}/{case.pk}", {"description": "a"}, format="json", HTTP_IF_MATCH="*").status_code
        == 200
    )
    etag = operator_client.get(f"{EVENTS}/{case.pk}")["ETag"]
    listed = f'"999", {etag}, "1000"'
    assert (
        operator_client.patch(
            f"{EVENTS}/{case.pk}", {"description": "b"}, format="json", HTTP_IF_MATCH=listed
        ).status_code
        == 200
    )
    # The tag read before the last change no longer matches: 412, in the caller's language.
    stale = operator_client.patch(
        f"{EVENTS}/{case.pk}", {"description": "c"}, format="json", HTTP_IF_MATCH=etag, HTTP_ACCEPT_LANGUAGE="en"
    )
    body = assert_problem(stale, 412, "precondition_failed")
    assert body["title"] == "Precondition failed" and "changed since you read it" in body["detail"]
    spanish = assert_problem(
        operator_client.patch(f"{EVENTS}/{case.pk}", {"description": "c"}, format="json", HTTP_IF_MATCH=etag), 412
    )
    assert spanish["title"] != "Precondition failed"


def test_a_case_the_client_already_has_answers_304(operator_client, case):
    first = operator_client.get(f"{EVENTS}/{case.pk}")
    again = operator_client.get(f"{EVENTS}/{case.pk}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"] and not again.content
    assert operator_client.get(f"{EVENTS}/{case.pk}", HTTP_IF_NONE_MATCH=f"W/{first['ETag']}").status_code == 304
    assert operator_client.get(f"{EVENTS}/{case.pk}", HTTP_IF_NONE_MATCH='"0"').status_code == 200


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("path", ["/v1/providers/null,null", "/v1/nothing/here", "/v1/masters/countries/A1B2"])
def test_every_error_under_v1_is_a_problem_document(operator_client, settings, debug, path):
    settings.DEBUG = debug
    response = operator_client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    body = assert_problem(response, 404, "not_found")
    assert response["Content-Type"] == "application/problem+json"
    assert body["title"] == "Not found" and body["instance"] == path
    spanish = operator_client.get(path).json()
    assert spanish["title"] != "Not found"  # translated like every other answer


def test_an_empty_idempotency_key_is_a_400(operator_client):
    body = assert_problem(
        operator_client.post(NOTES, {"event": 1, "body": "x"}, format="json", HTTP_IDEMPOTENCY_KEY=" "), 400
    )
    assert list(body["errors"]) == ["Idempotency-Key"]


def test_text_fields_take_text_not_numbers(operator_client):
    body = assert_problem(operator_client.post(NOTES, {"event": 1, "body": 12345}, format="json"), 400)
    assert "body" in body["errors"]


def test_a_conditional_get_still_refuses_a_malformed_page_size(operator_client):
    first = operator_client.get("/v1/masters/categories")
    refused = operator_client.get("/v1/masters/categories", {"page_size": 0}, HTTP_IF_NONE_MATCH="*")
    assert_problem(refused, 400)
    assert operator_client.get("/v1/masters/categories", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_repeated_parameter_is_a_400(operator_client):
    body = assert_problem(operator_client.get(f"{EVENTS}?priority=high&priority=low"), 400)
    assert list(body["errors"]) == ["priority"]


def test_boolean_filters_of_declared_fields_are_strict(operator_client):
    from tests.providers.factories import PaymentMethodFactory

    method = PaymentMethodFactory()
    url = f"/v1/providers/{method.provider_id}/paymentmethods"
    body = assert_problem(operator_client.get(url, {"is_default": "null"}), 400)
    assert list(body["errors"]) == ["is_default"]
    assert operator_client.get(url, {"is_default": "false"}).status_code == 200


def test_a_conditional_get_still_refuses_a_malformed_filter_or_an_unknown_object(operator_client):
    # Found by fuzzing: `If-None-Match: *` answered 304 before the query was looked at.
    from tests.vouchers.factories import country

    cities = f"/v1/masters/countries/{country('ES').iso2}/cities"
    assert_problem(operator_client.get(cities, {"min_population": -1}, HTTP_IF_NONE_MATCH="*"), 400)
    assert_problem(operator_client.get("/v1/masters/countries/QQ", HTTP_IF_NONE_MATCH="*"), 404)
    assert operator_client.get(cities, HTTP_IF_NONE_MATCH="*").status_code == 304


def test_validation_problems_name_each_fields_code(operator_client):
    case = covered_case(source="KOM")
    body = assert_problem(operator_client.post(NOTES, {"event": 999999, "body": "Hello"}, format="json"), 400)
    assert body["error_codes"] == {"event": ["does_not_exist"]}
    body = assert_problem(operator_client.get(NOTES, {"cursor": "made-up"}), 400)
    assert body["error_codes"] == {"cursor": ["invalid_cursor"]}
    # Errors raised by the services carry their codes too (a pair of fields that go together).
    body = assert_problem(operator_client.patch(f"{EVENTS}/{case.pk}", {"latitude": 1.5}, format="json"), 400)
    assert body["error_codes"] == {"longitude": ["required_together"]}


def test_patching_a_draft_without_data_changes_nothing(operator_client):
    created = operator_client.post(f"{EVENTS}/draft", {"data": {"traveller_name": "Luis"}}, format="json").json()
    answer = operator_client.patch(f"{EVENTS}/draft/{created['id']}", {}, format="json")
    assert answer.status_code == 200 and answer.json()["data"] == {"traveller_name": "Luis"}


@pytest.mark.parametrize("website", ["http://localhost", "http://10.0.0.1/x", "https://a." + "b" * 64])
def test_a_website_is_a_public_address(admin_user, website):
    from rest_framework.test import APIClient

    from tests.providers.factories import ProviderFactory

    operator_client = APIClient()
    operator_client.force_login(admin_user)
    provider = ProviderFactory()
    body = assert_problem(
        operator_client.patch(f"/v1/providers/{provider.pk}", {"website": website}, format="json"), 400
    )
    assert "website" in body["errors"]
    accepted = operator_client.patch(
        f"/v1/providers/{provider.pk}", {"website": "https://clinic.example.com/en"}, format="json"
    )
    assert accepted.status_code == 200, accepted.content


@pytest.mark.parametrize("value", [0, 1, "true", "yes", "0"])
def test_boolean_fields_take_true_or_false_only(admin_user, value):
    """The schema says boolean; DRF alone reads 0, 1, "yes"... (the CLI fuzzer sent is_active: 0)."""
    from rest_framework.test import APIClient

    from tests.providers.factories import PaymentMethodFactory

    admin_client = APIClient()
    admin_client.force_login(admin_user)
    method = PaymentMethodFactory(is_active=True)
    url = f"/v1/providers/{method.provider_id}/paymentmethods/{method.pk}"
    body = assert_problem(admin_client.patch(url, {"is_active": value}, format="json"), 400)
    assert list(body["errors"]) == ["is_active"]
    accepted = admin_client.patch(url, {"is_active": False}, format="json")
    assert accepted.status_code == 200 and accepted.json()["is_active"] is False, accepted.content
