import io
import json
import logging

import pytest

from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db


def test_request_id_is_generated_and_echoed(client):
    response = client.get("/health/live")
    assert len(response["X-Request-ID"]) == 32


def test_caller_request_id_is_kept(client):
    response = client.get("/v1/masters/categories", HTTP_X_REQUEST_ID="partner-abc.123")
    assert response["X-Request-ID"] == "partner-abc.123"
    assert response.json()["request_id"] == "partner-abc.123"


@pytest.mark.parametrize("bad", ["has space", "x" * 200, "inject\r\nSet-Cookie: a=b", "ünï"])
def test_unsafe_request_id_is_replaced(client, bad):
    response = client.get("/health/live", HTTP_X_REQUEST_ID=bad)
    assert response["X-Request-ID"] != bad
    assert len(response["X-Request-ID"]) == 32


@pytest.fixture
def log_output():
    """The configured console handler (JSON formatter + request-id filter), writing to a buffer."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def _records(buffer) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_log_lines_are_json_with_the_request_id(client, log_output):
    # A 401 makes django.request log a warning, after the middleware has returned.
    client.get("/v1/masters/categories", HTTP_X_REQUEST_ID="trace-me-42")
    records = _records(log_output)
    assert any(r["request_id"] == "trace-me-42" and r["level"] == "WARNING" for r in records), records
    assert all(r["time"].endswith("+00:00") for r in records)


def test_logger_outside_request_uses_dash(log_output):
    logging.getLogger("apps.test").warning("hello")
    record = _records(log_output)[-1]
    assert record["request_id"] == "-"
    assert record["message"] == "hello"
    assert record["logger"] == "apps.test"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/v1/masters/categories", "/v1/masters/countries/ES", "/v1/vouchers"])
def test_api_paths_answer_the_same_with_a_trailing_slash(operator_client, path):
    country("ES")
    plain = operator_client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    slashed = operator_client.get(path + "/", HTTP_ACCEPT_LANGUAGE="en")
    assert plain.status_code == slashed.status_code
    assert plain.json() == slashed.json()


@pytest.mark.django_db
def test_a_write_with_a_trailing_slash_reaches_the_route(operator_client):
    response = operator_client.post("/v1/assistances/notes/", {"event": 999999, "body": "x"}, format="json")
    assert response.status_code == 400  # the view answered (unknown case), not a 404 for the path
    assert list(response.json()["errors"]) == ["event"]


@pytest.mark.django_db
def test_routes_with_their_own_slash_and_unknown_paths_are_unchanged(client, operator_client):
    assert client.get("/v1/schema/").status_code == 200
    assert operator_client.get("/v1/no-such-thing/").status_code == 404
