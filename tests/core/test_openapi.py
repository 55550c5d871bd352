"""The schema documents what the API really answers (fixes of findings of the schema fuzzer, tests/fuzz)."""

import pytest
from rest_framework.test import APIClient

from apps.core.openapi import document_error_responses, error_statuses

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def document(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_every_operation_documents_the_shared_errors_as_problem_details(document):
    for path, method, operation in _operations(document):
        responses = operation["responses"]
        expected = {"400", "401", "403", "429", "503"}
        if "{" in path:
            expected.add("404")
        if method != "get":
            expected.add("409")
        assert expected <= set(responses), (method, path, sorted(responses))
        for status in expected:
            assert PROBLEM in responses[status]["content"], (method, path, status)
        assert "Retry-After" in responses["429"]["headers"]
    assert "ProblemDetails" in document["components"]["schemas"]


def test_cursor_lists_document_the_404_of_a_page_beyond_the_end_only_when_paged_by_number(document):
    notes = document["paths"]["/v1/assistances/notes"]["get"]["responses"]
    categories = document["paths"]["/v1/masters/categories"]["get"]["responses"]
    assert "404" not in notes  # an invalid cursor is a 400 (apps.core.pagination.CursorPagination)
    assert "404" in categories  # ?page=999


def test_declared_responses_are_kept():
    result = {
        "paths": {
            "/v1/things/{id}": {
                "patch": {
                    "parameters": [{"in": "header", "name": "If-Match"}],
                    "requestBody": {},
                    "responses": {"404": {"description": "mine"}},
                    "security": [{"cookieAuth": []}],
                }
            }
        }
    }
    responses = document_error_responses(result)["paths"]["/v1/things/{id}"]["patch"]["responses"]
    assert responses["404"] == {"description": "mine"}
    assert {"400", "401", "403", "409", "412", "415", "429", "503"} <= set(responses)


def test_anonymous_operations_do_not_document_authentication_errors():
    assert error_statuses("/v1/open", "get", {"security": [{}]}, []) == {400, 503}


def test_read_only_fields_defaulting_to_none_are_nullable(document):
    schemas = document["components"]["schemas"]
    assert schemas["Event"]["properties"]["city"]["nullable"] is True
    assert schemas["Event"]["properties"]["assigned_operator"]["nullable"] is True
    assert schemas["ProviderLocation"]["properties"]["city_name"]["nullable"] is True
    assert schemas["EventStatusHistory"]["properties"]["from_status"]["nullable"] is True
    assert "nullable" not in schemas["Event"]["properties"]["status"]


def test_email_fields_that_may_be_blank_say_so(document):
    email = document["components"]["schemas"]["Event"]["properties"]["traveller_email"]
    assert {"type": "string", "maxLength": 0} in email["anyOf"]
    assert {"type": "string", "format": "email"} in email["anyOf"]


def test_case_history_and_assignments_are_documented_as_the_results_envelope(document):
    for path in ("/v1/assistances/events/{id}/statuses", "/v1/assistances/events/{id}/providers"):
        ref = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        component = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert component["properties"]["results"]["type"] == "array", path


@pytest.mark.parametrize(("max_digits", "places"), [(10, 3), (14, 4), (3, 3), (4, 0)])
def test_a_positive_decimal_pattern_admits_exactly_what_the_field_accepts(max_digits, places):
    """A field whose minimum is its smallest step refuses every spelling of zero; its pattern says so
    (found by the deep fuzz run on a bill line's quantity)."""
    import re
    from decimal import Decimal

    from hypothesis import given, settings
    from hypothesis import strategies as st
    from rest_framework import serializers

    from apps.core.openapi import _positive

    field = serializers.DecimalField(max_digits=max_digits, decimal_places=places, min_value=Decimal(1).scaleb(-places))
    schema = {"type": "string", "format": "decimal", "pattern": ""}
    _positive(field, schema)
    pattern = re.compile(schema["pattern"])
    for zero in ["0", "0.", ".0", "0.000", "000", "-1"]:
        assert not pattern.match(zero), zero

    @settings(max_examples=300, deadline=None)
    @given(st.from_regex(pattern, fullmatch=True))
    def accepted(text):
        assert field.run_validation(text) > 0

    accepted()
    # And the other way round: what the field accepts (in its own canonical spelling) matches.
    smallest = Decimal(1).scaleb(-places)
    largest = Decimal(10) ** (max_digits - places) - smallest
    for value in [smallest, largest, Decimal(1) if max_digits > places else smallest * 5]:
        assert pattern.match(field.to_representation(value)), value
