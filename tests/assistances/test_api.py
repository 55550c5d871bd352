"""/v1/assistances/...: the case lifecycle through the API."""

import datetime

import pytest
from django.utils import timezone

from apps.assistances.models import Event
from apps.audit.models import AuditLog
from apps.tracking.models import TrackingMessage
from tests.assistances.factories import covered_case
from tests.fuzz.hooks import is_data_dependent_rejection
from tests.helpers import assert_problem, count_queries
from tests.providers.factories import ProviderFactory
from tests.vouchers.factories import BenefitFactory, VoucherFactory, assistance, country

pytestmark = pytest.mark.django_db


@pytest.fixture
def voucher():
    v = VoucherFactory(worldwide=True, residence_country=country("AR"))
    BenefitFactory(voucher=v, assistance=assistance("MED_EMERGENCY"))
    return v


def _open_payload(covering, **overrides):
    payload = {
        "source_code": "KOM",
        "external_reference": "KOM-REF-1",
        "voucher": covering.number,
        "traveller_name": "Ana Pérez",
        "traveller_document_number": "AAA123",
        "assistance": "MED_EMERGENCY",
        "country": "es",
        "latitude": 40.4168,
        "longitude": -3.7038,
        "priority": "high",
    }
    country("ES")
    payload.update(overrides)
    return payload


