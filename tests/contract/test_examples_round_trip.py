"""The OpenAPI examples tell the API's own story: their request bodies are accepted by the server, and
its answers have the shape of the response examples (the same fields, nested alike, of the same types).

``test_schema_examples`` holds the examples to the schema; this holds them to the server, so an example
that drifts from what the API really takes or answers (a new required field, a renamed one, a rule that
refuses it) fails here rather than misleading partners. The story of ``apps/*/api/examples.py`` is played
in order on a database with the seeded catalogs and the packaged countries and cities, on the examples'
day (14 March 2026, when their voucher is valid); only the ids the database gives the new rows replace
the examples' own.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.api.examples import USER_PAGE
from apps.assistances.api import examples as cases
from apps.assistances.models import EventStatusSwitch
from apps.clients.scopes import ALL_SCOPES
from apps.consultations.api import examples as calls
from apps.core.examples import PDF
from apps.issuance.api import examples as issuance
from apps.masters import geo
from apps.masters.api import examples as catalogs
from apps.masters.services import geo_import
from apps.providers.api import examples as network
from apps.vouchers.api import examples as vouchers
from tests.clients.factories import make_partner

pytestmark = pytest.mark.django_db


def _shape(value):
    """Field names and JSON types, recursively (a list by its first item): what an example must share."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    if value is None:
        return None
    return "number" if isinstance(value, int | float) and not isinstance(value, bool) else type(value).__name__


def _same_shape(answer, example) -> bool:
    if isinstance(answer, dict) and isinstance(example, dict):
        return answer.keys() == example.keys() and all(_same_shape(answer[k], example[k]) for k in answer)
    if isinstance(answer, list) and isinstance(example, list):
        return not answer or not example or _same_shape(answer[0], example[0])
    return answer is None or example is None or answer == example


class Story:
    """The partners' and an operator's clients, and what went other than the examples say."""

    def __init__(self, world: dict):
        self.kom, self.mok, self.operator = world["kom"], world["mok"], world["operator"]
        self.failures: list[str] = []

    def call(self, client: APIClient, method: str, url: str, body=None, *, example=None, status=(200, 201), **kwargs):
        kwargs.setdefault("format", "json")
        response = getattr(client, method)(url, body, **kwargs) if body is not None else getattr(client, method)(url)
        answer = response.json() if response.content else None
        if response.status_code not in status:
            self.failures.append(f"{method.upper()} {url}: {response.status_code} {answer}")
        elif example is not None and not _same_shape(_shape(answer), _shape(example)):
            self.failures.append(f"{method.upper()} {url}: answered {_shape(answer)}, example {_shape(example)}")
        return answer or {}

    def same(self, what: str, answer, example) -> None:
        if answer != example:
            self.failures.append(f"{what}: {answer!r}, the examples say {example!r}")


def _page(example: dict) -> dict:
    return {"count": 1, "next": None, "previous": None, "results": [example]}


def _cursor_page(example: dict) -> dict:
    return {"next": None, "previous": None, "results": [example]}


# The evening of the examples' day in Buenos Aires (the operators' time zone): all they tell has happened.
STORY_STARTS = datetime.datetime(2026, 3, 14, 23, 0, tzinfo=datetime.UTC)


@pytest.fixture
def story_clock(monkeypatch):
    """The application's clock runs from the examples' day on (tokens and usage plans keep the real one)."""
    real_now, started = timezone.now, timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: STORY_STARTS + (real_now() - started))


@pytest.fixture
def world(admin_user, token_for):
    countries, cities = geo.packaged_rows()
    geo_import(
        countries=[row for row in countries if row.iso2 in ("AR", "ES", "FR", "US")],
        cities=[row for row in cities if row.country_iso2 == "ES"],
    )

    def partner(source: str) -> APIClient:
        found = make_partner(source=source, name=f"{source} ({source.lower()}-client)", scopes=ALL_SCOPES)
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(found, scopes=ALL_SCOPES)}", HTTP_X_API_KEY=found.key)
        return client

    operator = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    operator.force_login(admin_user)
    return {"kom": partner("KOM"), "mok": partner("MOK"), "operator": operator}


def test_the_catalog_examples_are_the_seeded_rows(world):
    api = world["kom"]
    for url, example in [
        ("/v1/masters/categories/PHARMACY", catalogs.PHARMACY),
        ("/v1/masters/event-statuses/IN_PROGRESS", catalogs.CASE_STATUS),
        ("/v1/masters/eventprovider-statuses/ASSIGNED", catalogs.CASE_PROVIDER_STATUS),
        ("/v1/masters/voucher-statuses/ACTIVE", catalogs.VOUCHER_STATUS),
        ("/v1/masters/countries/ES", catalogs.SPAIN),
        ("/v1/masters/countries/ES/cities/3117735", catalogs.MADRID),
    ]:
        assert api.get(url).json() == example, url


