"""The error responses of every API operation, documented once (a drf-spectacular post-processing hook).

Every view shares the same machinery (``apps.core.api``, the authentication and throttle classes,
``apps.core.exceptions``), so every operation can answer the same errors, all as RFC 9457 problem
details (``application/problem+json``):

* 400 - unknown or malformed query parameters (strict everywhere) and invalid bodies;
* 401 / 403 / 429 - where credentials are required: no or bad credentials, missing scope or
  permission, usage plan exceeded (with ``Retry-After``);
* 404 - a path with an identifier, or a page number beyond the last page;
* 409 - writes: a state conflict or an ``Idempotency-Key`` reused with another body;
* 412 - operations that take ``If-Match``;
* 415 - operations with a request body sent in another media type;
* 503 - a dependency (database, token issuer, usage-plan store...) is unavailable (with ``Retry-After``).

Operations keep whatever their views already declare; this only adds what is missing, so the
schema states every status a client can meet and schema-driven clients and fuzzers can rely on it.

``AutoSchema`` (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``) describes two field patterns as they
really answer (both found by fuzzing the API against its schema): a read-only field whose default is
``None`` (``CharField(source="city.name", read_only=True, default=None)``) answers null when the
relation is empty, and an e-mail field that may be blank answers "", which is not an e-mail address.
"""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import RegexValidator
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_COMPONENT = "ProblemDetails"
_PROBLEM_REF = {"$ref": f"#/components/schemas/{PROBLEM_COMPONENT}"}

# The document apps.core.exceptions.problem_body() produces.
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details, the body of every error (`application/problem+json`).",
    "properties": {
        "type": {"type": "string", "description": "URN identifying the problem type."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The request path."},
        "code": {"type": "string", "description": "Machine-readable problem code."},
        "request_id": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {},
            "description": "Field name → messages (nested for nested objects and lists).",
        },
        "error_codes": {
            "type": "object",
            "additionalProperties": {},
            "description": "The same tree as `errors`, each message replaced by its machine-readable code "
            "(`required`, `invalid`, `does_not_exist`, `unknown_code`...).",
        },
        # The one extension member so far: the case opening refused as ``not_covered`` carries the
        # check that refused it, in the shape a case stores it (apps.vouchers.api.serializers).
        "coverage": {
            "allOf": [{"$ref": "#/components/schemas/OpeningCoverage"}],
            "description": "With `not_covered`: the coverage check that refused to open the case.",
        },
    },
    "required": ["type", "title", "status", "detail", "code", "request_id"],
}

DESCRIPTIONS = {
    400: "Invalid request: unknown or malformed query parameters or body (the fields at fault are in `errors`).",
    401: "Authentication required, or the credentials are not valid.",
    403: "Permission denied: the token lacks the scope, or the user the permission.",
    404: "Not found.",
    409: "Conflict with the current state, or an Idempotency-Key reused with another request.",
    412: "Precondition failed: the resource changed since it was read (If-Match).",
    413: "Request too large.",
    415: "Unsupported media type.",
    429: "Too many requests: the API key's rate, burst or monthly quota is used up (see Retry-After).",
    503: "A dependency is unavailable; retry after the number of seconds in Retry-After.",
}

_RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 0},
        "description": "Seconds to wait before retrying.",
    }
}
_WWW_AUTHENTICATE = {
    "WWW-Authenticate": {"schema": {"type": "string"}, "description": "The authentication scheme to use."}
}
HEADERS = {401: _WWW_AUTHENTICATE, 429: _RETRY_AFTER, 503: _RETRY_AFTER}

WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
HTTP_METHODS = WRITE_METHODS | {"get", "head", "options", "trace"}


def _requires_credentials(operation: dict, default_security: list) -> bool:
    security = operation.get("security", default_security)
    # An empty requirement object ({}) means "anonymous allowed".
    return bool(security) and all(requirement for requirement in security)


def _parameter_names(operation: dict, location: str) -> set[str]:
    return {
        param.get("name", "").lower()
        for param in operation.get("parameters", [])
        if isinstance(param, dict) and param.get("in") == location
    }


