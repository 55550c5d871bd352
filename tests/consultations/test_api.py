"""/v1/assistances/phone-consultations: CRUD, validation, filters, scoping, permissions, query counts."""

import datetime

import pytest
import yaml
from django.utils import timezone
from rest_framework.test import APIClient

from apps.audit.models import AuditLog
from apps.consultations.models import PhoneConsultation
from tests.accounts.factories import UserFactory
from tests.assistances.factories import covered_case
from tests.clients.factories import credentials as partner_credentials
from tests.consultations.factories import ConsultationFileFactory, PartnerClient, PhoneConsultationFactory
from tests.helpers import assert_problem, count_queries

pytestmark = pytest.mark.django_db

URL = "/v1/assistances/phone-consultations"


def _payload(**overrides) -> dict:
    return {
        "caller_name": "Ana Pérez",
        "phone_number": "+54 11 5555-0000",
        "direction": "inbound",
        "reason": "Lost her passport in Madrid",
        "started_at": "2024-06-01T10:00:00Z",
        "duration_seconds": 420,
        "outcome": "callback_needed",
        **overrides,
    }


@pytest.fixture
def partner_api():
    def make(source: str = "KOM") -> APIClient:
        client = APIClient()
        client.force_authenticate(user=PartnerClient(source), token=partner_credentials())
        return client

    return make


def test_crud_through_the_api(operator_client, operator):
    case = covered_case(actor=operator)
    response = operator_client.post(URL, _payload(event=case.pk), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["event"] == case.pk and body["event_code"] == case.code
    assert body["operator"] == operator.email and body["files"] == []
    started = datetime.datetime.fromisoformat(body["started_at"])
    assert started == datetime.datetime(2024, 6, 1, 10, tzinfo=datetime.UTC) and body["duration_seconds"] == 420
    consultation = PhoneConsultation.objects.get(pk=body["id"])
    assert consultation.operator == operator and consultation.created_by == operator

    detail = operator_client.get(f"{URL}/{body['id']}")
    assert detail.status_code == 200 and detail.json() == body

    changed = operator_client.patch(f"{URL}/{body['id']}", {"outcome": "resolved", "event": None}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["outcome"] == "resolved" and changed.json()["event"] is None
    assert changed.json()["caller_name"] == "Ana Pérez"  # untouched

    entries = AuditLog.objects.filter(object_type="consultations.phoneconsultation", object_id=str(body["id"]))
    assert [(e.action, e.case_reference, e.source) for e in entries.order_by("id")] == [
        ("create", case.code, "api"),
        ("update", case.code, "api"),
    ]


def test_started_at_defaults_to_now(operator_client):
    payload = _payload()
    del payload["started_at"], payload["duration_seconds"]
    response = operator_client.post(URL, payload, format="json")
    assert response.status_code == 201, response.content
    consultation = PhoneConsultation.objects.get()
    assert timezone.now() - consultation.started_at < datetime.timedelta(minutes=1)
    assert consultation.duration_seconds == 0


def test_no_put_and_no_delete(operator_client):
    consultation = PhoneConsultationFactory()
    url = f"{URL}/{consultation.pk}"
    assert_problem(operator_client.put(url, _payload(), format="json"), 405)
    assert_problem(operator_client.delete(url), 405)
    assert_problem(operator_client.delete(URL), 405)
    assert PhoneConsultation.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone_number": "not a phone"}, "phone_number"),
        ({"phone_number": "123"}, "phone_number"),
        ({"phone_number": "1" * 25}, "phone_number"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"duration_seconds": 86401}, "duration_seconds"),
        ({"direction": "sideways"}, "direction"),
        ({"outcome": "great"}, "outcome"),
        ({"event": 999999}, "event"),
        ({"event": "abc"}, "event"),
        ({"caller_name": ""}, "caller_name"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"operator": "someone@example.com"}, "operator"),  # read-only
        ({"colour": "blue"}, "colour"),  # unknown
    ],
)
def test_invalid_input_is_400_naming_the_field_and_stores_nothing(operator_client, overrides, field):
    body = assert_problem(operator_client.post(URL, _payload(**overrides), format="json"), 400, "validation_error")
    assert field in body["errors"], body
    assert not PhoneConsultation.objects.exists()
    assert not AuditLog.objects.filter(object_type="consultations.phoneconsultation").exists()