def test_full_lifecycle(operator_client, voucher):
    response = operator_client.post("/v1/assistances/events", _open_payload(voucher), format="json")
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["status"] == "OPENED" and case["covered"] is True and case["code"].startswith("BT-")
    etag = response["ETag"]

    # A retried create returns the same case.
    again = operator_client.post("/v1/assistances/events", _open_payload(voucher), format="json")
    assert again.status_code == 200 and again.json()["id"] == case["id"]
    assert Event.objects.count() == 1

    url = f"/v1/assistances/events/{case['id']}"
    changed = operator_client.patch(url, {"description": "Chest pain"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.content
    # The old ETag is now stale: refused, nothing written.
    stale = operator_client.patch(url, {"description": "Overwrite"}, format="json", HTTP_IF_MATCH=etag)
    assert_problem(stale, 412, "precondition_failed")
    assert Event.objects.get(pk=case["id"]).description == "Chest pain"

    moved = operator_client.post(f"{url}/statuses", {"status": "IN_PROGRESS", "reason": "on it"}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "IN_PROGRESS"
    assert_problem(
        operator_client.post(f"{url}/statuses", {"status": "OPENED"}, format="json"), 409, "illegal_transition"
    )
    history = operator_client.get(f"{url}/statuses").json()["results"]
    assert [h["to_status"] for h in history] == ["IN_PROGRESS", "OPENED"]

    provider = ProviderFactory(assistances=[assistance("MED_EMERGENCY")])
    assigned = operator_client.post(
        f"{url}/providers", {"provider": provider.pk, "guaranteed_amount": "250.00"}, format="json"
    )
    assert assigned.status_code == 201, assigned.content
    ep_url = f"/v1/assistances/events/providers/{assigned.json()['id']}"
    assert operator_client.patch(ep_url, {"status": "STARTED"}, format="json").json()["status"] == "STARTED"
    resolved = operator_client.patch(ep_url, {"status": "RESOLVED", "final_cost": "240"}, format="json")
    assert resolved.json()["status"] == "RESOLVED" and resolved.json()["final_cost"] == "240.00"

    note = operator_client.post(
        "/v1/assistances/notes", {"event": case["id"], "body": "Hotel called", "visibility": "shared"}, format="json"
    )
    assert note.status_code == 201
    notes = operator_client.get("/v1/assistances/notes", {"event": case["id"]}).json()
    assert [n["body"] for n in notes["results"]] == ["Hotel called"]

    for status_code in ("RESOLVED", "CLOSED"):
        operator_client.post(f"{url}/statuses", {"status": status_code}, format="json")
    closed = operator_client.get(url).json()
    assert closed["status"] == "CLOSED" and closed["closed_at"]
    assert AuditLog.objects.filter(case_reference=case["code"]).count() >= 8
    assert not TrackingMessage.objects.exists()  # a KOM case is never tracked


def test_an_assignment_refused_by_stored_data_says_why_in_its_codes(operator_client, voucher):
    """A provider that does not offer the case's assistance is refused with its own code, which the
    fuzzing hooks read as data-dependent (a generated provider id cannot know what it offers)."""
    case = operator_client.post("/v1/assistances/events", _open_payload(voucher), format="json").json()
    url = f"/v1/assistances/events/{case['id']}/providers"
    other = ProviderFactory(assistances=[assistance("MED_CONSULTATION")])
    refused = operator_client.post(url, {"provider": other.pk}, format="json")
    assert assert_problem(refused, 400)["error_codes"] == {"provider": ["assistance_not_offered"]}
    assert is_data_dependent_rejection(refused)
    inactive = ProviderFactory(assistances=[assistance("MED_EMERGENCY")], is_active=False)
    refused = operator_client.post(url, {"provider": inactive.pk}, format="json")
    assert assert_problem(refused, 400)["error_codes"] == {"provider": ["provider_inactive"]}


def test_temporary_switch_and_cancel_through_the_api(operator_client, voucher):
    case = operator_client.post("/v1/assistances/events", _open_payload(voucher), format="json").json()
    url = f"/v1/assistances/events/{case['id']}/statuses"
    revert_at = (timezone.now() + datetime.timedelta(hours=3)).isoformat()
    switched = operator_client.post(url, {"status": "ON_HOLD", "revert_at": revert_at}, format="json")
    assert switched.json()["status"] == "ON_HOLD"
    switch = Event.objects.get(pk=case["id"]).status_switches.get()
    cancelled = operator_client.post(f"{url}/switches/{switch.pk}/cancel")
    assert cancelled.json()["status"] == "OPENED"
    past = (timezone.now() - datetime.timedelta(minutes=5)).isoformat()
    body = assert_problem(operator_client.post(url, {"status": "ON_HOLD", "revert_at": past}, format="json"), 400)
    assert "revert_at" in body["errors"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"assistance": "TELEPORT"}, "assistance"),
        ({"country": "ZZ"}, "country"),
        ({"latitude": 95}, "latitude"),
        ({"voucher": "NOPE"}, "voucher"),
        ({"source_code": "FAX"}, "source_code"),
        ({"surprise": 1}, "surprise"),
        ({"traveller_name": ""}, "traveller_name"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(operator_client, voucher, overrides, field):
    body = assert_problem(
        operator_client.post("/v1/assistances/events", _open_payload(voucher, **overrides), format="json"), 400
    )
    assert field in body["errors"], body
    assert not Event.objects.exists()


def test_uncovered_case_needs_override(operator_client, voucher):
    payload = _open_payload(voucher, assistance="TOWING")
    body = assert_problem(operator_client.post("/v1/assistances/events", payload, format="json"), 409, "not_covered")
    assert body["coverage"]["covered"] is False
    payload["override_reason"] = "Stranded on a motorway at night"
    response = operator_client.post("/v1/assistances/events", payload, format="json")
    assert response.status_code == 201 and response.json()["covered"] is False


def test_idempotency_key_replays_and_refuses_reuse(operator_client, voucher):
    payload = _open_payload(voucher, external_reference="")
    first = operator_client.post("/v1/assistances/events", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = operator_client.post("/v1/assistances/events", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"] and second["Idempotent-Replayed"] == "true"
    assert Event.objects.count() == 1
    other = _open_payload(voucher, external_reference="", traveller_name="Someone else")
    assert_problem(
        operator_client.post("/v1/assistances/events", other, format="json", HTTP_IDEMPOTENCY_KEY="k-1"),
        409,
        "idempotency_key_reused",
    )


def test_drafts_are_private_and_promotion_reports_every_problem(operator_client, admin_user, voucher):
    created = operator_client.post("/v1/assistances/events/draft", {"data": {"traveller_name": "Luis"}}, format="json")
    assert created.status_code == 201
    draft_url = f"/v1/assistances/events/draft/{created.json()['id']}"
    body = assert_problem(operator_client.post(f"{draft_url}/promote", {}, format="json"), 409, "draft_incomplete")
    assert {"source_code", "assistance", "country"} <= set(body["errors"])
    assert body["error_codes"]["country"] == ["required"]
    complete = _open_payload(voucher, traveller_name="Luis")
    assert operator_client.patch(draft_url, {"data": complete}, format="json").status_code == 200
    from rest_framework.test import APIClient

    stranger = APIClient()
    stranger.force_login(admin_user)
    assert_problem(stranger.get(draft_url), 404)
    promoted = operator_client.post(f"{draft_url}/promote", {}, format="json")
    assert promoted.status_code == 201, promoted.content
    assert promoted.json()["traveller_name"] == "Luis"
    assert_problem(operator_client.post(f"{draft_url}/promote", {}, format="json"), 404)


def test_event_filters_and_search(operator_client, operator):
    mine = covered_case(actor=operator, external_reference="A-1")
    from apps.assistances.services import event_take

    event_take(event=mine, operator=operator)
    covered_case(actor=None, source="MOK", external_reference="A-2")  # opened by a partner: no owner
    listed = operator_client.get("/v1/assistances/events", {"operator": "me"}).json()["results"]
    assert [e["id"] for e in listed] == [mine.pk]
    assert [e["code"] for e in operator_client.get("/v1/assistances/events", {"q": mine.code}).json()["results"]] == [
        mine.code
    ]
    assert len(operator_client.get("/v1/assistances/events", {"source": "MOK"}).json()["results"]) == 1
    assert_problem(operator_client.get("/v1/assistances/events", {"sla": "soon"}), 400)


def test_event_list_query_count_is_constant(operator_client, operator):
    covered_case(actor=operator, external_reference="Q-0")
    baseline = count_queries(operator_client, "/v1/assistances/events?page_size=200")
    for i in range(1, 8):
        covered_case(actor=operator, external_reference=f"Q-{i}")
    assert count_queries(operator_client, "/v1/assistances/events?page_size=200") == baseline


def test_anonymous_is_refused(api_client):
    assert_problem(api_client.get("/v1/assistances/events"), 401)
    assert_problem(api_client.post("/v1/assistances/notes", {}, format="json"), 401)


def test_note_list_query_count_is_constant_and_does_not_join_cases(operator_client, operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.assistances.services import note_create

    event = covered_case(actor=operator, external_reference="N-0")
    note_create(event=event, body="first", actor=operator)
    baseline = count_queries(operator_client, "/v1/assistances/notes?page_size=200")
    for i in range(6):
        note_create(event=event, body=f"note {i}", actor=operator)
    with CaptureQueriesContext(connection) as ctx:
        response = operator_client.get("/v1/assistances/notes?page_size=200")
    assert response.status_code == 200 and len(response.json()["results"]) == 7
    assert len(ctx.captured_queries) == baseline
    note_query = next(q["sql"] for q in ctx.captured_queries if "assistances_note" in q["sql"])
    assert "JOIN" not in note_query.upper()
