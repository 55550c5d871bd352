"""Object-level authorization: a partner client sees and changes only its own source's cases, notes and
consultations; another source's objects answer exactly like missing ones (404), and it cannot open a
case under another source."""

import pytest
from rest_framework.test import APIClient

from apps.assistances import services as case_services
from apps.assistances.models import Event, EventProvider, Note
from apps.audit.models import ActorType
from apps.consultations.models import PhoneConsultation
from tests.assistances.factories import covered_case
from tests.clients.factories import audit_entries
from tests.consultations.factories import PhoneConsultationFactory
from tests.helpers import assert_problem
from tests.providers.factories import ProviderFactory
from tests.vouchers.factories import BenefitFactory, VoucherFactory, assistance, country

pytestmark = pytest.mark.django_db

EVENTS = "/v1/assistances/events"
NOTES = "/v1/assistances/notes"
CONSULTATIONS = "/v1/assistances/phone-consultations"


@pytest.fixture
def world(operator):
    """One case per source (KOM for client A, MOK for client B), each with a shared note, a provider
    assignment and a phone consultation."""
    cases = {}
    for source in ("KOM", "MOK"):
        case = covered_case(source=source, actor=operator, external_reference=f"{source}-REF-1")
        provider = ProviderFactory(assistances=[assistance("MED_EMERGENCY")], country=country("ES"))
        cases[source] = {
            "case": case,
            "note": case_services.note_create(event=case, body=f"{source} note", visibility="shared", actor=operator),
            "internal": case_services.note_create(event=case, body=f"{source} internal", actor=operator),
            "assignment": case_services.event_provider_assign(event=case, provider=provider, actor=operator),
            "consultation": PhoneConsultationFactory(event=case),
        }
    return cases


@pytest.fixture
def client_a(kom, partner_api):
    return partner_api(kom, scopes=["assistences-services/read", "assistences-services/write"])


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_lists_hold_only_the_clients_own_source(world, client_a):
    assert _ids(client_a.get(EVENTS)) == [world["KOM"]["case"].pk]
    assert _ids(client_a.get(EVENTS, {"source": "MOK"})) == []
    assert _ids(client_a.get(EVENTS, {"q": world["MOK"]["case"].code})) == []
    # Partners see shared notes of their own cases only (not internal ones, not another source's).
    assert _ids(client_a.get(NOTES)) == [world["KOM"]["note"].pk]
    assert _ids(client_a.get(NOTES, {"event": world["MOK"]["case"].pk})) == []
    assert _ids(client_a.get(CONSULTATIONS)) == [world["KOM"]["consultation"].pk]


def test_another_sources_objects_read_like_missing_ones(world, client_a):
    theirs = world["MOK"]
    for path, pk in (
        (f"{EVENTS}/{{}}", theirs["case"].pk),
        (f"{EVENTS}/{{}}/statuses", theirs["case"].pk),
        (f"{EVENTS}/{{}}/providers", theirs["case"].pk),
        (f"{EVENTS}/providers/{{}}", theirs["assignment"].pk),
        (f"{NOTES}/{{}}", theirs["note"].pk),
        (f"{CONSULTATIONS}/{{}}", theirs["consultation"].pk),
    ):
        foreign = assert_problem(client_a.get(path.format(pk)), 404)
        missing = assert_problem(client_a.get(path.format(999999)), 404)
        assert (foreign["code"], foreign["detail"]) == (missing["code"], missing["detail"])
    # Their own objects, for contrast.
    mine = world["KOM"]
    assert client_a.get(f"{EVENTS}/{mine['case'].pk}").status_code == 200
    assert client_a.get(f"{NOTES}/{mine['note'].pk}").status_code == 200
    assert client_a.get(f"{CONSULTATIONS}/{mine['consultation'].pk}").status_code == 200
    assert_problem(client_a.get(f"{NOTES}/{mine['internal'].pk}"), 404)


