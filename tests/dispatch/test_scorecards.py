"""Scorecards, the reliability refresh and the reliability-weighted search, on the issue's simulation:
with a controlled clock, three providers near a case; the first declines, the second lets the offer
expire, the third accepts with a 40-minute ETA and arrives 55 minutes later."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from apps.assistances import scorecards
from apps.assistances.models import EventProvider, NoteKind
from apps.assistances.services import dispatch, note_create
from apps.masters.models import Assistance, Country
from apps.providers.models import ProviderReliability
from apps.providers.selectors import LocationQuery, location_search, reliability_score
from tests.assistances.factories import covered_case
from tests.providers.factories import LocationFactory, ProviderFactory
from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db

LAT, LNG = 40.4203, -3.7058  # Madrid
KM_PER_DEGREE_LNG = 84.7
MINUTE = datetime.timedelta(minutes=1)
# A Tuesday morning in Madrid (10:00 local), far from any month boundary.
T0 = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


def _garage(assistance, km: float, **location):
    provider = ProviderFactory(assistances=[assistance], country=country("ES"))
    LocationFactory(provider=provider, latitude=LAT, longitude=LNG + km / KM_PER_DEGREE_LNG, **location)
    return provider


@pytest.fixture
def played():
    """The simulation played out; returns the three providers."""
    event = covered_case(source="MOK", country=country("ES"), latitude=LAT, longitude=LNG)
    first, second, third = (_garage(event.assistance, km) for km in (1, 2, 3))
    offer = dispatch.provider_offer(event=event, provider=first, now=T0)
    dispatch.provider_decline(assignment=offer, reason="No truck free", now=T0 + 2 * MINUTE)
    assert dispatch.offers_expire_due(now=T0 + 12 * MINUTE) == 1
    third_offer = EventProvider.objects.get(event=event, provider=third)
    accepted = dispatch.provider_accept(assignment=third_offer, eta_minutes=40, now=T0 + 13 * MINUTE)
    arrived = dispatch.provider_arrived(assignment=accepted, now=T0 + 68 * MINUTE)  # 55 minutes after accepting
    dispatch.provider_completed(assignment=arrived, now=T0 + 120 * MINUTE)
    # The traveller complains about the service: it counts against the provider that had the job.
    note_create(event=event, body="The driver arrived an hour late and was rude.", kind=NoteKind.COMPLAINT)
    EventProvider.objects.filter(pk=third_offer.pk).update(
        currency="EUR", final_cost=Decimal("120.00"), guaranteed_amount=Decimal("100.00")
    )
    return first, second, third


def test_scorecards_from_the_timestamps(played):
    first, second, third = played
    start, end = T0 - datetime.timedelta(hours=1), T0 + datetime.timedelta(days=1)
    card = scorecards.provider_scorecard(provider_id=third.pk, start=start, end=end)
    assert {k: v for k, v in card.items() if k not in {"start", "end", "provider_id"}} == {
        "offers": 1,
        "accepted": 1,
        "acceptance_rate": 1.0,
        "median_minutes_to_accept": 1.0,  # offered at T0+12 (after the expiry), accepted at T0+13
        "arrivals": 1,
        "on_time": 0,
        "on_time_share": 0.0,
        "median_eta_promised_minutes": 40.0,
        "median_eta_actual_minutes": 55.0,
        "resolved": 1,
        "completion_rate": 1.0,
        "cancellations": 0,
        "cost_vs_guarantee": {
            "EUR": {
                "count": 1,
                "average_final_cost": Decimal("120.00"),
                "average_guaranteed": Decimal("100.00"),
                "ratio": Decimal("1.2"),
            }
        },
        "complaints": 1,  # a complaint note on the case after it accepted
    }
    for refused in (first, second):
        card = scorecards.provider_scorecard(provider_id=refused.pk, start=start, end=end)
        assert (card["offers"], card["accepted"], card["acceptance_rate"]) == (1, 0, 0.0)
        assert card["on_time_share"] is None and card["completion_rate"] is None
        assert card["median_minutes_to_accept"] is None
        assert card["complaints"] == 0  # it never had the job

    # The network report of the month: the three, acceptance 1/3 across the case.
    report = scorecards.network_report(datetime.date(2026, 3, 1))
    assert sorted((row["provider_id"], row["offers"], row["accepted"]) for row in report) == sorted(
        [(first.pk, 1, 0), (second.pk, 1, 0), (third.pk, 1, 1)]
    )
    assert sum(row["accepted"] for row in report) / sum(row["offers"] for row in report) == 1 / 3
    assert scorecards.network_report(datetime.date(2026, 2, 1)) == []

    # Rolling 90 days from a day later holds the same offers; a month later than 90 days, none.
    periods = scorecards.provider_scorecards(provider_id=third.pk, now=T0 + datetime.timedelta(days=1))
    assert periods["rolling"]["offers"] == 1 and periods["rolling"]["on_time"] == 0
    late = scorecards.provider_scorecards(provider_id=third.pk, now=T0 + datetime.timedelta(days=91))
    assert late["rolling"]["offers"] == 0 and late["rolling"]["acceptance_rate"] is None


def test_one_query_per_period(played, django_assert_num_queries):
    with django_assert_num_queries(1):
        scorecards.provider_scorecard(provider_id=played[2].pk, start=T0, end=T0 + datetime.timedelta(days=1))
    with django_assert_num_queries(2):  # the rows, then the providers' names
        scorecards.network_report(datetime.date(2026, 3, 1))


def test_reliability_refresh_writes_the_rows_and_drops_aged_out_ones(played):
    first, second, third = played
    assert dispatch.reliability_refresh(now=T0 + datetime.timedelta(days=1)) == 3
    rows = {
        row.provider_id: (row.offers, row.accepted, row.arrivals, row.on_time)
        for row in ProviderReliability.objects.all()
    }
    assert rows == {first.pk: (1, 0, 0, 0), second.pk: (1, 0, 0, 0), third.pk: (1, 1, 1, 0)}
    assert dispatch.reliability_refresh(now=T0 + datetime.timedelta(days=1)) == 3  # idempotent
    assert ProviderReliability.objects.count() == 3
    assert dispatch.reliability_refresh(now=T0 + datetime.timedelta(days=91)) == 0
    assert not ProviderReliability.objects.exists()


def _history(provider, offers, accepted, arrivals, on_time):
    ProviderReliability.objects.create(
        provider=provider, offers=offers, accepted=accepted, arrivals=arrivals, on_time=on_time
    )


@pytest.fixture
def near_and_far():
    assistance = Assistance.objects.get(code="MED_EMERGENCY")
    near = _garage(assistance, 2)
    far = _garage(assistance, 10)
    _history(near, 20, 4, 4, 1)  # says no four times in five, rarely on time
    _history(far, 20, 19, 19, 18)
    return assistance, near, far


def test_weighted_search_prefers_the_reliable_farther_provider_with_its_parts(near_and_far):
    assistance, near, far = near_and_far
    query = LocationQuery(lat=LAT, lng=LNG, radius_km=50, assistance=assistance)
    by_distance = location_search(query)
    assert [hit.provider.id for hit in by_distance] == [near.pk, far.pk]  # unchanged default
    assert all(hit.score is None and hit.acceptance is None for hit in by_distance)

    weighted = location_search(LocationQuery(lat=LAT, lng=LNG, radius_km=50, assistance=assistance, rank="reliability"))
    assert [hit.provider.id for hit in weighted] == [far.pk, near.pk]
    best, worst = weighted
    assert (best.acceptance, best.on_time, best.open_now, best.history_offers) == (0.92, 0.9167, None, 20)
    assert (worst.acceptance, worst.on_time) == (0.32, 0.5556)
    assert best.distance_km == pytest.approx(10, abs=0.1) and worst.distance_km == pytest.approx(2, abs=0.1)
    expected = reliability_score(
        distance_km=best.distance_km, radius_km=50, offers=20, accepted=19, arrivals=19, on_time=18
    )
    assert best.score == expected.score and best.score > worst.score

    # The same answer through the ORM paths (a category filter; the full scan) and the cascade.
    for kwargs in ({"category": assistance.category}, {}):
        q = LocationQuery(lat=LAT, lng=LNG, radius_km=50, assistance=assistance, rank="reliability", **kwargs)
        assert [hit.provider.id for hit in location_search(q, use_index=not kwargs)] == [far.pk, near.pk]
    event = covered_case(source="MOK", country=country("ES"), latitude=LAT, longitude=LNG)
    assert [hit.provider.id for hit in dispatch.next_candidates(event=event, exclude=set(), limit=1)] == [far.pk]


def test_a_provider_without_history_gets_the_neutral_prior(near_and_far):
    assistance, near, far = near_and_far
    newcomer = _garage(assistance, 5)
    hits = location_search(LocationQuery(lat=LAT, lng=LNG, radius_km=50, assistance=assistance, rank="reliability"))
    new_hit = next(hit for hit in hits if hit.provider.id == newcomer.pk)
    assert (new_hit.acceptance, new_hit.on_time, new_hit.history_offers) == (0.8, 0.8, 0)
    # Between the two: not penalised below the unreliable one, not above the proven reliable one.
    assert [hit.provider.id for hit in hits] == [far.pk, newcomer.pk, near.pk]


def test_closed_now_is_penalised_in_the_locations_zone():
    Country.objects.filter(pk=country("ES").pk).update(time_zone="Europe/Madrid")
    assistance = Assistance.objects.get(code="MED_EMERGENCY")
    office_hours = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    near = _garage(assistance, 1, opening_hours=office_hours)
    far = _garage(assistance, 8, is_24h=True)
    query = {"lat": LAT, "lng": LNG, "radius_km": 50, "assistance": assistance, "rank": "reliability"}
    # 06:30 UTC is 07:30 in Madrid (closed) though 08:00 has passed in some zones.
    night = datetime.datetime(2026, 3, 10, 6, 30, tzinfo=datetime.UTC)
    hits = location_search(LocationQuery(**query, at=night))
    assert [(hit.provider.id, hit.open_now) for hit in hits] == [(far.pk, True), (near.pk, False)]
    day = datetime.datetime(2026, 3, 10, 7, 30, tzinfo=datetime.UTC)  # 08:30 in Madrid: open
    hits = location_search(LocationQuery(**query, at=day))
    assert [(hit.provider.id, hit.open_now) for hit in hits] == [(near.pk, True), (far.pk, True)]
    # Without a time, hours are not checked (no penalty).
    hits = location_search(LocationQuery(**query))
    assert [(hit.provider.id, hit.open_now) for hit in hits] == [(near.pk, None), (far.pk, None)]


def test_without_history_the_cascade_keeps_the_distance_order():
    event = covered_case(source="MOK", country=country("ES"), latitude=LAT, longitude=LNG)
    garages = [_garage(event.assistance, km) for km in (3, 1, 2)]
    hits = dispatch.next_candidates(event=event, exclude=set(), limit=3)
    assert [hit.provider.id for hit in hits] == [garages[1].pk, garages[2].pk, garages[0].pk]


def test_console_shows_the_scorecard_the_network_report_and_the_score_parts(played, admin_browser):
    first, second, third = played
    # The provider page shows this month and the last 90 days: the played March is moved to now.
    shift = timezone.now() - (T0 + 3 * 60 * MINUTE)
    for name in ("offered_at", "offer_expires_at", "accepted_at", "eta_at", "started_at", "resolved_at"):
        EventProvider.objects.filter(**{f"{name}__isnull": False}).update(**{name: F(name) + shift})
    page = admin_browser.get(f"/admin/providers/provider/{third.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    page = page.content.decode()
    panel = page.split("field-provider_panels")[1]
    assert "0/1" in panel  # on time: 0 of 1 arrival with a promise
    assert "40.0 / 55.0" in panel  # ETA promised / actual, medians in minutes
    assert "Complaints</th><td>1</td>" in panel
    month = f"{timezone.localdate():%Y-%m}"
    report = admin_browser.get("/admin/assistances/event/network-report/", {"month": month})
    assert report.status_code == 200
    body = report.content.decode()
    assert all(provider.display_name in body for provider in (first, second, third))
    event = EventProvider.objects.get(provider=third).event
    assign = admin_browser.get(f"/admin/assistances/event/{event.pk}/assign/").content.decode()
    assert "0.8" in assign or "80 %" in assign  # the parts: acceptance and on-time columns, the score
