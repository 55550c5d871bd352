"""Every operation of the served schema carries examples, and every example is valid against the schema
it is attached to: the documentation and schemathesis' examples phase then work with real data.

Requests with a body have an example on each of their media types; each success response with a body
(not 204 or 304) has one on each of its media types. Examples are validated with ``jsonschema`` against
the OpenAPI 3.0 schema turned into JSON Schema (``nullable``), with the component references resolved,
the formats the API uses checked, and no read-only field in a request nor write-only field in a
response. The values are data, so they are the same in Spanish and English.
"""

import datetime
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from jsonschema import Draft4Validator, FormatChecker, ValidationError, validators
from rest_framework.test import APIClient

LANGUAGES = ("es", "en")
METHODS = ("get", "post", "put", "patch", "delete")
NO_BODY = {"204", "304"}


@pytest.fixture(scope="module")
def documents(django_db_setup, django_db_blocker) -> dict[str, dict]:
    with django_db_blocker.unblock():
        api = APIClient()
        return {
            language: api.get(
                "/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json", HTTP_ACCEPT_LANGUAGE=language
            ).json()
            for language in LANGUAGES
        }


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _examples(holder: dict) -> dict[str, object]:
    """The example values of a media type or parameter object, by name (``example`` as "example")."""
    found = {name: example["value"] for name, example in holder.get("examples", {}).items() if "value" in example}
    if "example" in holder:
        found["example"] = holder["example"]
    return found


def _attached(document: dict):
    """(where, direction, schema, examples) for every request body, success response and parameter."""
    for path, method, operation in _operations(document):
        where = f"{method.upper()} {path}"
        body = operation.get("requestBody", {}).get("content", {})
        for media_type, content in body.items():
            yield f"{where} request {media_type}", "request", content.get("schema", {}), _examples(content)
        for status, response in operation["responses"].items():
            if not status.startswith("2") or status in NO_BODY:
                continue
            for media_type, content in response.get("content", {}).items():
                yield f"{where} {status} {media_type}", "response", content.get("schema", {}), _examples(content)
        for parameter in operation.get("parameters", []):
            examples = _examples(parameter)
            if examples:
                yield f"{where} parameter {parameter['name']}", "request", parameter.get("schema", {}), examples


# --- OpenAPI 3.0 schema objects as JSON Schema (draft 4, which 3.0 extends) --------------------------


def _json_schema(node):
    """``nullable: true`` becomes a null type (or an alternative, around references and compositions)."""
    if not isinstance(node, dict):
        return node
    converted = dict(node)
    if isinstance(node.get("properties"), dict):
        converted["properties"] = {name: _json_schema(child) for name, child in node["properties"].items()}
    for key in ("items", "additionalProperties", "not"):
        if isinstance(node.get(key), dict):
            converted[key] = _json_schema(node[key])
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(node.get(key), list):
            converted[key] = [_json_schema(child) for child in node[key]]
    if converted.pop("nullable", False):
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
            if "enum" in converted and None not in converted["enum"]:
                converted["enum"] = [*converted["enum"], None]
        else:
            converted = {"anyOf": [{"type": "null"}, converted]}
    return converted


def _components(document: dict) -> dict:
    schemas = document.get("components", {}).get("schemas", {})
    return {"schemas": {name: _json_schema(schema) for name, schema in schemas.items()}}


def _date(value: str) -> bool:
    return len(value) == 10 and bool(datetime.date.fromisoformat(value))


def _date_time(value: str) -> bool:
    parsed = datetime.datetime.fromisoformat(value)
    return "T" in value and parsed.tzinfo is not None  # the API always answers with an offset


def _email(value: str) -> bool:
    try:
        validate_email(value)
    except DjangoValidationError:
        return False
    return True


def _uri(value: str) -> bool:
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


def _strings_only(check):
    # A format says nothing about other types (null, say): as in JSON Schema, only strings are checked.
    return lambda value: not isinstance(value, str) or check(value)


# Checked here rather than by jsonschema's defaults, which skip date-time and uri without optional packages.
FORMATS = FormatChecker(formats=())
for _name, _check in {"date": _date, "date-time": _date_time, "email": _email, "uri": _uri}.items():
    FORMATS.checks(_name, raises=ValueError)(_strings_only(_check))


def _refuse(keyword: str):
    def check(validator, value, instance, schema):
        if value:
            yield ValidationError(f"a {keyword} field has no place here")

    return check


# A request example must not carry what the server only answers, nor a response what it only accepts.
VALIDATORS = {
    "request": validators.extend(Draft4Validator, {"readOnly": _refuse("readOnly")}),
    "response": validators.extend(Draft4Validator, {"writeOnly": _refuse("writeOnly")}),
}