def test_missing_required_fields_are_named(operator_client):
    body = assert_problem(operator_client.post(URL, {}, format="json"), 400)
    assert {"caller_name", "phone_number", "direction", "reason", "outcome"} <= set(body["errors"])


def test_future_start_is_refused(operator_client):
    later = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    body = assert_problem(operator_client.post(URL, _payload(started_at=later), format="json"), 400)
    assert "started_at" in body["errors"]


def test_patch_validation(operator_client):
    consultation = PhoneConsultationFactory()
    url = f"{URL}/{consultation.pk}"
    for payload, field in [
        ({"phone_number": "abc"}, "phone_number"),
        ({"duration_seconds": -5}, "duration_seconds"),
        ({"event": 424242}, "event"),
        ({"id": 5}, "id"),
    ]:
        body = assert_problem(operator_client.patch(url, payload, format="json"), 400)
        assert field in body["errors"]
    consultation.refresh_from_db()
    assert consultation.duration_seconds == 120
    assert not AuditLog.objects.exists()


def test_unknown_consultation_is_404(operator_client):
    assert_problem(operator_client.get(f"{URL}/999999"), 404)
    assert_problem(operator_client.patch(f"{URL}/999999", {"reason": "x"}, format="json"), 404)


def test_filters(operator_client, operator):
    case = covered_case(actor=operator)
    now = timezone.now()
    linked = PhoneConsultationFactory(
        event=case, caller_name="Marta Gómez", phone_number="+34 (91) 123-4567", started_at=now
    )
    outbound = PhoneConsultationFactory(
        direction="outbound", outcome="no_answer", started_at=now - datetime.timedelta(days=2)
    )
    old = PhoneConsultationFactory(started_at=now - datetime.timedelta(days=10))

    def ids(query: dict) -> list[int]:
        response = operator_client.get(URL, query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids({}) == [linked.pk, outbound.pk, old.pk]  # newest call first
    assert ids({"event": case.pk}) == [linked.pk]
    assert ids({"event_code": case.code}) == [linked.pk]
    assert ids({"direction": "outbound"}) == [outbound.pk]
    assert ids({"outcome": "no_answer"}) == [outbound.pk]
    assert ids({"started_after": (now - datetime.timedelta(days=3)).isoformat()}) == [linked.pk, outbound.pk]
    assert ids({"started_before": (now - datetime.timedelta(days=3)).isoformat()}) == [old.pk]
    assert ids({"q": "marta"}) == [linked.pk]
    assert ids({"q": "123-4567"}) == [linked.pk]
    assert ids({"q": "34911234567"}) == [linked.pk]  # digits only, whatever the formatting
    assert ids({"q": "nobody-at-all"}) == []
    assert "direction" in assert_problem(operator_client.get(URL, {"direction": "up"}), 400)["errors"]
    assert "colour" in assert_problem(operator_client.get(URL, {"colour": "red"}), 400)["errors"]


def test_cursor_pagination(operator_client):
    now = timezone.now()
    rows = [PhoneConsultationFactory(started_at=now - datetime.timedelta(minutes=i)) for i in range(5)]
    first = operator_client.get(URL, {"page_size": 2}).json()
    assert [r["id"] for r in first["results"]] == [rows[0].pk, rows[1].pk] and first["next"]
    second = operator_client.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [rows[2].pk, rows[3].pk]
    assert_problem(operator_client.get(URL, {"page_size": 10_000}), 400)


def _grow(case, count: int = 3) -> None:
    for _ in range(count):
        consultation = PhoneConsultationFactory(event=case, operator=case.assigned_operator)
        ConsultationFileFactory(consultation=consultation)
        ConsultationFileFactory(consultation=consultation)
    PhoneConsultationFactory()


def test_list_query_count_is_constant(operator_client, operator):
    case = covered_case(actor=operator)
    case.assigned_operator = operator
    case.save(update_fields=["assigned_operator"])
    _grow(case)
    baseline = count_queries(operator_client, URL)
    _grow(case, count=10)
    assert count_queries(operator_client, URL) == baseline
    body = operator_client.get(URL).json()
    assert len(body["results"]) == 15 and sum(len(r["files"]) for r in body["results"]) == 26


def test_anonymous_is_401_and_user_without_group_403(api_client):
    consultation = PhoneConsultationFactory()
    for response in (
        api_client.get(URL),
        api_client.post(URL, _payload(), format="json"),
        api_client.get(f"{URL}/{consultation.pk}"),
        api_client.patch(f"{URL}/{consultation.pk}", {"reason": "x"}, format="json"),
    ):
        assert_problem(response, 401)
    api_client.force_login(UserFactory())
    for response in (
        api_client.get(URL),
        api_client.post(URL, _payload(), format="json"),
        api_client.get(f"{URL}/{consultation.pk}"),
        api_client.patch(f"{URL}/{consultation.pk}", {"reason": "x"}, format="json"),
    ):
        assert_problem(response, 403)
    assert PhoneConsultation.objects.count() == 1


def test_partner_sees_and_changes_only_consultations_of_its_cases(operator, partner_api):
    kom, mok = covered_case(source="KOM", actor=operator), covered_case(source="MOK", actor=operator)
    on_kom = PhoneConsultationFactory(event=kom)
    on_mok = PhoneConsultationFactory(event=mok)
    PhoneConsultationFactory()  # unlinked: operators only
    partner = partner_api("KOM")

    assert [r["id"] for r in partner.get(URL).json()["results"]] == [on_kom.pk]
    assert partner.get(f"{URL}/{on_kom.pk}").status_code == 200
    assert_problem(partner.get(f"{URL}/{on_mok.pk}"), 404)
    assert_problem(partner.patch(f"{URL}/{on_mok.pk}", {"reason": "mine now"}, format="json"), 404)
    # Another source's case reads exactly like a case that does not exist.
    foreign = assert_problem(partner.post(URL, _payload(event=mok.pk), format="json"), 400)
    missing = assert_problem(partner.post(URL, _payload(event=999999), format="json"), 400)
    assert foreign["errors"] == missing["errors"] and list(foreign["errors"]) == ["event"]
    assert "event" in assert_problem(partner.post(URL, _payload(), format="json"), 400)["errors"]
    assert_problem(partner.patch(f"{URL}/{on_kom.pk}", {"event": mok.pk}, format="json"), 400)

    created = partner.post(URL, _payload(event=kom.pk), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["operator"] is None
    entry = AuditLog.objects.get(object_type="consultations.phoneconsultation", action="create")
    assert (entry.actor_type, entry.case_reference) == ("api_client", kom.code)
    on_mok.refresh_from_db()
    assert on_mok.event == mok


def test_ordering_by_start(operator_client):
    now = timezone.now()
    newer = PhoneConsultationFactory(started_at=now)
    older = PhoneConsultationFactory(started_at=now - datetime.timedelta(hours=1))
    rows = operator_client.get(URL, {"ordering": "started_at"}).json()["results"]
    assert [r["id"] for r in rows] == [older.pk, newer.pk]


def test_schema_describes_every_operation(client):
    schema = yaml.safe_load(client.get("/v1/schema/").content)
    paths = schema["paths"]
    operations = {
        path: sorted(set(item) - {"parameters"}) for path, item in paths.items() if "phone-consultations" in path
    }
    assert operations == {
        "/v1/assistances/phone-consultations": ["get", "post"],
        "/v1/assistances/phone-consultations/{id}": ["get", "patch"],
        "/v1/assistances/phone-consultations/{id}/files": ["post"],
        "/v1/assistances/phone-consultations/{id}/files/{file_id}": ["get"],
    }
    upload = paths["/v1/assistances/phone-consultations/{id}/files"]["post"]
    assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]
    assert {"201", "400", "413"} <= set(upload["responses"])
    link = paths["/v1/assistances/phone-consultations/{id}/files/{file_id}"]["get"]["responses"]["200"]
    component = link["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][component]["properties"]) == {"url", "expires_in"}
