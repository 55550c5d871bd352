"""The console's side of dispatch: the queue's flags and counter, the offer button beside Assign, the
provider step page's dispatch actions and timeline, the case header's cascade toggle."""

import datetime

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.assistances import selectors
from apps.assistances.models import Event, EventProvider
from apps.assistances.services import dispatch
from apps.masters.models import StatusRole
from tests.assistances.factories import covered_case
from tests.assistances.test_queue import _captured
from tests.helpers import count_queries
from tests.providers.factories import LocationFactory, ProviderFactory
from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db

QUEUE = "/admin/assistances/event/queue/"
HTMX = {"HTTP_HX_REQUEST": "true"}
LAT, LNG = 40.4203, -3.7058


@pytest.fixture
def console(client, operator):
    client.force_login(operator)
    return client


def _case():
    return covered_case(source="MOK", country=country("ES"), latitude=LAT, longitude=LNG)


def _garage(event, km: float = 1.0):
    provider = ProviderFactory(assistances=[event.assistance], country=country("ES"))
    location = LocationFactory(provider=provider, latitude=LAT, longitude=LNG + km / 84.7)
    return provider, location


def _row(html: str, case) -> str:
    """A case's row of the queue fragment (its code is also in the fragment's data attributes)."""
    return html.split(f'data-case-id="{case.pk}"', 1)[1].split("</tr>", 1)[0]


def _step_url(assignment):
    return f"/admin/assistances/event/{assignment.event_id}/providers/{assignment.pk}/"


def test_queue_flags_no_provider_and_late_and_counts_no_provider(console, operator):
    quiet, lost, late = _case(), _case(), _case()
    now = timezone.now()
    Event.objects.filter(pk=lost.pk).update(no_provider_at=now)
    Event.objects.filter(pk=late.pk).update(eta_breached_at=now)

    assert selectors.queue_counts(user=operator)["no_provider"] == 1
    assert [e.pk for e in selectors.queue_cases(user=operator, view="no_provider")] == [lost.pk]

    html = console.get(QUEUE, **HTMX).content.decode()
    rows = {case.code: _row(html, case) for case in (quiet, lost, late)}
    assert "case-flag-no-provider" in rows[lost.code] and "case-flag-late" not in rows[lost.code]
    assert "case-flag-late" in rows[late.code] and "case-flag-no-provider" not in rows[late.code]
    assert "case-flag" not in rows[quiet.code]
    assert 'data-view="no_provider"' in html


def test_an_open_offer_shows_its_minutes_left_on_the_queue_row(console):
    event = _case()
    provider, _location = _garage(event)
    dispatch.provider_offer(event=event, provider=provider)  # normal priority: ten minutes
    row = _row(console.get(QUEUE, **HTMX).content.decode(), event)
    assert 'class="case-offer"' in row and ("10 min" in row or "9 min" in row)


def test_queue_query_count_does_not_grow_with_flags_or_offers(console, operator):
    _case()
    baseline, fragment = count_queries(console, QUEUE), len(_captured(console, QUEUE))
    for _n in range(3):
        event = _case()
        provider, _location = _garage(event)
        dispatch.provider_offer(event=event, provider=provider)
        Event.objects.filter(pk=event.pk).update(no_provider_at=timezone.now(), eta_breached_at=timezone.now())
    assert count_queries(console, QUEUE) == baseline
    assert len(_captured(console, QUEUE)) == fragment


def test_the_offer_button_offers_and_assign_stays_the_direct_path(console, operator):
    event = _case()
    (first, first_location), (second, second_location) = _garage(event, 1), _garage(event, 2)
    url = f"/admin/assistances/event/{event.pk}/assign/"
    page = console.get(url).content.decode()
    assert 'name="action" value="offer"' in page  # beside Assign (posted without an action)

    assert console.post(url, {"location": first_location.pk, "action": "offer"}).status_code == 302
    offer = EventProvider.objects.get(event=event, provider=first)
    assert offer.status.role == StatusRole.OFFERED and offer.offered_at and offer.offer_expires_at
    assert offer.created_by == operator and offer.location == first_location
    # A second offer to the same provider is refused on the page, as assign errors are.
    again = console.post(url, {"location": first_location.pk, "action": "offer"})
    assert again.status_code == 200 and EventProvider.objects.filter(event=event, provider=first).count() == 1
    assert again.context["form"].non_field_errors()

    assert console.post(url, {"location": second_location.pk}).status_code == 302
    assigned = EventProvider.objects.get(event=event, provider=second)
    assert assigned.offered_at is None and assigned.status.role != StatusRole.OFFERED


