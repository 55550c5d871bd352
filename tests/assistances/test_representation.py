"""One definition of a case's fields (apps.assistances.fields): the serializer, the fast list path and the
services' whitelists are built from it, and the two read paths answer the same JSON field by field."""

import datetime
import json
from types import SimpleNamespace

import pytest
from django.utils import timezone

from apps.assistances import fields, selectors, services
from apps.assistances.api.serializers import (
    EventCreateSerializer,
    EventSerializer,
    EventUpdateSerializer,
    event_rows_data,
)
from apps.assistances.models import Event
from apps.core.exceptions import ValidationFailed
from apps.core.visibility import OPERATOR_LABEL, is_partner
from tests.assistances.factories import covered_case
from tests.clients.factories import credentials as partner_credentials
from tests.masters.factories import CityFactory
from tests.vouchers.factories import assistance, country

pytestmark = pytest.mark.django_db


def _partner(source: str):
    """A stand-in for an API client confined to ``source`` (as in test_list_fast_path)."""
    return SimpleNamespace(
        is_api_client=True,
        source_code=source,
        is_authenticated=True,
        is_anonymous=False,
        pk=None,
        has_perms=lambda perms, obj=None: True,
        has_perm=lambda perm, obj=None: True,
    )


@pytest.fixture
def full_case(operator):
    """A case with every field of the answer set (no null anywhere)."""
    es = country("ES")
    city = CityFactory(country=es, code="3117735", name="Madrid")
    event = covered_case(
        actor=operator,
        source="MOK",
        external_reference="FULL-1",
        country=es,
        city=city,
        traveller_name="María José O'Brien",
        traveller_document_type="passport",
        traveller_phone="+34 600 000 000",
        traveller_email="maria@example.com",
        address="Gran Vía 1",
        latitude=40.4168,
        longitude=-3.7038,
        description="Dolor de pecho — «urgente»",
        priority="high",
    )
    services.event_take(event=event, operator=operator)
    services.event_change_status(event=Event.objects.get(pk=event.pk), to_code="IN_PROGRESS", actor=operator)
    now = timezone.now()
    # A closing time on an open case is not a real state, but it is a value of the column: both paths
    # must render it alike.
    Event.objects.filter(pk=event.pk).update(
        closed_at=now,
        coverage_override_reason="Checked by phone",
        latitude=40.0,
        longitude=-3.5,
        cascade_enabled=False,
        no_provider_at=now,
        eta_breached_at=now,
    )
    return Event.objects.get(pk=event.pk)


@pytest.fixture
def sparse_case(operator):
    """A case with every nullable field null: no voucher, city, place, operator, response, closing or SLA."""
    event = services.event_open(
        data={
            "source_code": "MOK",
            "traveller_name": "Zoë",
            "assistance": assistance("TOWING"),
            "country": country("FR"),
        },
        override_reason="Stranded at night",
        actor=operator,
    ).event
    # The opener owns what they open; a sparse case has nobody yet.
    Event.objects.filter(pk=event.pk).update(sla_due_at=None, assigned_operator=None)
    return Event.objects.get(pk=event.pk)


def _both(event, caller) -> tuple[dict, dict]:
    """The case as EventSerializer says it to ``caller`` and as the fast list path does."""
    instance = selectors.event_list().get(pk=event.pk)
    serialized = dict(EventSerializer(instance, context={"request": SimpleNamespace(user=caller)}).data)
    rows = selectors.event_rows(ids=[event.pk], caller=caller)
    (fast,) = event_rows_data(rows, partner=is_partner(caller))
    return serialized, fast


@pytest.mark.parametrize("who", ["operator", "partner"])
@pytest.mark.parametrize("shape", ["full", "sparse"])
def test_fast_path_and_serializer_agree_field_by_field(who, shape, operator, full_case, sparse_case):
    event = full_case if shape == "full" else sparse_case
    caller = operator if who == "operator" else _partner("MOK")
    serialized, fast = _both(event, caller)
    assert list(serialized) == list(fast) == list(fields.EVENT_READ_FIELDS)
    for name in fields.EVENT_READ_FIELDS:
        assert type(fast[name]) is type(serialized[name]), name
        assert fast[name] == serialized[name], name
        assert json.dumps(fast[name]) == json.dumps(serialized[name]), name
    nulls = {name for name, value in serialized.items() if value is None}
    if shape == "full":
        assert nulls == set()
    else:
        assert nulls == {
            "external_reference",
            "voucher",
            "city",
            "latitude",
            "longitude",
            "assigned_operator",
            "first_response_at",
            "closed_at",
            "sla_due_at",
            "no_provider_at",
            "eta_breached_at",
        }
    if who == "partner" and shape == "full":
        assert fast["assigned_operator"] == str(OPERATOR_LABEL)


