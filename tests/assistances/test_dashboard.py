"""The supervisors' dashboard: each figure from one selector, checked against cases made for it."""

import datetime

import pytest
from django.utils import timezone

from apps.assistances import selectors, services
from apps.assistances.models import Event, EventProvider
from tests.assistances.factories import covered_case
from tests.helpers import count_queries
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def _opened(event, **delta):
    when = timezone.now() - datetime.timedelta(**delta)
    Event.objects.filter(pk=event.pk).update(opened_at=when)
    return when


def test_cases_opened_per_day_by_source():
    today_kom = covered_case(source="KOM")
    covered_case(source="KOM")
    covered_case(source="MOK")
    old = covered_case(source="KOM")
    _opened(old, days=45)  # outside the window
    rows = selectors.cases_opened_per_day(days=30)
    today = timezone.localdate(today_kom.opened_at)
    assert {(r["day"], r["source"]): r["count"] for r in rows} == {(today, "KOM"): 2, (today, "MOK"): 1}


def test_sla_breach_rate():
    on_time, flagged, open_late, _ = (covered_case() for _ in range(4))
    now = timezone.now()
    Event.objects.filter(pk=flagged.pk).update(sla_breached_at=now)
    Event.objects.filter(pk=open_late.pk).update(sla_due_at=now - datetime.timedelta(minutes=1))
    Event.objects.filter(pk=on_time.pk).update(sla_due_at=now + datetime.timedelta(hours=3))
    assert selectors.sla_breach_rate() == {"total": 4, "breached": 2, "rate": 0.5}


def test_time_to_first_provider_percentiles(operator):
    minutes = [5, 10, 20, 40, 90]
    for waited in minutes:
        case = covered_case()
        provider = ProviderFactory(assistances=[case.assistance])
        services.event_provider_assign(event=case, provider=provider, actor=operator)
        opened = _opened(case, minutes=waited)
        EventProvider.objects.filter(event=case).update(assigned_at=opened + datetime.timedelta(minutes=waited))
        # A later, second assignment does not count: the first one does.
        second = ProviderFactory(assistances=[case.assistance])
        services.event_provider_assign(event=case, provider=second, actor=operator)
    covered_case()  # no provider yet: not in the figure
    figure = selectors.time_to_first_provider()
    assert figure["cases"] == 5
    assert round(figure["p50"]) == 20 and round(figure["p90"]) == 90


def test_open_cases_by_status_and_country():
    from tests.vouchers.factories import country

    covered_case(country=country("ES"))
    covered_case(country=country("ES"))
    covered_case(country=country("FR"))
    closed = covered_case(country=country("FR"))
    Event.objects.filter(pk=closed.pk).update(closed_at=timezone.now())
    assert [(r["code"], r["count"]) for r in selectors.open_cases_by_status()] == [("OPENED", 3)]
    assert [(r["iso2"], r["count"]) for r in selectors.open_cases_by_country()] == [("ES", 2), ("FR", 1)]


def test_dashboard_page_and_constant_queries(client, operator):
    client.force_login(operator)
    covered_case()
    baseline = count_queries(client, "/admin/assistances/event/dashboard/")
    for _ in range(4):
        covered_case(source="MOK")
    html = client.get("/admin/assistances/event/dashboard/").content.decode()
    assert count_queries(client, "/admin/assistances/event/dashboard/") == baseline
    assert "chart-per-day" in html and 'id="data-per-day"' in html
    assert "/static/vendor/chartjs-4.6.2/chart.umd.min.js" in html
