"""Bad credentials, generated: whatever arrives in Authorization and x-api-key, the answer is a 401
problem document with one of a few fixed codes and a clean Bearer challenge, never a 500.

Complements the hand-written cases of tests/clients/test_authentication.py (expired, wrong issuer,
alg none, revoked key...) with what a fuzzer sends: arbitrary header text (as WSGI delivers it,
Latin-1), JWT-shaped garbage with random JSON headers and claims, CR/LF injection attempts, and
random API keys next to a valid token.
"""

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.helpers import assert_problem

URL = "/v1/masters/categories"
# What a refused caller may learn: which credential to fix, not which check failed.
REFUSAL_CODES = {
    "not_authenticated",
    "invalid_token",
    "token_expired",
    "invalid_request",
    "api_key_required",
    "invalid_api_key",
}
EXAMPLES = 150


@pytest.fixture(autouse=True)
def unlimited_failures(settings):
    """These runs check how each bad credential is refused; the per-address limit on failures (which
    would answer 429 after the first 20, see tests/clients/test_usage_every_call.py) is lifted."""
    settings.AUTH_FAILURE_BURST = 1_000_000


# Header values as a WSGI server hands them to Django: Latin-1 text.
header_text = st.text(alphabet=st.characters(max_codepoint=255), max_size=300)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
jwt_headers = st.fixed_dictionaries(
    {},
    optional={
        "alg": st.sampled_from(["RS256", "HS256", "none", "ES256", "", "RS512"]) | st.text(max_size=8),
        "kid": st.sampled_from(["kid-a", "../../etc/passwd", "' OR 1=1 --", ""]) | st.text(max_size=40),
        "typ": st.just("JWT"),
        "jku": st.just("http://127.0.0.1:1/jwks.json"),
    },
)
claims = st.dictionaries(
    st.sampled_from(["iss", "exp", "client_id", "token_use", "scope", "sub", "iat", "nbf"]) | st.text(max_size=8),
    json_values,
    max_size=8,
)
jwt_like = st.builds(
    lambda header, payload, signature: ".".join(
        [_b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode()), _b64(signature)]
    ),
    jwt_headers,
    claims,
    st.binary(max_size=300),
)
authorization = st.one_of(
    header_text,
    header_text.map(lambda text: f"Bearer {text}"),
    jwt_like.map(lambda token: f"Bearer {token}"),
    st.tuples(jwt_like, header_text).map(lambda parts: f"Bearer {parts[0]}\r\nX-Injected: {parts[1]}"),
    st.sampled_from(["Bearer", "Bearer ", "bearer  x", "Basic dXNlcjpwYXNz", "Bearer a b", "Bearer \x00"]),
)


def _assert_refused(response) -> None:
    body = assert_problem(response, 401)
    assert body["code"] in REFUSAL_CODES, body
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="api"'), challenge
    assert "\r" not in challenge and "\n" not in challenge
    assert "X-Injected" not in response


@pytest.mark.django_db
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(header=authorization, api_key=st.none() | header_text)
def test_any_authorization_header_is_refused_with_a_401_problem(issuer, header, api_key):
    extra = {"HTTP_AUTHORIZATION": header}
    if api_key is not None:
        extra["HTTP_X_API_KEY"] = api_key
    _assert_refused(APIClient().get(URL, **extra))


@pytest.mark.django_db
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(api_key=header_text)
def test_any_api_key_beside_a_valid_token_is_refused_with_a_401_problem(fuzz_partner, token_for, api_key):
    token = token_for(fuzz_partner)
    _assert_refused(APIClient().get(URL, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_API_KEY=api_key))
