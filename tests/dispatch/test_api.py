"""The operators' dispatch API (issue 18): the simulation's steps through /v1/ as an operator records
each of the providers' phone answers, the refusals, and what partners may do and read."""

import datetime

import pytest
from django.utils import timezone

from apps.assistances.models import Event, EventProvider
from apps.audit.models import AuditLog
from apps.masters.models import StatusRole
from apps.tracking.models import TrackingMessage
from tests.assistances.factories import covered_case
from tests.guarantees.helpers import api_as_partner
from tests.helpers import assert_problem
from tests.providers.factories import LocationFactory, ProviderFactory
from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db

EVENTS = "/v1/assistances/events"
LAT, LNG = 40.4203, -3.7058


def _garage(event, km: float):
    provider = ProviderFactory(assistances=[event.assistance], country=country("ES"))
    LocationFactory(provider=provider, latitude=LAT, longitude=LNG + km / 84.7)
    return provider


def _scene(operator, source: str):
    event = covered_case(source=source, actor=operator, country=country("ES"), latitude=LAT, longitude=LNG)
    return event, [_garage(event, km) for km in (1, 2, 3)]


@pytest.fixture
def scene(operator):
    """A case of KOM's (a partner reading its own case) with three garages 1, 2 and 3 km away."""
    return _scene(operator, "KOM")


@pytest.fixture
def mok_scene(operator):
    """The same for MOK, which hears the tracking messages."""
    return _scene(operator, "MOK")


def _at(monkeypatch, when: datetime.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: when)


def test_the_simulation_through_the_api(operator_client, mok_scene, monkeypatch):
    event, (first, second, _third) = mok_scene
    t0 = timezone.now().replace(microsecond=0)
    minute = datetime.timedelta(minutes=1)

    _at(monkeypatch, t0)
    offered = operator_client.post(f"{EVENTS}/{event.pk}/offers", {"provider": first.pk}, format="json")
    assert offered.status_code == 201, offered.content
    offer = offered.json()
    assert (offer["status"], offer["offer_rank"], offer["provider"]) == ("OFFERED", 1, first.pk)
    assert offer["offered_at"] and offer["offer_expires_at"] and offer["accepted_at"] is None

    # The same provider again while its offer is open: a conflict.
    again = operator_client.post(f"{EVENTS}/{event.pk}/offers", {"provider": first.pk}, format="json")
    assert_problem(again, 409, "offer_open")

    # The nearest declines on the phone: the cascade offers the next provider of the search at once.
    _at(monkeypatch, t0 + 2 * minute)
    url = f"{EVENTS}/providers/{offer['id']}"
    declined = operator_client.post(f"{url}/decline", {"reason": "No truck free"}, format="json")
    assert declined.status_code == 200, declined.content
    assert (declined.json()["status"], declined.json()["reason"]) == ("DECLINED", "No truck free")
    assert declined.json()["declined_at"]
    listed = operator_client.get(f"{EVENTS}/{event.pk}/providers").json()["results"]
    assert sorted((row["provider"], row["status"], row["offer_rank"]) for row in listed) == [
        (first.pk, "DECLINED", 1),
        (second.pk, "OFFERED", 2),
    ]
    second_offer = EventProvider.objects.get(event=event, provider=second)

    # It accepts with a 40-minute ETA.
    _at(monkeypatch, t0 + 3 * minute)
    url = f"{EVENTS}/providers/{second_offer.pk}"
    accepted = operator_client.post(f"{url}/accept", {"eta_minutes": 40}, format="json")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "ASSIGNED"
    assert EventProvider.objects.get(pk=second_offer.pk).eta_at == t0 + 43 * minute

    _at(monkeypatch, t0 + 5 * minute)
    en_route = operator_client.post(f"{url}/en-route")
    assert en_route.status_code == 200, en_route.content
    assert en_route.json()["status"] == "EN_ROUTE" and en_route.json()["en_route_at"]

    # It arrives 55 minutes after accepting, 15 minutes late: the case is flagged in its GET.
    _at(monkeypatch, t0 + 58 * minute)
    arrived = operator_client.post(f"{url}/arrived")
    assert arrived.status_code == 200, arrived.content
    assert arrived.json()["status"] == "STARTED" and arrived.json()["eta_breached_at"]
    case = operator_client.get(f"{EVENTS}/{event.pk}").json()
    assert case["eta_breached_at"] and case["no_provider_at"] is None and case["cascade_enabled"] is True
    assert Event.objects.get(pk=event.pk).eta_breached_at == t0 + 58 * minute

    _at(monkeypatch, t0 + 90 * minute)
    completed = operator_client.post(f"{url}/completed")
    assert completed.status_code == 200, completed.content
    assert completed.json()["status"] == "RESOLVED" and completed.json()["resolved_at"]

    # A step the machine does not allow now: a conflict, nothing written.
    assert_problem(operator_client.post(f"{url}/en-route"), 409)

    actions = list(TrackingMessage.objects.filter(event=event).order_by("id").values_list("action", flat=True))
    assert actions == ["EVENT_PROVIDER_CREATE", "EVENT_PROVIDER_START", "EVENT_PROVIDER_RESOLVE"]
    assert AuditLog.objects.filter(case_reference=event.code).exists()