def _provider_network(story: Story) -> dict:
    operator = story.operator
    provider = story.call(operator, "post", "/v1/providers", network.PROVIDER_REQUEST, example=network.PROVIDER)
    url = f"/v1/providers/{provider.get('id')}"
    story.call(operator, "patch", url, network.PROVIDER_UPDATE_REQUEST, example=network.PROVIDER)
    location = story.call(operator, "post", f"{url}/locations", network.LOCATION_REQUEST, example=network.LOCATION)
    location_url = f"{url}/locations/{location.get('id')}"
    story.call(operator, "patch", location_url, network.LOCATION_UPDATE_REQUEST, example=network.LOCATION)
    bank = network.PAYMENT_METHOD_REQUEST
    method = story.call(operator, "post", f"{url}/paymentmethods", bank, example=network.PAYMENT_METHOD)
    method_url = f"{url}/paymentmethods/{method.get('id')}"
    story.call(operator, "patch", method_url, {"is_default": False}, example=network.PAYMENT_METHOD)
    story.call(story.kom, "get", f"{url}/paymentmethods", example=_page(network.PAYMENT_METHOD))
    search = "/v1/providers/search?lat=40.4203&lng=-3.7058&radius_km=50&assistance=MED_EMERGENCY"
    found = story.call(story.kom, "get", search, example=network.SEARCH_RESULTS)
    story.same("distance", [hit["distance_km"] for hit in found.get("results", [])], [1.942])
    return {"provider": provider.get("id"), "location": location.get("id")}


def _voucher(story: Story) -> dict:
    voucher = story.call(
        story.operator, "post", "/v1/vouchers", vouchers.ISSUE_REQUEST, example=vouchers.VOUCHER_DETAIL
    )
    url = f"/v1/vouchers/{voucher.get('id')}/coverage?assistance=MED_EMERGENCY&date=2026-03-14&country="
    covered = story.call(story.kom, "get", url + "ES", example=vouchers.COVERED)
    story.same("coverage", {**covered, "benefit": vouchers.COVERED["benefit"]}, vouchers.COVERED)
    story.same("refusal", story.call(story.kom, "get", url + "US").get("reasons"), vouchers.NOT_COVERED["reasons"])
    story.call(story.kom, "get", "/v1/vouchers", example=_page(vouchers.VOUCHER))
    return voucher


def _case(story: Story, assignment: dict) -> dict:
    kom, operator = story.kom, story.operator
    case = story.call(kom, "post", "/v1/assistances/events", cases.CASE_REQUEST, example=cases.CASE_OPENED)
    story.same("coverage at opening", case.get("coverage"), cases.COVERAGE_AT_OPENING)
    url = f"/v1/assistances/events/{case.get('id')}"
    story.call(kom, "patch", url, cases.CASE_UPDATE_REQUEST, example=cases.CASE_IN_PROGRESS)
    story.call(operator, "post", f"{url}/statuses", cases.STATUS_CHANGE_REQUEST, example=cases.CASE_IN_PROGRESS)
    history = story.call(kom, "get", f"{url}/statuses", example=cases.STATUS_HISTORY)
    story.same("actors", [row["actor_repr"] for row in history.get("results", [])], [cases.OPERATOR, cases.KOM_CLIENT])
    story.call(kom, "get", "/v1/assistances/events", example=_cursor_page(cases.CASE_IN_PROGRESS))

    request = {**cases.ASSIGNMENT_REQUEST, **assignment}
    assigned = story.call(operator, "post", f"{url}/providers", request, example=cases.ASSIGNMENT)
    story.call(kom, "get", f"{url}/providers", example={"results": [cases.ASSIGNMENT]})
    assigned_url = f"/v1/assistances/events/providers/{assigned.get('id')}"
    story.call(kom, "get", assigned_url, example=cases.ASSIGNMENT)
    story.call(operator, "patch", assigned_url, {"status": "STARTED"}, example=cases.ASSIGNMENT)
    resolve = cases.ASSIGNMENT_RESOLVE_REQUEST
    story.call(operator, "patch", assigned_url, resolve, example=cases.ASSIGNMENT_RESOLVED)

    note = {**cases.NOTE_REQUEST, "event": case.get("id")}
    written = story.call(kom, "post", "/v1/assistances/notes", note, example=cases.NOTE)
    story.same("author", written.get("author_repr"), cases.KOM_CLIENT)
    story.call(kom, "get", f"/v1/assistances/notes?event={case.get('id')}", example=_cursor_page(cases.NOTE))

    on_hold = cases.TEMPORARY_STATUS_REQUEST
    story.call(operator, "post", f"{url}/statuses", on_hold, example=cases.CASE_IN_PROGRESS)
    switch = EventStatusSwitch.objects.filter(event_id=case.get("id")).first()
    cancel = f"{url}/statuses/switches/{getattr(switch, 'pk', None)}/cancel"
    story.call(operator, "post", cancel, {}, example=cases.CASE_IN_PROGRESS)
    return case