@pytest.mark.parametrize("who", ["operator", "partner"])
def test_list_and_detail_answer_the_same_json(who, operator_client, api_client, full_case, sparse_case):
    """Over HTTP: the list (fast path) and the detail (EventSerializer) render the same JSON for each case."""
    client = operator_client
    if who == "partner":
        api_client.force_authenticate(user=_partner("MOK"), token=partner_credentials())
        client = api_client
    listed = {row["id"]: row for row in client.get("/v1/assistances/events").json()["results"]}
    assert set(listed) == {full_case.pk, sparse_case.pk}
    for event in (full_case, sparse_case):
        detail = client.get(f"/v1/assistances/events/{event.pk}").json()
        assert json.dumps(listed[event.pk]) == json.dumps(detail)


def test_every_list_is_built_from_the_one_definition():
    assert list(EventSerializer.Meta.fields) == list(fields.EVENT_READ_FIELDS)
    assert (
        tuple(fields.read_path(name) for name in fields.EVENT_READ_FIELDS if name not in fields.EVENT_COMPUTED_FIELDS)
        == selectors.EVENT_ROW_FIELDS
    )
    assert set(fields.EVENT_OPENING_FIELDS) == services.OPENING_FIELDS
    assert set(fields.EVENT_UPDATABLE_FIELDS) == services.UPDATABLE_FIELDS
    # The API's write serializers declare each field's input format (the contract); they take exactly
    # what a partner may write (override_reason is an opening option, not a field of the case).
    assert set(EventCreateSerializer().fields) - {"override_reason"} == set(fields.EVENT_PARTNER_OPENING_FIELDS)
    assert set(EventUpdateSerializer().fields) == set(fields.EVENT_PARTNER_UPDATABLE_FIELDS)
    # Every stored field a case answer shows exists on the model (a renamed column fails here).
    for name in fields.EVENT_READ_FIELDS:
        if name not in fields.EVENT_COMPUTED_FIELDS:
            Event._meta.get_field(name)
    for name in fields.EVENT_OPENING_FIELDS:
        assert Event._meta.get_field(name).editable, name


def test_an_edit_is_held_to_the_format_of_opening(full_case):
    """The update's fields are the opening's declarations made optional: what opening refuses in a
    field, an edit refuses with the same words, and nothing is required."""
    bad = {
        "traveller_name": "",
        "traveller_phone": "9" * 41,
        "traveller_email": "not an address",
        "city": "C" * 21,
        "latitude": 91,
        "longitude": -180.5,
        "priority": "whenever",
    }
    opening = EventCreateSerializer(data=bad)
    edit = EventUpdateSerializer(data=bad, context={"event": full_case})
    assert not opening.is_valid() and not edit.is_valid()
    assert set(edit.errors) == set(bad)
    assert {name: opening.errors[name] for name in bad} == edit.errors
    assert EventUpdateSerializer(data={}, context={"event": full_case}).is_valid()
    assert list(EventUpdateSerializer().fields) == list(fields.EVENT_PARTNER_UPDATABLE_FIELDS)


def test_updatable_fields_are_what_event_update_accepts(operator, full_case):
    event = services.event_update(
        event=full_case, data={"traveller_phone": "+1 555 0100", "priority": "low"}, actor=operator
    )
    assert (event.traveller_phone, event.priority) == ("+1 555 0100", "low")
    with pytest.raises(ValidationFailed) as refused:
        services.event_update(event=event, data={"source_code": "KOM", "voucher": None}, actor=operator)
    assert set(refused.value.errors) == {"source_code", "voucher"}


def test_sparse_case_sla_state_is_ok_on_both_paths(sparse_case, operator):
    serialized, fast = _both(sparse_case, operator)
    assert serialized["sla_state"] == fast["sla_state"] == "ok"
    assert datetime.datetime.fromisoformat(fast["opened_at"].replace("Z", "+00:00"))