def test_another_sources_objects_cannot_be_changed(world, client_a):
    theirs = world["MOK"]
    case = theirs["case"]
    before = Event.objects.get(pk=case.pk)
    assert_problem(client_a.patch(f"{EVENTS}/{case.pk}", {"description": "mine now"}, format="json"), 404)
    # Status changes and provider assignments are the operators' work: refused to every partner,
    # before any lookup (so the answer says nothing about the case).
    assert_problem(client_a.post(f"{EVENTS}/{case.pk}/statuses", {"status": "IN_PROGRESS"}, format="json"), 403)
    provider = ProviderFactory(assistances=[assistance("MED_EMERGENCY")], country=country("ES"))
    assert_problem(client_a.post(f"{EVENTS}/{case.pk}/providers", {"provider": provider.pk}, format="json"), 403)
    assert_problem(
        client_a.patch(f"{EVENTS}/providers/{theirs['assignment'].pk}", {"status": "STARTED"}, format="json"), 403
    )
    assert_problem(
        client_a.patch(f"{CONSULTATIONS}/{theirs['consultation'].pk}", {"reason": "mine"}, format="json"), 404
    )
    after = Event.objects.get(pk=case.pk)
    assert (after.description, after.status_id, after.version) == (before.description, before.status_id, before.version)
    assert EventProvider.objects.filter(event=case).count() == 1

    # Writing notes or consultations against their case is refused like an unknown case, and stores nothing.
    notes_before = Note.objects.count()
    refused = assert_problem(
        client_a.post(NOTES, {"event": case.pk, "body": "hi", "visibility": "shared"}, format="json"), 400
    )
    assert list(refused["errors"]) == ["event"]
    assert Note.objects.count() == notes_before
    consultation = {
        "caller_name": "X",
        "phone_number": "+54 11 5555-0000",
        "direction": "inbound",
        "outcome": "resolved",
        "reason": "r",
        "event": case.pk,
    }
    refused = assert_problem(client_a.post(CONSULTATIONS, consultation, format="json"), 400)
    assert list(refused["errors"]) == ["event"]
    assert not PhoneConsultation.objects.filter(caller_name="X").exists()


def _opening(source: str, reference: str, *, voucher_source: str = "KOM") -> dict:
    voucher = VoucherFactory(worldwide=True, residence_country=country("AR"), source=voucher_source)
    BenefitFactory(voucher=voucher, assistance=assistance("MED_EMERGENCY"))
    country("ES")
    return {
        "source_code": source,
        "external_reference": reference,
        "voucher": voucher.number,
        "traveller_name": "Ana Pérez",
        "assistance": "MED_EMERGENCY",
        "country": "ES",
    }


def test_a_client_cannot_open_a_case_under_another_source(world, client_a):
    count = Event.objects.count()
    body = assert_problem(client_a.post(EVENTS, _opening("MOK", "MOK-NEW-1"), format="json"), 403, "source_not_allowed")
    assert list(body["errors"]) == ["source_code"]
    # Nor reach another source's case by "retrying" with its external reference.
    retry = assert_problem(client_a.post(EVENTS, _opening("MOK", "MOK-REF-1"), format="json"), 403)
    assert retry["code"] == "source_not_allowed" and "id" not in retry and "MOK-REF-1" not in str(retry)
    assert Event.objects.count() == count


def test_a_client_opens_cases_under_its_own_source_as_itself(world, client_a, kom):
    response = client_a.post(EVENTS, _opening("KOM", "KOM-NEW-1"), format="json")
    assert response.status_code == 201, response.content
    case = Event.objects.get(pk=response.json()["id"])
    assert case.source_code == "KOM" and case.created_by is None
    # The audit entry names the client as the actor.
    (entry,) = audit_entries(object_type="assistances.event", object_id=str(case.pk), action="create")
    assert entry["actor_type"] == ActorType.API_CLIENT and entry["actor_id"] == str(kom.client.pk)
    assert entry["source"] == "api" and "KOM partner" in entry["actor_repr"]
    # And it is immediately theirs to read, and not the other client's.
    assert client_a.get(f"{EVENTS}/{case.pk}").status_code == 200


def test_client_b_is_confined_the_same_way(world, mok, partner_api):
    client_b = partner_api(mok, scopes=["kom-services/read", "kom-services/write"])
    assert _ids(client_b.get(EVENTS)) == [world["MOK"]["case"].pk]
    assert_problem(client_b.get(f"{EVENTS}/{world['KOM']['case'].pk}"), 404)
    opening = _opening("KOM", "KOM-NEW-2", voucher_source="MOK")
    assert_problem(client_b.post(EVENTS, opening, format="json"), 403, "source_not_allowed")


def test_operators_still_see_every_source(world, operator_client):
    assert sorted(_ids(operator_client.get(EVENTS))) == sorted([world["KOM"]["case"].pk, world["MOK"]["case"].pk])


def test_no_credentials_no_cases(world):
    assert_problem(APIClient().get(EVENTS), 401)


def test_another_sources_case_and_a_missing_case_are_refused_alike(world, client_a):
    """A partner cannot probe which case ids exist: both answers are the same."""
    theirs = world["MOK"]["case"].pk
    missing = Event.objects.order_by("-pk").first().pk + 1000
    answers = []
    for case_id in (theirs, missing):
        for path, body in (
            (NOTES, {"event": case_id, "body": "hi", "visibility": "shared"}),
            (CONSULTATIONS, {"event": case_id, "caller_name": "X", "phone_number": "+54 11 5555-0000",
                             "direction": "inbound", "outcome": "resolved", "reason": "r"}),
        ):  # fmt: skip
            refused = assert_problem(client_a.post(path, body, format="json"), 400)
            answers.append((path, refused["errors"]["event"]))
    assert answers[:2] == answers[2:]
