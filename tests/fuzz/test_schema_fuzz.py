"""Schemathesis against the project's own OpenAPI schema (/v1/schema/), served by the app in process.

Twice: with a valid token and API key of partner KOM (every scope, a usage plan too large to
throttle), and as an administrator's browser session (which may also write providers...), every
operation of the schema is called with generated requests, valid and invalid (``mode=all``), in the
examples, coverage (boundary values of every parameter) and fuzzing phases, with every check
schemathesis has: no 5xx, a status, media type, body and headers the schema documents, and what the
schema admits is what the server accepts (the few refusals that depend on data rather than shape
are told apart in ``tests/fuzz/hooks.py``). Path identifiers are sometimes replaced by those of rows
made here, so detail pages and updates are reached, not only their 404s. The issuance and voucher
operations run a third time as partner MOK, the only one allowed to send issuances.

Then statefully, for both identities: sequences of calls that follow the schema's links (create a
case, then read, update and move it...), so the objects a call created are the ones the next uses.

Without credentials every operation of the schema must be refused with 401; only the schema itself
and the health checks are open.

``FUZZ_EXAMPLES`` (default 10 per operation), ``FUZZ_STATEFUL_EXAMPLES`` (default 12 scenarios),
``FUZZ_SEED`` and ``FUZZ_COVERAGE=0`` tune the run (``make fuzz`` goes deeper); it is deterministic.
"""

import datetime
import uuid
from decimal import Decimal

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from apps.assistances.services import event_provider_assign, note_create
from apps.claims.bills import bill_create
from apps.claims.bordereau import bordereau_generate
from apps.claims.services import reserve_open
from apps.guarantees.services import guarantee_create, guarantee_issue
from apps.masters.models import Category, City, EventProviderStatus, EventStatus, VoucherStatus
from tests.assistances.factories import covered_case
from tests.consultations.factories import ConsultationFileFactory, PhoneConsultationFactory
from tests.fuzz import hooks  # noqa: F401  (registers the failure filter)
from tests.fuzz.report import CALLS, FUZZ_COVERAGE, FUZZ_EXAMPLES, FUZZ_SEED, FUZZ_STATEFUL_EXAMPLES
from tests.helpers import assert_problem
from tests.providers.factories import LocationFactory, PaymentMethodFactory, ProviderFactory
from tests.vouchers.factories import country

SCHEMA_PATH = "/v1/schema/"
# Every check schemathesis has: the answers match the schema, and what the schema admits is what the
# server accepts (a schema-valid request refused or an invalid one accepted is a finding). Refusals
# that depend on data rather than shape are told apart in tests/fuzz/hooks.py.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
]


def _fuzz_config() -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": FUZZ_SEED,
            "generation": {
                "mode": "all",
                "max-examples": FUZZ_EXAMPLES,
                "deterministic": True,
                "database": "none",
                # The credentials are the fixture's; generated ones would only test the 401 path.
                "with-security-parameters": False,
            },
            "phases": {"coverage": {"enabled": FUZZ_COVERAGE}, "stateful": {"enabled": True}},
            # The same expectations as schemathesis.toml (the CLI's): a stale If-Match is a 412 by design.
            "checks": {
                "negative_data_rejection": {
                    "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429]
                },
                "positive_data_acceptance": {"expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 412, 429]},
            },
        }
    )


# Loaded at collection, from the app itself (its URLconf and views, through WSGI in this process):
# one test per operation. Requests go through the same WSGI application, in the test's transaction.
schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, get_wsgi_application(), config=_fuzz_config())

# Path values that reach rows made by the `known_rows` fixture, by operation path prefix.
KNOWN: dict[str, dict[str, list]] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    # Half of the time, identifiers of existing rows: detail pages and updates then answer 200 and
    # their bodies are checked too (random integers would almost only find 404s).
    path = context.operation.path
    values = next((found for prefix, found in KNOWN.items() if path.startswith(prefix)), None)
    if not values or not path_parameters:
        return st.just(path_parameters)
    replaced = dict(path_parameters)
    for name in path_parameters:
        if values.get(name):
            replaced[name] = values[name][0]
    return st.sampled_from([path_parameters, replaced])


@schema.hook
def after_call(context, case, response):
    code = ""
    if response.status_code >= 400 and "problem+json" in (response.headers.get("content-type") or [""])[0]:
        code = response.json().get("code", "")
    CALLS[(case.operation.label, case.method.upper(), response.status_code, code)] += 1


@pytest.fixture
def wsgi_in_test_transaction(db):
    """The WSGI handler closes the database connection around each request; the test's transaction
    lives on that connection, so, as Django's own test client does, not during the test."""
    handlers = (signals.request_started, signals.request_finished)
    for signal in handlers:
        signal.disconnect(close_old_connections)
    yield
    for signal in handlers:
        signal.connect(close_old_connections)