def test_an_expired_offer_cannot_be_accepted(operator_client, scene, monkeypatch):
    event, (first, *_rest) = scene
    t0 = timezone.now().replace(microsecond=0)
    _at(monkeypatch, t0)
    offer = operator_client.post(f"{EVENTS}/{event.pk}/offers", {"provider": first.pk}, format="json").json()
    _at(monkeypatch, t0 + datetime.timedelta(hours=1))
    late = operator_client.post(f"{EVENTS}/providers/{offer['id']}/accept", {"eta_minutes": 30}, format="json")
    assert_problem(late, 409, "offer_expired")


def test_the_cascade_switch(operator_client, scene):
    event, (first, *_rest) = scene
    off = operator_client.post(f"{EVENTS}/{event.pk}/cascade", {"enabled": False}, format="json")
    assert off.status_code == 200, off.content
    assert off.json()["cascade_enabled"] is False and off["ETag"] == f'"{off.json()["version"]}"'
    offer = operator_client.post(f"{EVENTS}/{event.pk}/offers", {"provider": first.pk}, format="json").json()
    operator_client.post(f"{EVENTS}/providers/{offer['id']}/decline", {"reason": "Closed"}, format="json")
    # Off: nobody else is offered.
    assert EventProvider.objects.filter(event=event).count() == 1
    assert EventProvider.objects.get(pk=offer["id"]).status.role == StatusRole.DECLINED
    on = operator_client.post(f"{EVENTS}/{event.pk}/cascade", {"enabled": True}, format="json")
    assert on.json()["cascade_enabled"] is True


