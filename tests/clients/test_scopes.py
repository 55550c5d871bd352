"""Scopes on every API route: reads need <server>/read, writes <server>/write, whatever the view's own
permission classes; without credentials every route but the schema is refused."""

import re

import pytest
import yaml
from django.urls import URLResolver, get_resolver, resolve
from rest_framework.test import APIClient

from apps.clients.permissions import TokenScopePermission
from tests.clients.factories import make_partner
from tests.clients.support import KOM_READ, KOM_WRITE, READ, WRITE
from tests.helpers import assert_problem
from tests.providers.factories import PaymentMethodFactory, ProviderFactory
from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db

PUBLIC = {"v1/schema/", "v1/docs/"}
_SAMPLE = {"int": "1", "code": "X1", "iso2": "AR", "str": "x"}
_HANDLERS = ("get", "post", "put", "patch", "delete")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def _methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:
        return sorted(actions)
    cls = callback.cls
    return [m for m in _HANDLERS if m in cls.http_method_names and hasattr(cls, m)]


def api_operations() -> list[tuple[str, str]]:
    """(path, method) of every operation under /v1/, with sample values in the path."""
    operations = []
    for route, callback in _walk(get_resolver().url_patterns):
        if not route.startswith("v1/") or route in PUBLIC:
            continue
        path = "/" + re.sub(r"<(\w+):\w+>", lambda m: _SAMPLE[m.group(1)], route)
        assert resolve(path).func is callback, path
        operations.extend((path, method) for method in _methods(callback))
    return operations


OPERATIONS = api_operations()


def _client(partner, token_for, scopes) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(partner, scopes=scopes)}", HTTP_X_API_KEY=partner.key)
    return api


@pytest.fixture
def busy_partner(db):
    # A generous usage plan: this test sends many admitted requests with one key.
    return make_partner(source="KOM", scopes=[READ, WRITE, KOM_READ, KOM_WRITE], burst=10_000, rate_per_second=1000)


def test_every_api_operation_is_listed():
    methods = {m for _, m in OPERATIONS}
    assert len(OPERATIONS) > 60 and methods == {"get", "post", "patch", "delete"}


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_each_operation_needs_the_scope_of_its_kind(busy_partner, token_for, path, method):
    reads = method == "get"
    wrong = [KOM_WRITE, WRITE] if reads else [READ, KOM_READ]
    body = assert_problem(getattr(_client(busy_partner, token_for, wrong), method)(path, {}, format="json"), 403)
    # Views replacing the default permission classes refuse through their model permissions, which
    # for a partner mean its scopes (see ApiClientPrincipal.has_perm): a 403 all the same.
    classes = resolve(path).func.cls.permission_classes
    own_classes = not any(issubclass(p, TokenScopePermission) for p in classes)
    # Operators-only resources (drafts, the user list) refuse every partner before looking at scopes.
    operators_only = body["code"] == "operators_only"
    assert (
        body["code"] == "insufficient_scope" or operators_only or (own_classes and body["code"] == "permission_denied")
    )

    # Either resource server's scope of the right kind gets past the scope check.
    for right in ([READ], [KOM_READ]) if reads else ([WRITE], [KOM_WRITE]):
        response = getattr(_client(busy_partner, token_for, right), method)(path, {}, format="json")
        assert response.status_code < 500, response.content
        if response.status_code == 403:
            assert response.json()["code"] != "insufficient_scope"

    anonymous = getattr(APIClient(), method)(path, {}, format="json")
    assert_problem(anonymous, 401)