def _errors(value, schema: dict, components: dict, direction: str) -> list[str]:
    # The component references ("#/components/schemas/...") resolve against this document's root.
    root = {"allOf": [_json_schema(schema)], "components": components}
    validator = VALIDATORS[direction](root, format_checker=FORMATS)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message}"
        for error in validator.iter_errors(value)
    ]


# --- the tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_request_body_and_success_response_has_an_example(documents, language):
    document = documents[language]
    missing = []
    operations = 0
    for path, method, operation in _operations(document):
        operations += 1
        where = f"{method.upper()} {path}"
        for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
            if not _examples(content):
                missing.append(f"{where}: request {media_type}")
        successes = {status: r for status, r in operation["responses"].items() if status.startswith("2")}
        assert successes, f"{where}: no success response"
        for status, response in successes.items():
            if status in NO_BODY:
                continue
            assert response.get("content"), f"{where}: {status} documents no body"
            for media_type, content in response["content"].items():
                if not _examples(content):
                    missing.append(f"{where}: {status} {media_type}")
    assert operations >= 60  # the whole API, not a fragment of it
    assert not missing, "operations without an example:\n" + "\n".join(missing)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_operation_has_a_request_example(documents, language):
    """A body example, or example values of its parameters: every path parameter has one (taken from
    the example of the object it names), and a list at least its page size. Without one, schemathesis'
    examples phase skips the operation ("No examples in schema") and the documentation shows no call."""
    document = documents[language]
    missing = []
    for path, method, operation in _operations(document):
        where = f"{method.upper()} {path}"
        parameters = [p for p in operation.get("parameters", []) if p["in"] in ("path", "query")]
        missing += [
            f"{where}: path parameter {p['name']}" for p in parameters if p["in"] == "path" and not _examples(p)
        ]
        has_body_example = any(
            _examples(content) for content in operation.get("requestBody", {}).get("content", {}).values()
        )
        if not has_body_example and not any(_examples(p) for p in parameters):
            missing.append(f"{where}: no request example")
    # A temporary switch's id is in no answer of the API, so no example can show where it comes from.
    allowed = {"POST /v1/assistances/events/{id}/statuses/switches/{switch_pk}/cancel: path parameter switch_pk"}
    assert set(missing) <= allowed, "operations without a request example:\n" + "\n".join(
        sorted(set(missing) - allowed)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_example_is_valid_against_its_schema(documents, language):
    document = documents[language]
    components = _components(document)
    invalid = []
    checked = 0
    for where, direction, schema, examples in _attached(document):
        for name, value in examples.items():
            checked += 1
            invalid += [f"{where} [{name}] {error}" for error in _errors(value, schema, components, direction)]
    assert checked >= 80  # every operation has some (see above); this is not an empty walk
    assert not invalid, "examples that do not match their schema:\n" + "\n".join(invalid)


def test_the_example_values_are_the_same_in_every_language(documents):
    def values(document: dict) -> dict:
        return {(where, name): value for where, _, _, found in _attached(document) for name, value in found.items()}

    assert values(documents["es"]) == values(documents["en"])


# --- the validation itself can fail -----------------------------------------------------------------

_COMPONENTS = {
    "schemas": {
        "Thing": {
            "type": "object",
            "properties": {
                "id": {"type": "integer", "readOnly": True},
                "when": {"type": "string", "format": "date-time", "nullable": True},
                "status": {"allOf": [{"$ref": "#/components/schemas/StatusEnum"}], "nullable": True},
                "secret": {"type": "string", "writeOnly": True},
            },
            "required": ["when"],
            "additionalProperties": False,
        },
        "StatusEnum": {"enum": ["open", "closed"], "type": "string"},
    }
}
_THING = {"$ref": "#/components/schemas/Thing"}


@pytest.mark.parametrize(
    ("value", "direction", "valid"),
    [
        ({"when": "2026-03-14T09:20:05-03:00", "status": "open"}, "request", True),
        ({"when": None, "status": None}, "request", True),
        ({"when": "2026-03-14 09:20"}, "request", False),  # not RFC 3339
        ({"when": "2026-03-14T09:20:05"}, "request", False),  # no offset
        ({"when": None, "status": "pending"}, "request", False),  # not in the enum
        ({"when": None, "other": 1}, "request", False),  # additionalProperties: false
        ({"status": "open"}, "request", False),  # required
        ({"id": 1, "when": None}, "request", False),  # read-only in a request
        ({"id": 1, "when": None}, "response", True),
        ({"when": None, "secret": "x"}, "response", False),  # write-only in a response
    ],
)
def test_the_validation_applies_types_formats_references_and_directions(value, direction, valid):
    components = {"schemas": {name: _json_schema(s) for name, s in _COMPONENTS["schemas"].items()}}
    errors = _errors(value, _THING, components, direction)
    assert (not errors) == valid, errors