def test_an_offer_is_cancelled_with_the_assignments_patch(operator_client, scene):
    event, (first, *_rest) = scene
    offer = operator_client.post(f"{EVENTS}/{event.pk}/offers", {"provider": first.pk}, format="json").json()
    url = f"{EVENTS}/providers/{offer['id']}"
    cancelled = operator_client.patch(url, {"status": "CANCELLED", "reason": "Traveller went by taxi"}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    body = cancelled.json()
    assert (body["status"], body["reason"]) == ("CANCELLED", "Traveller went by taxi") and body["cancelled_at"]


def test_refusals(operator_client, scene):
    event, (first, *_rest) = scene
    offer = operator_client.post(f"{EVENTS}/{event.pk}/offers", {"provider": first.pk}, format="json").json()
    url = f"{EVENTS}/providers/{offer['id']}"
    for eta in (0, -5, 24 * 60 + 1, "soon"):
        refused = operator_client.post(f"{url}/accept", {"eta_minutes": eta}, format="json")
        assert list(assert_problem(refused, 400)["error_codes"]) == ["eta_minutes"], eta
    assert assert_problem(operator_client.post(f"{url}/accept", {}, format="json"), 400)["error_codes"] == {
        "eta_minutes": ["required"]
    }
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        refused = operator_client.post(f"{url}/decline", body, format="json")
        assert list(assert_problem(refused, 400)["error_codes"]) == ["reason"], body
    refused = operator_client.post(f"{EVENTS}/{event.pk}/cascade", {}, format="json")
    assert assert_problem(refused, 400)["error_codes"] == {"enabled": ["required"]}
    unknown = operator_client.post(f"{EVENTS}/{event.pk}/offers", {"provider": first.pk, "eta": 3}, format="json")
    assert "eta" in assert_problem(unknown, 400)["error_codes"]
    # A provider that does not offer the case's assistance.
    other = ProviderFactory(country=country("ES"))
    refused = operator_client.post(f"{EVENTS}/{event.pk}/offers", {"provider": other.pk}, format="json")
    assert assert_problem(refused, 400)["error_codes"] == {"provider": ["assistance_not_offered"]}
    assert EventProvider.objects.get(pk=offer["id"]).status.role == StatusRole.OFFERED


def test_partners_read_the_times_of_their_own_cases_and_write_nothing(operator_client, scene):
    event, (first, *_rest) = scene
    offer = operator_client.post(f"{EVENTS}/{event.pk}/offers", {"provider": first.pk}, format="json").json()
    url = f"{EVENTS}/providers/{offer['id']}"
    operator_client.post(f"{url}/decline", {"reason": "No truck free tonight"}, format="json")
    kom = api_as_partner("KOM")

    for path, body in [
        (f"{EVENTS}/{event.pk}/offers", {"provider": first.pk}),
        (f"{EVENTS}/{event.pk}/cascade", {"enabled": False}),
        (f"{url}/accept", {"eta_minutes": 30}),
        (f"{url}/decline", {"reason": "x"}),
        (f"{url}/en-route", None),
        (f"{url}/arrived", None),
        (f"{url}/completed", None),
    ]:
        assert_problem(kom.post(path, body, format="json"), 403, "partner_write_not_allowed")
    assert Event.objects.get(pk=event.pk).cascade_enabled is True

    # Its own case: every step's time, not the provider's words.
    seen = kom.get(url).json()
    assert seen["status"] == "DECLINED" and seen["declined_at"] and seen["offer_rank"] == 1
    assert seen["reason"] == ""
    assert operator_client.get(url).json()["reason"] == "No truck free tonight"
    rows = kom.get(f"{EVENTS}/{event.pk}/providers").json()["results"]
    assert rows and all(row["reason"] == "" for row in rows)
    case = kom.get(f"{EVENTS}/{event.pk}").json()
    assert {"cascade_enabled", "no_provider_at", "eta_breached_at"} <= set(case)
    listed = kom.get(EVENTS).json()["results"]
    assert [row["cascade_enabled"] for row in listed if row["id"] == event.pk] == [True]


def test_another_partner_finds_nothing(operator_client, scene):
    event, (first, *_rest) = scene
    offer = operator_client.post(f"{EVENTS}/{event.pk}/offers", {"provider": first.pk}, format="json").json()
    mok = api_as_partner("MOK")
    assert_problem(mok.get(f"{EVENTS}/providers/{offer['id']}"), 404)
    assert_problem(mok.get(f"{EVENTS}/{event.pk}"), 404)
    # Writes are refused before any lookup: the same answer for another's case and a missing one.
    mine = mok.post(f"{EVENTS}/providers/{offer['id']}/accept", {"eta_minutes": 30}, format="json")
    missing = mok.post(f"{EVENTS}/providers/987654321/accept", {"eta_minutes": 30}, format="json")
    assert mine.status_code == missing.status_code == 403


def test_an_offer_replayed_with_its_idempotency_key_is_made_once(operator_client, scene):
    event, (first, *_rest) = scene
    path = f"{EVENTS}/{event.pk}/offers"
    one = operator_client.post(path, {"provider": first.pk}, format="json", HTTP_IDEMPOTENCY_KEY="offer-1")
    two = operator_client.post(path, {"provider": first.pk}, format="json", HTTP_IDEMPOTENCY_KEY="offer-1")
    assert one.status_code == two.status_code == 201 and one.json() == two.json()
    assert two["Idempotent-Replayed"] == "true"
    assert EventProvider.objects.filter(event=event).count() == 1
