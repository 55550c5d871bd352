"""The issue's simulation with a controlled clock: three providers near a case; the nearest declines,
the second lets the offer expire, the third accepts with a 40-minute ETA and arrives after 55 minutes.
The cascade, the queue flags and MOK's tracking messages are asserted exactly."""

import datetime

import pytest
from django.utils import timezone

from apps.assistances.models import Event, EventProvider
from apps.assistances.services import dispatch
from apps.masters.models import StatusRole
from apps.tracking.models import TrackingMessage
from tests.assistances.factories import covered_case
from tests.providers.factories import LocationFactory, ProviderFactory
from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db

# Madrid, and three garages 1, 2 and 3 km east of the traveller.
LAT, LNG = 40.4203, -3.7058


def _garage(event, km: float):
    provider = ProviderFactory(assistances=[event.assistance], country=country("ES"))
    LocationFactory(provider=provider, latitude=LAT, longitude=LNG + km / 84.7)  # ~84.7 km per degree here
    return provider


@pytest.fixture
def scene():
    start = timezone.now().replace(microsecond=0)
    event = covered_case(source="MOK", country=country("ES"), latitude=LAT, longitude=LNG)
    garages = [_garage(event, km) for km in (1, 2, 3)]
    return event, garages, start


def test_decline_expiry_acceptance_and_a_late_arrival(scene):
    event, (first, second, third), t0 = scene
    minute = datetime.timedelta(minutes=1)
    offer = dispatch.provider_offer(event=event, provider=first, now=t0)
    assert (offer.offer_rank, offer.offer_expires_at) == (1, t0 + 10 * minute)  # normal priority: 10 minutes

    # The nearest declines: the cascade offers the next provider of the search at once.
    dispatch.provider_decline(assignment=offer, reason="No truck free", now=t0 + 2 * minute)
    offers = list(EventProvider.objects.filter(event=event).order_by("offer_rank"))
    assert [(o.provider_id, o.status.role) for o in offers] == [
        (first.pk, StatusRole.DECLINED),
        (second.pk, StatusRole.OFFERED),
    ]
    # The second lets it expire: the periodic job expires it and offers the third.
    assert dispatch.offers_expire_due(now=t0 + 11 * minute) == 0  # not yet (offered at t0+2, 10 minutes)
    assert dispatch.offers_expire_due(now=t0 + 12 * minute) == 1
    third_offer = EventProvider.objects.get(event=event, provider=third)
    assert (third_offer.status.role, third_offer.offer_rank) == (StatusRole.OFFERED, 3)
    assert EventProvider.objects.get(event=event, provider=second).status.role == StatusRole.EXPIRED

    # The third accepts with a 40-minute ETA and arrives 55 minutes later: the case is flagged late.
    accepted = dispatch.provider_accept(assignment=third_offer, eta_minutes=40, now=t0 + 13 * minute)
    assert accepted.eta_at == t0 + 53 * minute
    assert dispatch.eta_breaches_flag(now=t0 + 50 * minute) == 0
    dispatch.provider_en_route(assignment=accepted, now=t0 + 15 * minute)
    assert dispatch.eta_breaches_flag(now=t0 + 60 * minute) == 1
    arrived = dispatch.provider_arrived(assignment=accepted, now=t0 + 68 * minute)
    assert arrived.started_at == t0 + 68 * minute and arrived.eta_breached_at is not None
    dispatch.provider_completed(assignment=arrived, now=t0 + 120 * minute)
    event = Event.objects.get(pk=event.pk)
    assert event.eta_breached_at == t0 + 60 * minute and event.no_provider_at is None

    # MOK hears the seed's actions only: created when accepted, started on arrival, resolved.
    actions = list(TrackingMessage.objects.filter(event=event).order_by("id").values_list("action", flat=True))
    assert actions == ["EVENT_PROVIDER_CREATE", "EVENT_PROVIDER_START", "EVENT_PROVIDER_RESOLVE"]


def test_past_the_limit_the_case_is_flagged_no_provider_and_operators_can_stop_the_cascade(scene):
    event, garages, t0 = scene
    offer = dispatch.provider_offer(event=event, provider=garages[0], now=t0)
    dispatch.cascade_set(event=event, enabled=False)
    dispatch.provider_decline(assignment=offer, reason="Closed", now=t0)
    assert EventProvider.objects.filter(event=event).count() == 1  # no cascade when turned off
    dispatch.cascade_set(event=event, enabled=True)
    for minutes in (1, 12, 23, 34):
        dispatch.offers_expire_due(now=t0 + datetime.timedelta(minutes=minutes))
    nxt = EventProvider.objects.filter(event=event, status__role=StatusRole.OFFERED).first()
    assert nxt is None  # nothing live: the cascade starts again only with a decline or an expiry
    second = dispatch.provider_offer(event=event, provider=garages[1], now=t0 + datetime.timedelta(minutes=40))
    dispatch.offers_expire_due(now=t0 + datetime.timedelta(minutes=51))  # the third is offered
    dispatch.offers_expire_due(now=t0 + datetime.timedelta(minutes=62))  # three offers: the limit
    assert EventProvider.objects.filter(event=event, offered_at__isnull=False).count() == 3
    assert Event.objects.get(pk=event.pk).no_provider_at == t0 + datetime.timedelta(minutes=62)
    assert second.offer_rank == 2