def error_statuses(path: str, method: str, operation: dict, default_security: list) -> set[int]:
    """The error statuses this operation can answer through the shared API machinery."""
    statuses = {400, 503}
    if _requires_credentials(operation, default_security):
        statuses |= {401, 403, 429}
    if "{" in path or "page" in _parameter_names(operation, "query"):
        statuses.add(404)
    if method in WRITE_METHODS:
        statuses.add(409)
    if "if-match" in _parameter_names(operation, "header"):
        statuses.add(412)
    if "requestBody" in operation:
        statuses.add(415)
    return statuses


def _problem_response(status: int) -> dict:
    response = {"description": DESCRIPTIONS[status], "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}}
    if status in HEADERS:
        response["headers"] = dict(HEADERS[status])
    return response


def problem_responses(*statuses: int) -> dict:
    """``extend_schema(responses=...)`` entries for statuses the hook cannot infer from an operation
    (the 413 of an upload over its size limit); the hook adds the others everywhere."""
    return {
        (status, PROBLEM_MEDIA_TYPE): OpenApiResponse(dict(_PROBLEM_REF), description=DESCRIPTIONS[status])
        for status in statuses
    }


def document_error_responses(result: dict, generator=None, request=None, public=None) -> dict:
    """POSTPROCESSING_HOOKS entry: add the missing problem-details responses to every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(PROBLEM_COMPONENT, PROBLEM_SCHEMA)
    default_security = result.get("security", [])
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(error_statuses(path, method, operation, default_security)):
                responses.setdefault(str(status), _problem_response(status))
            for status, headers in HEADERS.items():
                # Responses a view declared itself get the headers the machinery always sends.
                if isinstance(responses.get(str(status)), dict):
                    present = responses[str(status)].setdefault("headers", {})
                    present.update({name: spec for name, spec in headers.items() if name not in present})
    return result


def _may_be_blank(field: serializers.EmailField) -> bool:
    if field.allow_blank:
        return True
    if not field.read_only:
        return False
    # ModelSerializer drops allow_blank from read-only fields; the model field still says it.
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    try:
        return bool(model._meta.get_field(field.source).blank)
    except (AttributeError, FieldDoesNotExist):  # a dotted source, a property, no model
        return True


_DECIMAL_PATTERN = re.compile(r"^\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$$")


def _require_a_digit(schema: dict) -> None:
    """drf-spectacular's decimal pattern (``^-?\\d{0,3}(?:\\.\\d{0,2})?$``) admits "", "-" and ".", which
    the field refuses: the same pattern, with at least one digit."""
    found = _DECIMAL_PATTERN.match(schema.get("pattern", "")) if schema.get("format") == "decimal" else None
    if found:
        whole, fraction = found.groups()
        if int(whole) == 0:
            schema["pattern"] = rf"^-?\.\d{{1,{fraction}}}$"
        elif int(fraction) == 0:
            schema["pattern"] = rf"^-?\d{{1,{whole}}}$"
        else:
            schema["pattern"] = rf"^-?(?:\d{{1,{whole}}}(?:\.\d{{0,{fraction}}})?|\.\d{{1,{fraction}}})$"


NO_NUL_PATTERN = "^[^\\u0000]*$"
# The same, with at least one character that is not white space: DRF trims text fields, so "  " is blank.
# DRF trims with Python's str.strip(), whose white space also counts \x1c-\x1f and \x85, which a
# JSON Schema \s (ECMA) does not: those are excluded by name, or "\x1f" would pass the schema and be
# refused as blank (the fuzzer found it).
NON_BLANK_PATTERN = "^[^\\u0000]*[^\\s\\u0000\\u001c-\\u001f\\u0085][^\\u0000]*$"


def _no_nul_characters(field, schema: dict, direction: str) -> None:
    """DRF refuses NUL characters in every text field (``ProhibitNullCharactersValidator``) and, where
    blank is refused, white space only (it trims first): say so, unless the field has its own
    pattern (drf-spectacular adds it after this, from the validator)."""
    if any(isinstance(validator, RegexValidator) for validator in getattr(field, "validators", [])):
        return
    if (
        direction == "request"
        and isinstance(field, serializers.CharField)
        and schema.get("type") == "string"
        and "pattern" not in schema
        and "format" not in schema
        and "enum" not in schema
    ):
        blank_when_trimmed = field.trim_whitespace and not field.allow_blank
        schema["pattern"] = NON_BLANK_PATTERN if blank_when_trimmed else NO_NUL_PATTERN


def _non_negative(field, schema: dict) -> None:
    """A decimal that may not be negative (``min_value`` ≥ 0) has no minus sign in its pattern; one on a
    small scale (a rating up to 5) says where the scale ends."""
    min_value = getattr(field, "min_value", None)
    if (
        isinstance(field, serializers.DecimalField)
        and min_value is not None
        and min_value >= 0
        and schema.get("pattern", "").startswith("^-?")
    ):
        schema["pattern"] = "^" + schema["pattern"][3:]
    max_value = getattr(field, "max_value", None)
    places = getattr(field, "decimal_places", None)
    if (
        isinstance(field, serializers.DecimalField)
        and max_value is not None
        and min_value is not None
        and min_value >= 0
        and places
        and max_value == int(max_value)
        and 1 <= max_value <= 9
    ):
        # A small scale (a rating from 0 to 5): digits below the top one with any decimals, or the
        # top one with zeros only.
        top = int(max_value)
        schema["pattern"] = (
            rf"^(?:[0-{top - 1}](?:\.\d{{0,{places}}})?|{top}(?:\.0{{0,{places}}})?|\.\d{{1,{places}}})$"
        )


def _positive(field, schema: dict) -> None:
    """A decimal whose smallest value is its smallest step (a quantity ≥ 0.001 with three places) is
    positive: its pattern needs a digit other than 0, or "0.000" would be schema-valid and refused (the
    fuzzer found it). Leading zeros are free: the field counts significant digits only."""
    min_value = getattr(field, "min_value", None)
    places = getattr(field, "decimal_places", None)
    max_digits = getattr(field, "max_digits", None)
    if (
        not isinstance(field, serializers.DecimalField)
        or schema.get("format") != "decimal"
        or min_value is None
        or places is None
        or max_digits is None
        or not 0 < min_value <= Decimal(1).scaleb(-places)
    ):
        return
    whole = max_digits - places
    forms = []
    if whole:
        fraction = rf"(?:\.\d{{0,{places}}})?" if places else ""
        forms.append(rf"0{{0,{whole}}}[1-9]\d{{0,{whole - 1}}}{fraction}")
    if places:
        nonzero = "|".join(rf"0{{{zeros}}}[1-9]\d{{0,{places - 1 - zeros}}}" for zeros in range(places))
        forms.append(rf"0{{0,{max(whole, 1)}}}\.(?:{nonzero})")
    schema["pattern"] = "^(?:" + "|".join(forms) + ")$"


def _blank_reads_as_null(field, schema: dict, direction: str) -> None:
    """DRF reads "" as null in a relation that may be null (``RelatedField.run_validation``): a
    request may send either (found by fuzzing, an issuance's ``residence_country: ""``)."""
    if not (
        direction == "request"
        and isinstance(field, serializers.RelatedField)
        and field.allow_null
        and schema.get("type") == "string"
    ):
        return
    shape = {key: schema.pop(key) for key in ("type", "format", "pattern", "minLength", "maxLength") if key in schema}
    schema["oneOf"] = [shape, {"type": "string", "maxLength": 0}]


def _file_has_content(field, schema: dict, direction: str) -> None:
    """An uploaded file must have bytes: Django's multipart parser drops an empty part, so the server
    answers "no file was submitted" (found by stateful fuzzing)."""
    if direction == "request" and isinstance(field, serializers.FileField) and not field.allow_empty_file:
        schema.setdefault("minLength", 1)


def _require_items(field, schema: dict) -> None:
    """A list that may not be empty (``allow_empty=False``), or that has bounds (``min_length``,
    ``max_length`` of a list serializer), says so: drf-spectacular leaves them out."""
    if schema.get("type") != "array":
        return
    if getattr(field, "allow_empty", True) is False:
        schema.setdefault("minItems", 1)
    if getattr(field, "min_length", None):
        schema["minItems"] = max(schema.get("minItems", 0), field.min_length)
    if getattr(field, "max_length", None):
        schema.setdefault("maxItems", field.max_length)


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema, with the nullability and blank e-mails the serializers really produce,
    and ``additionalProperties: false`` on the request bodies whose serializers refuse unknown keys."""

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction == "request" and getattr(serializer, "refuses_unknown_fields", False):
            schema["additionalProperties"] = False
        return schema

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        # A field whose default is None answers null when its source is missing (an empty relation).
        if direction == "response" and isinstance(field, serializers.Field) and field.default is None:
            meta["nullable"] = True
        return meta

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(schema, dict):
            _require_items(field, schema)
            _require_a_digit(schema)
            _non_negative(field, schema)
            _positive(field, schema)
            _blank_reads_as_null(field, schema, direction)
            _file_has_content(field, schema, direction)
            _no_nul_characters(field, schema, direction)
        if (
            isinstance(field, serializers.EmailField)
            and isinstance(schema, dict)
            and schema.get("format") == "email"
            and _may_be_blank(field)
        ):
            del schema["type"], schema["format"]
            schema["anyOf"] = [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}]
        return schema


# --- The headers and bounds the shared machinery applies (a second post-processing hook) -----------

# GETs answered with an ETag, where If-None-Match gets a 304: the catalogs (ConditionalGetMixin) and a case.
CONDITIONAL_GETS = re.compile(r"^/v1/(masters/.+|assistances/events/\{id\})$")
# Writes whose answer carries the case's ETag (its version), for the next If-Match.
CASE_WRITES = {
    ("post", "/v1/assistances/events"),
    ("patch", "/v1/assistances/events/{id}"),
    ("post", "/v1/assistances/events/{id}/statuses"),
}
_STRING_HEADER = {"schema": {"type": "string"}}
_ETAG = {"ETag": {**_STRING_HEADER, "description": "The representation's version, for If-None-Match / If-Match."}}
_RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": {"schema": {"type": "integer"}, "description": "Partners: requests allowed this month."},
    "X-RateLimit-Remaining": {"schema": {"type": "integer"}, "description": "Partners: requests left this month."},
    "X-RateLimit-Reset": {"schema": {"type": "integer"}, "description": "Partners: seconds until the quota restarts."},
    "RateLimit-Policy": {**_STRING_HEADER, "description": "Partners: the monthly quota (IETF draft syntax)."},
    "RateLimit": {**_STRING_HEADER, "description": "Partners: what is left of it (IETF draft syntax)."},
}
_REPLAYED = {
    "Idempotent-Replayed": {
        "schema": {"type": "string", "enum": ["true"]},
        "description": "Present when this is the stored answer to an earlier request with the same Idempotency-Key.",
    }
}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Retrying with the same key and body answers the first answer again and changes nothing; "
    "the same key with another body is a 409.",
}
_IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "ETags the client holds (or `*`): 304 when the representation is unchanged.",
}


def _add_headers(response: dict, headers: dict) -> None:
    if isinstance(response, dict):
        response.setdefault("headers", {}).update({k: v for k, v in headers.items() if k not in response["headers"]})


def _bound_query_parameters(operation: dict) -> None:
    for param in operation.get("parameters", []):
        if not isinstance(param, dict) or param.get("in") != "query":
            continue
        schema = param.setdefault("schema", {})
        if param["name"] == "page":
            schema["minimum"] = 1
        elif param["name"] == "page_size":
            # The view's own cap when lower (Cognito's users: 60).
            schema.update(
                minimum=1, maximum=min(schema.get("maximum", settings.API_MAX_PAGE_SIZE), settings.API_MAX_PAGE_SIZE)
            )
        if schema.get("type") == "string" and "enum" not in schema:
            schema.setdefault("minLength", 1)  # an empty value is a 400 (StrictQueryParamsMixin)
            if "pattern" not in schema and "format" not in schema:
                schema["pattern"] = NO_NUL_PATTERN  # django-filter's form fields refuse NUL characters


def _document_operation(path: str, method: str, operation: dict, default_security: list) -> None:
    responses = operation.setdefault("responses", {})
    parameters = operation.setdefault("parameters", [])
    names = {p.get("name", "").lower() for p in parameters if isinstance(p, dict)}
    _bound_query_parameters(operation)
    success = [response for code, response in responses.items() if code.startswith("2")]
    if method == "get" and CONDITIONAL_GETS.match(path):
        if "if-none-match" not in names:
            parameters.append(dict(_IF_NONE_MATCH))
        responses.setdefault("304", {"description": "Not modified: the ETag sent is current.", "headers": _ETAG})
    if (method == "get" and CONDITIONAL_GETS.match(path)) or (method, path) in CASE_WRITES:
        for response in success:
            _add_headers(response, _ETAG)
    if method == "post":
        if "idempotency-key" not in names:
            parameters.append(dict(_IDEMPOTENCY_KEY))
        for response in success:
            _add_headers(response, _REPLAYED)
    if _requires_credentials(operation, default_security):
        for response in [*success, responses.get("429")]:
            _add_headers(response, _RATE_LIMIT_HEADERS)


def _drop_titles(node) -> None:
    """Remove schema ``title``s: they are the models' verbose names, so they change with the language,
    and client generators name types after them (a Spanish schema generated ``...ListTipo``)."""
    if isinstance(node, dict):
        if isinstance(node.get("title"), str):
            del node["title"]
        all_of = node.get("allOf")
        if set(node) == {"allOf"} and len(all_of) == 1 and set(all_of[0]) == {"$ref"}:
            # The wrapper only carried the title: the plain reference, as in a language whose title
            # matched the field name.
            node["$ref"] = node.pop("allOf")[0]["$ref"]
        for value in node.values():
            _drop_titles(value)
    elif isinstance(node, list):
        for value in node:
            _drop_titles(value)


_PATH_PARAMETER = re.compile(r"\{([^}]+)\}")
_NESTED_CREATE = re.compile(r"/\{[^}]+\}/([^/{}]+)$")


def _response_keys(result: dict, response: dict) -> set[str]:
    schema = (response.get("content") or {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = result.get("components", {}).get("schemas", {}).get(schema["$ref"].rsplit("/", 1)[-1], {})
    return set(schema.get("properties", {}))


def _add_links(result: dict) -> None:
    """OpenAPI links from each create to what can be done with what it created, so that clients and
    stateful fuzzers (schemathesis' stateful phase) follow real objects instead of guessing ids.

    A ``POST P`` answering an object with ``id`` (an issuance: ``issuance_id``) links to every
    operation under ``P/{x}``: ``x`` is taken from the answer, the path parameters ``P`` itself has
    from the request (``POST /v1/providers/{provider_pk}/locations`` → ``…/locations/{id}``). A child
    created under its parent but kept at a path of its own links there too.
    """
    paths = result.get("paths", {})
    operation_ids = {
        (path, method): operation["operationId"]
        for path, item in paths.items()
        for method, operation in item.items()
        if method in HTTP_METHODS and isinstance(operation, dict) and "operationId" in operation
    }
    for path, item in paths.items():
        create = item.get("post")
        created = next(
            (create["responses"][code] for code in ("201", "200") if create and code in create["responses"]), None
        )
        if created is None:
            continue
        keys = _response_keys(result, created)
        # Children created under their parent and kept at a path of their own
        # (POST /events/{id}/providers → /events/providers/{id}).
        own_path = _NESTED_CREATE.sub(r"/\1", path)
        for target, target_item in paths.items():
            prefix = next((p for p in (path, own_path) if target.startswith(p + "/{")), None)
            if prefix is None:
                continue
            names = _PATH_PARAMETER.findall(target)
            own = set(_PATH_PARAMETER.findall(prefix))
            new = [name for name in names if name not in own]
            key = new[0] if new and new[0] in keys else "id"
            if len(new) != 1 or key not in keys:
                continue  # a second new parameter (a file of a created consultation) has no source
            links = created.setdefault("links", {})
            for method in target_item:
                if (target, method) not in operation_ids:
                    continue
                parameters = {name: f"$request.path.{name}" for name in names if name in own}
                parameters[new[0]] = f"$response.body#/{key}"
                links[operation_ids[(target, method)]] = {
                    "operationId": operation_ids[(target, method)],
                    "parameters": parameters,
                }


# A view's example values for its query parameters (``extend_schema(extensions={PARAMETER_EXAMPLES: {...}})``):
# moved onto the parameters the serializer or filter set declared, whose bounds stay as they are.
PARAMETER_EXAMPLES = "x-parameter-examples"


def _success_examples(operation: dict) -> list:
    """The example values of an operation's success answers (JSON)."""
    found = []
    for code, response in operation.get("responses", {}).items():
        content = (response.get("content") or {}).get("application/json", {}) if code.startswith("2") else {}
        found += [example["value"] for example in content.get("examples", {}).values() if "value" in example]
        if "example" in content:
            found.append(content["example"])
    return [value for value in found if isinstance(value, dict)]


def _same_template(one: str, other: str) -> bool:
    """Paths that differ only in their parameters' names (``/providers/{id}``, ``/providers/{provider_pk}``)."""
    return _PATH_PARAMETER.sub("{}", one) == _PATH_PARAMETER.sub("{}", other)


def _path_example(paths: dict, path: str, name: str):
    """The example value of the path parameter ``name``: the identifier of the object the read of the
    path up to that parameter answers in its example (``/providers/{provider_pk}/locations`` takes the
    ``id`` of ``GET /providers/{id}``'s example), or, for a child listed in its parent (a consultation's
    ``files``, an issuance's ``documents``), the first one the parent's example lists."""
    segments = path.split("/")
    end = segments.index("{" + name + "}")
    prefix = "/".join(segments[: end + 1])
    for read_path, item in paths.items():
        if not _same_template(read_path, prefix) or "get" not in item:
            continue
        key = _PATH_PARAMETER.findall(read_path)[-1]
        for example in _success_examples(item["get"]):
            # A child under its case (``…/guarantees/{gid}``) names its own ``id`` differently.
            for field in (key, "id"):
                if field in example:
                    return example[field]
    parent = "/".join(segments[: end - 1])
    for read_path, item in paths.items():
        if not _same_template(read_path, parent) or "get" not in item:
            continue
        for example in _success_examples(item["get"]):
            children = example.get(segments[end - 1])
            if isinstance(children, list) and children and isinstance(children[0], dict):
                # Children named by their own key (a bill's lines by ``position``), else by ``id``.
                for field in (name, "id"):
                    if field in children[0]:
                        return children[0][field]
    return None


def _add_parameter_examples(result: dict) -> None:
    """An example for every path parameter (taken from the examples of the objects they name), for the
    query parameters a view gives values for, and for ``page_size``: every operation then has a
    request example, which documentation shows and schemathesis' examples phase sends."""
    paths = result.get("paths", {})
    for path, item in paths.items():
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            given = operation.pop(PARAMETER_EXAMPLES, {})
            for param in operation.get("parameters", []):
                if not isinstance(param, dict) or "example" in param or "examples" in param:
                    continue
                name, location = param.get("name"), param.get("in")
                value = None
                if location == "path":
                    value = _path_example(paths, path, name)
                    if value is None and param.get("schema", {}).get("enum"):
                        value = param["schema"]["enum"][0]  # a choice of format: the first
                elif location == "query" and name in given:
                    value = given[name]
                elif location == "query" and name == "page_size":
                    value = min(settings.REST_FRAMEWORK["PAGE_SIZE"], param.get("schema", {}).get("maximum", 1))
                if value is not None:
                    param["example"] = value


def document_contract(result: dict, generator=None, request=None, public=None) -> dict:
    """POSTPROCESSING_HOOKS entry: conditional requests, idempotency, usage-plan headers and parameter bounds,
    links from creates to what they created, and a schema whose structure is the same in every language
    (descriptions aside)."""
    _drop_titles(result.get("paths", {}))
    _drop_titles(result.get("components", {}))
    default_security = result.get("security", [])
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                _document_operation(path, method, operation, default_security)
    _add_links(result)
    _add_parameter_examples(result)
    cookie = result.get("components", {}).get("securitySchemes", {}).get("cookieAuth")
    if cookie is not None:
        cookie.setdefault(
            "description",
            "Operators in a browser: the session cookie of the admin (sign in at /admin/ through Cognito). "
            "Writes also send the `csrftoken` cookie's value in the `X-CSRFToken` header.",
        )
    return result