def _dispatch(story: Story, case: dict, assignment: dict) -> None:
    """Issue 18: the operator turns the cascade off, offers the case, records a decline, offers again and
    records the acceptance, the way there, the arrival and the completion."""
    operator, url = story.operator, f"/v1/assistances/events/{case.get('id')}"
    story.call(operator, "post", f"{url}/cascade", cases.CASCADE_REQUEST, example=cases.CASE_CASCADE_OFF)
    offer = {**cases.OFFER_REQUEST, **assignment}
    first = story.call(operator, "post", f"{url}/offers", offer, example=cases.OFFERED, status=(201,))
    first_url = f"/v1/assistances/events/providers/{first.get('id')}"
    story.call(operator, "post", f"{first_url}/decline", cases.DECLINE_REQUEST, example=cases.DECLINED)
    story.same("reason for the partner", story.call(story.kom, "get", first_url).get("reason"), "")
    second = story.call(operator, "post", f"{url}/offers", offer, example=cases.OFFERED, status=(201,))
    second_url = f"/v1/assistances/events/providers/{second.get('id')}"
    story.call(operator, "post", f"{second_url}/accept", cases.ACCEPT_REQUEST, example=cases.ACCEPTED)
    story.call(operator, "post", f"{second_url}/en-route", example=cases.EN_ROUTE)
    story.call(operator, "post", f"{second_url}/arrived", example=cases.ARRIVED)
    story.call(operator, "post", f"{second_url}/completed", example=cases.COMPLETED)


def _phone_call(story: Story, case: dict) -> None:
    operator, without_files = story.operator, {**calls.CONSULTATION, "files": []}
    request = {**calls.CONSULTATION_REQUEST, "event": case.get("id")}
    call = story.call(operator, "post", "/v1/assistances/phone-consultations", request, example=without_files)
    url = f"/v1/assistances/phone-consultations/{call.get('id')}"
    story.call(operator, "patch", url, calls.CONSULTATION_UPDATE_REQUEST, example=without_files)
    upload = {"file": SimpleUploadedFile("medical-report.pdf", PDF.encode(), content_type="application/pdf")}
    report = story.call(operator, "post", f"{url}/files", upload, example=calls.REPORT, format="multipart")
    stored = (report.get("size"), report.get("sha256"))
    story.same("stored file", stored, (calls.REPORT["size"], calls.REPORT["sha256"]))
    story.call(operator, "get", f"{url}/files/{report.get('id')}", example=calls.FILE_URL)
    story.call(story.kom, "get", url, example=calls.CONSULTATION)


def _draft(story: Story) -> None:
    operator, body = story.operator, {"data": cases.DRAFT_DATA}
    draft = story.call(operator, "post", "/v1/assistances/events/draft", body, example=cases.DRAFT)
    url = f"/v1/assistances/events/draft/{draft.get('id')}"
    story.call(operator, "patch", url, body, example=cases.DRAFT)
    story.call(operator, "get", "/v1/assistances/events/draft", example=_page(cases.DRAFT))
    story.call(operator, "post", f"{url}/promote", cases.PROMOTE_REQUEST, example=cases.PROMOTED_CASE)


def _issuance(story: Story) -> None:
    mok, body, url = story.mok, issuance.ISSUANCE, "/v1/issuance-mok/MOK-2025-000123"
    story.call(mok, "post", "/v1/issuance-mok", body, example=issuance.CREATED, status=(201,))
    story.call(mok, "post", "/v1/issuance-mok", body, example=issuance.UNCHANGED, status=(200,))
    upload = {"file": SimpleUploadedFile("policy.pdf", PDF.encode(), content_type="application/pdf")}
    document = story.call(mok, "post", f"{url}/documents", upload, example=issuance.DOCUMENT, format="multipart")
    record = story.call(mok, "get", url, example=issuance.RECORD)
    story.same("payload digest", record.get("payload_sha256"), issuance.RECORD["payload_sha256"])
    story.call(mok, "get", f"{url}/documents/{document.get('id')}", example=issuance.DOCUMENT_URL)


def _suspension(story: Story, voucher: dict) -> None:
    url, change = f"/v1/vouchers/{voucher.get('id')}/statuses", vouchers.TRANSITION_REQUEST
    suspended = story.call(story.operator, "post", url, change, example=vouchers.VOUCHER_SUSPENDED)
    amounts = ("committed_amount", "committed_count", "remaining_amount")
    story.same(
        "benefits used",
        [[benefit[k] for k in amounts] for benefit in suspended.get("benefits", [])],
        [[benefit[k] for k in amounts] for benefit in vouchers.VOUCHER_SUSPENDED["benefits"]],
    )


def test_the_story_of_the_examples_runs_through_the_api(world, story_clock):
    story = Story(world)
    assignment = _provider_network(story)
    voucher = _voucher(story)
    case = _case(story, assignment)
    _dispatch(story, case, assignment)
    _phone_call(story, case)
    _draft(story)
    _issuance(story)
    _suspension(story, voucher)
    assert not story.failures, "\n".join(story.failures)


def test_the_user_page_example_has_the_serializers_shape():
    # The pool lives in Cognito (moto in tests/accounts); the shape is the serializer's own.
    from apps.accounts.api.serializers import CognitoUserPageSerializer

    page = CognitoUserPageSerializer(data=USER_PAGE)
    assert page.is_valid(), page.errors
    assert _shape(CognitoUserPageSerializer(page.validated_data).data) == _shape(USER_PAGE)