def test_a_missing_scope_names_the_scopes_that_would_do(kom, token_for):
    response = _client(kom, token_for, [READ]).post("/v1/assistances/events", {}, format="json")
    assert_problem(response, 403, "insufficient_scope")
    challenge = response["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="assistences-services/write kom-services/write"' in challenge


def test_head_and_options_are_reads(kom, token_for):
    write_only = _client(kom, token_for, [WRITE])
    assert_problem(write_only.options("/v1/masters/categories"), 403, "insufficient_scope")
    assert write_only.head("/v1/masters/categories").status_code == 403
    read_only = _client(kom, token_for, [READ])
    assert read_only.options("/v1/masters/categories").status_code == 200
    assert read_only.head("/v1/masters/categories").status_code == 200


def test_views_with_their_own_permission_classes_enforce_scopes(kom, mok, token_for):
    """The MOK issuance intake and voucher transitions replace the default permission classes."""
    read_only = _client(mok, token_for, [READ])
    assert_problem(read_only.post("/v1/issuance-mok", {}, format="json"), 403, "insufficient_scope")
    assert_problem(read_only.post("/v1/vouchers/1/statuses", {}, format="json"), 403, "insufficient_scope")
    writer = _client(mok, token_for, [WRITE])
    assert_problem(writer.post("/v1/issuance-mok", {}, format="json"), 400)


def test_partners_write_only_where_their_work_is(kom, mok, token_for):
    """Least privilege: partners open cases, notes and consultations; the rest is the operators' work."""
    kom_writer, mok_writer = _client(kom, token_for, [WRITE]), _client(mok, token_for, [WRITE])
    refused = "partner_write_not_allowed"
    assert_problem(kom_writer.post("/v1/issuance-mok", {}, format="json"), 403, refused)  # MOK's feed only
    for api in (kom_writer, mok_writer):
        assert_problem(api.post("/v1/vouchers/999999/statuses", {"status": "X"}, format="json"), 403, refused)
        assert_problem(api.post("/v1/providers", {}, format="json"), 403, refused)
        assert_problem(api.post("/v1/assistances/events/1/statuses", {}, format="json"), 403, refused)
        assert_problem(api.post("/v1/assistances/events/1/providers", {}, format="json"), 403, refused)
        # ...but cases, notes and consultations are theirs to write (here: refused for bad input only).
        assert_problem(api.post("/v1/assistances/events", {}, format="json"), 400)
        assert_problem(api.post("/v1/assistances/notes", {}, format="json"), 400)
        assert_problem(api.post("/v1/assistances/phone-consultations", {}, format="json"), 400)


def test_catalogs_and_provider_search_are_readable_by_any_client_with_read(kom, mok, token_for):
    for partner in (kom, mok):
        for scopes in ([READ], [KOM_READ]):
            api = _client(partner, token_for, scopes)
            assert api.get("/v1/masters/categories").status_code == 200
            assert api.get("/v1/masters/countries").status_code == 200
            search = api.get("/v1/providers/searchs", {"lat": -34.6, "lng": -58.38, "radius_km": 50})
            assert search.status_code in (200, 400), search.content
            assert search.status_code == 200 or "insufficient_scope" not in search.content.decode()


def test_bank_data_stays_masked_for_partners(kom, token_for):
    method = PaymentMethodFactory(provider=ProviderFactory(country=country("ES")))
    rows = _client(kom, token_for, [READ]).get(f"/v1/providers/{method.provider_id}/paymentmethods").json()["results"]
    assert rows and all(row["masked"] for row in rows)


def test_drafts_are_for_operators_only(kom, token_for, operator_client):
    api = _client(kom, token_for, [READ, WRITE])
    assert_problem(api.get("/v1/assistances/events/draft"), 403, "operators_only")
    assert_problem(api.post("/v1/assistances/events/draft", {"data": {}}, format="json"), 403, "operators_only")
    assert_problem(api.post("/v1/assistances/events/draft/1/promote", {}, format="json"), 403, "operators_only")
    assert operator_client.get("/v1/assistances/events/draft").status_code == 200


def test_the_schema_describes_the_partner_credentials(client):
    schema = yaml.safe_load(client.get("/v1/schema/").content)
    schemes = schema["components"]["securitySchemes"]
    assert schemes["cognitoAccessToken"]["scheme"] == "bearer"
    assert schemes["apiKey"] == {**schemes["apiKey"], "type": "apiKey", "in": "header", "name": "x-api-key"}
    security = schema["paths"]["/v1/assistances/events"]["get"]["security"]
    assert {"cognitoAccessToken": [], "apiKey": []} in security


@pytest.mark.parametrize("path", ["/v1/assistances/events", "/v1/masters/categories", "/v1/providers"])
def test_the_browsable_api_renders_for_a_partner(kom, token_for, path):
    """Local and test settings keep DRF's HTML renderer; a partner asking for HTML must not crash it."""
    for scopes in ([READ], [READ, WRITE]):
        response = _client(kom, token_for, scopes).get(path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, response.content[:500]
        assert "API client KOM partner" in response.content.decode()
