"""Bad input is a 4xx problem document, never a 500, and logs no traceback at ERROR."""

import logging

import pytest

from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

NOTES = "/v1/assistances/notes"


@pytest.fixture
def no_errors_logged(caplog):
    caplog.set_level(logging.WARNING)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


def test_a_body_over_the_limit_is_413(operator_client, no_errors_logged):
    body = '{"event": 1, "body": "' + "x" * (6 * 1024 * 1024) + '"}'
    response = operator_client.generic("POST", NOTES, body, content_type="application/json")
    problem = assert_problem(response, 413, "request_too_large")
    assert "5" in problem["detail"]  # names the limit (5 MB)


def test_deeply_nested_json_is_400(operator_client, no_errors_logged):
    response = operator_client.generic("POST", NOTES, "[" * 5000 + "]" * 5000, content_type="application/json")
    assert_problem(response, 400, "parse_error")


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/v1/assistances/events", "opened_after"),
        ("/v1/assistances/events", "opened_before"),
        ("/v1/assistances/phone-consultations", "started_after"),
    ],
)
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_datetime_out_of_range_is_400_naming_the_parameter(operator_client, no_errors_logged, path, param, value):
    body = assert_problem(operator_client.get(path, {param: value}), 400)
    assert list(body["errors"]) == [param]


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_datetime_out_of_range_in_a_body_is_400_naming_the_field(operator_client, no_errors_logged, value):
    call = {
        "caller_name": "Ana",
        "phone_number": "+54 11 5555-0000",
        "direction": "inbound",
        "outcome": "resolved",
        "reason": "r",
        "started_at": value,
    }
    body = assert_problem(operator_client.post("/v1/assistances/phone-consultations", call, format="json"), 400)
    assert list(body["errors"]) == ["started_at"]
