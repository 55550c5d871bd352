"""Classes of hostile input the generated fuzzing rarely reaches, sent to every operation of the schema.

For each operation (enumerated from /v1/schema/, so new ones are covered): a JSON body over the size
limit, JSON nested thousands of levels deep, and, for every date-time query parameter, values that
parse but fall outside what UTC can hold. Each answer must be a 4xx problem document (a refusal
before the body is read is fine too) and nothing may be logged at ERROR. As a partner and as an
administrator's session, since they take different paths through the views.
"""

import logging

import pytest
from rest_framework.test import APIClient

from tests.fuzz.test_schema_fuzz import SCHEMA_PATH, _operations, _path_value

pytestmark = pytest.mark.django_db

HUGE_BODY = '{"x": "' + "x" * (6 * 1024 * 1024) + '"}'
DEEP_BODY = "[" * 5000 + "]" * 5000
OUT_OF_RANGE = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


def _requests(document: dict):
    for path, method, operation in _operations(document):
        url = path
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                url = url.replace("{" + parameter["name"] + "}", _path_value(parameter))
        if "requestBody" in operation and "application/json" in operation["requestBody"].get("content", {}):
            yield method, url, {}, HUGE_BODY
            yield method, url, {}, DEEP_BODY
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and parameter.get("schema", {}).get("format") == "date-time":
                for value in OUT_OF_RANGE:
                    yield method, url, {parameter["name"]: value}, None


@pytest.fixture
def callers(fuzz_headers, admin_user):
    partner = APIClient()
    partner.credentials(HTTP_AUTHORIZATION=fuzz_headers["Authorization"], HTTP_X_API_KEY=fuzz_headers["x-api-key"])
    operator = APIClient()
    operator.force_login(admin_user)
    return {"partner": partner, "administrator": operator}


def test_hostile_input_is_a_4xx_on_every_operation(callers, caplog):
    caplog.set_level(logging.ERROR)
    document = APIClient().get(SCHEMA_PATH, HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    sent, failures = 0, []
    for who, api in callers.items():
        for method, url, query, body in _requests(document):
            if body is None:
                response = getattr(api, method)(url, query)
            else:
                response = api.generic(method.upper(), url, body, content_type="application/json")
            sent += 1
            kind = {HUGE_BODY: "huge", DEEP_BODY: "deep"}.get(body, "-")
            label = f"{who} {method.upper()} {url} {query or ''} body={kind}"
            if not 400 <= response.status_code < 500:
                failures.append(f"{label}: {response.status_code}")
            elif "problem+json" not in response["Content-Type"]:
                failures.append(f"{label}: {response['Content-Type']}")
    assert not failures, "\n".join(failures)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert sent > 80