@pytest.fixture
def known_rows(db):
    """Rows of each resource; their identifiers are offered to the fuzzer (see the hook above)."""
    event = covered_case(source="KOM")
    note = note_create(event=event, body="Shared with the partner.", visibility="shared")
    location = LocationFactory(provider=ProviderFactory(country=country("ES")))
    provider = location.provider
    payment = PaymentMethodFactory(provider=provider)
    consultation = PhoneConsultationFactory()
    file = ConsultationFileFactory(consultation=consultation)
    city = City.objects.select_related("country").first()
    clinic = ProviderFactory(country=country("ES"), assistances=[event.assistance])
    assignment = event_provider_assign(event=event, provider=clinic, currency="USD")
    draft = guarantee_create(assignment=assignment, data={"amount": Decimal("900"), "covered_services": "ER"})
    waiting = guarantee_issue(  # no operator: no authority, so it waits for approval
        guarantee=guarantee_create(assignment=assignment, data={"amount": Decimal("400"), "covered_services": "ER"})
    )
    bill = bill_create(
        assignment=assignment,
        data={"invoice_number": "FZ-1", "invoice_date": datetime.date(2026, 1, 5)},
        lines=[{"description": "ER", "unit_price": Decimal("300")}, {"description": "MRI", "unit_price": Decimal("9")}],
    )
    reserve_open(event=event)  # the month's bordereau of KOM lists the case
    bordereau = bordereau_generate(source_code="KOM", month=timezone.localdate())
    KNOWN.clear()
    KNOWN.update(
        {
            "/v1/assistances/bordereaux/{id}": {"id": [bordereau.pk], "file_format": ["csv", "xlsx"]},
            # Before the case's own prefix: the first prefix that matches is used.
            "/v1/assistances/events/{id}/bills": {"id": [event.pk], "bid": [bill.pk], "position": [1, 2]},
            "/v1/assistances/events/{id}/guarantees": {"id": [event.pk], "gid": [waiting.pk, draft.pk]},
            "/v1/assistances/events/{id}": {"id": [event.pk]},
            "/v1/assistances/notes/{id}": {"id": [note.pk]},
            "/v1/assistances/phone-consultations/{id}": {"id": [consultation.pk], "file_id": [file.pk]},
            "/v1/providers/{id}": {"id": [provider.pk]},
            "/v1/providers/{provider_pk}/locations": {"provider_pk": [provider.pk], "id": [location.pk]},
            "/v1/providers/{provider_pk}/paymentmethods": {"provider_pk": [provider.pk], "id": [payment.pk]},
            "/v1/vouchers/{id}": {"id": [event.voucher_id]},
            "/v1/masters/categories/{code}": {"code": list(Category.objects.values_list("code", flat=True)[:1])},
            "/v1/masters/countries/{iso2}": {
                "iso2": [city.country.iso2] if city else ["ES"],
                "code": [city.code] if city else [],
            },
            "/v1/masters/event-statuses/{code}": {"code": list(EventStatus.objects.values_list("code", flat=True))},
            "/v1/masters/eventprovider-statuses/{code}": {
                "code": list(EventProviderStatus.objects.values_list("code", flat=True))
            },
            "/v1/masters/voucher-statuses/{code}": {"code": list(VoucherStatus.objects.values_list("code", flat=True))},
        }
    )
    yield KNOWN
    KNOWN.clear()


@settings(suppress_health_check=list(HealthCheck), deadline=None)
@schema.parametrize()
def test_as_a_partner_every_operation_answers_as_documented(case, fuzz_headers, known_rows, wsgi_in_test_transaction):
    case.call_and_validate(headers=fuzz_headers, checks=CHECKS)


@settings(suppress_health_check=list(HealthCheck), deadline=None)
@schema.parametrize()
def test_as_an_administrator_every_operation_answers_as_documented(
    case, operator_session, fuzz_cognito_pool, known_rows, wsgi_in_test_transaction
):
    case.call_and_validate(headers=operator_session["headers"], cookies=operator_session["cookies"], checks=CHECKS)


@settings(suppress_health_check=list(HealthCheck), deadline=None)
@schema.include(path_regex=r"^/v1/(issuance-mok|vouchers)").parametrize()
def test_as_partner_mok_issuances_and_vouchers_answer_as_documented(
    case, mok_headers, known_rows, wsgi_in_test_transaction
):
    # MOK's own feed (issuances and their documents), which neither KOM nor operators may send.
    case.call_and_validate(headers=mok_headers, checks=CHECKS)


def _path_value(parameter: dict) -> str:
    """A value the URL patterns accept, so that the request reaches the view and its authentication."""
    schema_ = parameter.get("schema", {})
    if schema_.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema_.get("type") == "integer":
        return "1"
    return "ES"  # fits [A-Za-z]{2}, [A-Za-z0-9_-]+ and free text


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_without_credentials_every_operation_is_refused(db):
    api = APIClient()
    document = api.get(SCHEMA_PATH, HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = list(_operations(document))
    assert len(operations) >= 60  # the whole API, not a fragment of it
    assert ("/v1/users", "get") in {(path, method) for path, method, _ in operations}
    for path, method, operation in operations:
        url = path
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                url = url.replace("{" + parameter["name"] + "}", _path_value(parameter))
        response = getattr(api, method)(url, data={}, format="json")
        assert_problem(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer"), (method, url)
        assert "401" in operation["responses"], (method, path)


def test_the_schema_and_health_checks_are_open(db):
    api = APIClient()
    assert api.get(SCHEMA_PATH).status_code == 200
    assert api.get("/health/live").status_code == 200


# --- Stateful: sequences of calls that follow the schema's links (create → read, update, delete) -----

StatefulBase = schema.as_state_machine()


def _run_statefully(headers: dict, cookies: dict | None = None) -> None:
    class Scenario(StatefulBase):
        def get_call_kwargs(self, case):
            return {"headers": headers, "cookies": cookies or {}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Scenario.run(
        settings=settings(
            max_examples=FUZZ_STATEFUL_EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
            # No shrinking: replaying a sequence meets a database that earlier sequences changed (ids,
            # unique values), so Hypothesis would report its own "inconsistent data generation"
            # instead of the failure it found. The failing sequence is reported as found.
            phases=[Phase.explicit, Phase.generate],
        )
    )


def test_as_a_partner_linked_calls_answer_as_documented(fuzz_headers, known_rows, wsgi_in_test_transaction):
    _run_statefully(fuzz_headers)


def test_as_an_administrator_linked_calls_answer_as_documented(
    operator_session, fuzz_cognito_pool, known_rows, wsgi_in_test_transaction
):
    _run_statefully(operator_session["headers"], operator_session["cookies"])