def test_accept_with_an_eta_from_the_step_page(console, operator):
    event = _case()
    provider, _location = _garage(event)
    offer = dispatch.provider_offer(event=event, provider=provider)
    page = console.get(_step_url(offer))
    assert {"accept", "decline"} <= set(page.context["actions"])
    # ACCEPTED is reached only with an ETA: the plain transition form does not list it.
    assert not page.context["form"].fields["status"].queryset.filter(role=StatusRole.ACCEPTED).exists()

    missing = console.post(_step_url(offer), {"dispatch_step": "accept"})
    assert missing.status_code == 200 and missing.context["dispatch_form"].non_field_errors()
    before = timezone.now()
    assert console.post(_step_url(offer), {"dispatch_step": "accept", "eta_minutes": "40"}).status_code == 302
    offer.refresh_from_db()
    assert offer.status.role == StatusRole.ACCEPTED and offer.updated_by == operator
    assert before + datetime.timedelta(minutes=40) <= offer.eta_at <= timezone.now() + datetime.timedelta(minutes=40)

    # Then en route, arrived, completed, each a button offered only when the machine allows it.
    for step, role in (("en_route", StatusRole.EN_ROUTE), ("arrived", StatusRole.STARTED)):
        assert step in console.get(_step_url(offer)).context["actions"]
        assert console.post(_step_url(offer), {"dispatch_step": step}).status_code == 302
        offer.refresh_from_db()
        assert offer.status.role == role
    assert console.post(_step_url(offer), {"dispatch_step": "completed"}).status_code == 302
    offer.refresh_from_db()
    assert offer.status.role == StatusRole.RESOLVED and offer.resolved_at is not None


def test_decline_needs_a_reason(console):
    event = _case()
    provider, _location = _garage(event)
    offer = dispatch.provider_offer(event=event, provider=provider)
    dispatch.cascade_set(event=event, enabled=False)  # only this offer in play
    refused = console.post(_step_url(offer), {"dispatch_step": "decline", "reason": "  "})
    assert refused.status_code == 200 and refused.context["dispatch_form"].non_field_errors()
    offer.refresh_from_db()
    assert offer.status.role == StatusRole.OFFERED
    assert console.post(_step_url(offer), {"dispatch_step": "decline", "reason": "No truck free"}).status_code == 302
    offer.refresh_from_db()
    assert offer.status.role == StatusRole.DECLINED and offer.reason == "No truck free" and offer.declined_at


def test_a_step_the_machine_does_not_allow_is_refused(console):
    event = _case()
    provider, _location = _garage(event)
    offer = dispatch.provider_offer(event=event, provider=provider)
    response = console.post(_step_url(offer), {"dispatch_step": "completed"})
    assert response.status_code == 200 and response.context["dispatch_form"].errors
    offer.refresh_from_db()
    assert offer.status.role == StatusRole.OFFERED


def test_cascade_toggle_on_the_case_header(console, operator):
    event = _case()
    change = f"/admin/assistances/event/{event.pk}/change/"
    page = console.get(change).content.decode()
    assert f"/admin/assistances/event/{event.pk}/cascade/" in page and 'aria-pressed="true"' in page
    assert console.post(f"/admin/assistances/event/{event.pk}/cascade/", {"enabled": "0"}).status_code == 302
    assert Event.objects.get(pk=event.pk).cascade_enabled is False
    assert 'aria-pressed="false"' in console.get(change).content.decode()
    console.post(f"/admin/assistances/event/{event.pk}/cascade/", {"enabled": "1"})
    assert Event.objects.get(pk=event.pk).cascade_enabled is True


def test_case_header_shows_the_flags_and_the_open_offer(console):
    event = _case()
    provider, _location = _garage(event)
    offer = dispatch.provider_offer(event=event, provider=provider)
    Event.objects.filter(pk=event.pk).update(no_provider_at=timezone.now(), eta_breached_at=timezone.now())
    page = console.get(f"/admin/assistances/event/{event.pk}/change/").content.decode()
    assert "case-flag-no-provider" in page and "case-flag-late" in page
    assert _step_url(offer) in page and provider.display_name in page


def test_the_step_page_tells_the_dispatch_timeline(console):
    event = _case()
    provider, _location = _garage(event)
    t0 = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2)
    minute = datetime.timedelta(minutes=1)
    offer = dispatch.provider_offer(event=event, provider=provider, now=t0)
    dispatch.provider_accept(assignment=offer, eta_minutes=40, now=t0 + 3 * minute)
    dispatch.provider_en_route(assignment=offer, now=t0 + 5 * minute)
    dispatch.provider_arrived(assignment=offer, now=t0 + 55 * minute)  # after the promised 43rd minute
    page = console.get(_step_url(offer))
    labels = [str(label) for label, _when, _css in page.context["timeline"]]
    expected = ["Offered", "Accepted", "Promised arrival (ETA)", "En route", "Arrived", "Late: flagged"]
    assert labels == [str(_(label)) for label in expected]
    times = [when for _label, when, _css in page.context["timeline"]]
    assert times == [t0, t0 + 3 * minute, t0 + 43 * minute, t0 + 5 * minute, t0 + 55 * minute, t0 + 55 * minute]
    html = page.content.decode()
    assert 'class="module dispatch-timeline"' in html and html.count('<li class="dispatch-step') == 6
    assert "completed" in page.context["actions"]
