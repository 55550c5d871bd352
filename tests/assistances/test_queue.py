"""The console's landing page: the queue of open cases, its counters, its live refresh and Take."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.assistances import selectors, services
from apps.assistances.models import Event
from tests.accounts.factories import UserFactory
from tests.assistances.factories import covered_case
from tests.helpers import count_queries
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/assistances/event/queue/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def console(client, operator):
    client.force_login(operator)
    return client


def _due(event, minutes):
    Event.objects.filter(pk=event.pk).update(sla_due_at=timezone.now() + datetime.timedelta(minutes=minutes))


def _close(event):
    Event.objects.filter(pk=event.pk).update(closed_at=timezone.now())


def test_counters_and_views_count_open_cases_only(operator):
    other = UserFactory(is_staff=True)
    # Opened by a partner (no owner), as most cases in the queue are.
    breached, at_risk, later, mine, closed = (covered_case(actor=None) for _ in range(5))
    services.event_take(event=mine, operator=operator)
    services.event_take(event=later, operator=other)
    _due(breached, -5)
    _due(at_risk, 20)
    _due(later, 600)
    _due(mine, 300)
    _due(closed, -500)
    _close(closed)
    provider = ProviderFactory(assistances=[at_risk.assistance])
    services.event_provider_assign(event=at_risk, provider=provider, actor=operator)

    counts = selectors.queue_counts(user=operator)

    assert counts == {
        "all": 4,
        "breached": 1,
        "at_risk": 1,
        "unassigned": 2,
        "mine": 1,
        "waiting_provider": 1,
        "no_provider": 0,
    }
    # Each counter's click shows exactly the cases it counted.
    for view, count in counts.items():
        assert len(selectors.queue_cases(user=operator, view=view)) == count, view
    assert [e.pk for e in selectors.queue_cases(user=operator, view="breached")] == [breached.pk]
    assert [e.pk for e in selectors.queue_cases(user=operator, view="mine")] == [mine.pk]


def test_waiting_for_a_provider_counts_open_cases_once(operator):
    """Counted from the assignments' side: a case with two waiting assignments is one case, a closed one none."""
    twice, closed = covered_case(actor=None), covered_case(actor=None)
    for provider in (ProviderFactory(assistances=[twice.assistance]), ProviderFactory(assistances=[twice.assistance])):
        services.event_provider_assign(event=twice, provider=provider, actor=operator)
    services.event_provider_assign(
        event=closed, provider=ProviderFactory(assistances=[closed.assistance]), actor=operator
    )
    _close(closed)
    assert selectors.queue_counts(user=operator)["waiting_provider"] == 1
    assert [e.pk for e in selectors.queue_cases(user=operator, view="waiting_provider")] == [twice.pk]


def test_the_counters_read_no_case_row(operator):
    """Two queries: the views over the queue index alone (no subquery per case), the waiting ones apart."""
    covered_case(actor=operator)
    with CaptureQueriesContext(connection) as ctx:
        selectors.queue_counts(user=operator)
    cases, waiting = (q["sql"] for q in ctx.captured_queries)
    assert "EXISTS" not in cases and "JOIN" not in cases and "`assistances_event`.`closed_at` IS NULL" in cases
    assert "assistances_eventprovider" in waiting


def test_most_urgent_first_and_cases_without_sla_last(operator):
    a, b, c = (covered_case(actor=operator) for _ in range(3))
    _due(a, 120)
    _due(b, -10)
    Event.objects.filter(pk=c.pk).update(sla_due_at=None)
    assert [e.pk for e in selectors.queue_cases(user=operator)] == [b.pk, a.pk, c.pk]


def test_a_page_takes_the_most_urgent_and_fills_up_with_cases_without_sla(operator):
    now = timezone.now()
    cases = [covered_case(actor=operator) for _ in range(5)]
    # Two cases due at the same time: the older opening first; two without SLA: by opening.
    for case, due, opened in zip(cases, [30, 30, -5, None, None], [-60, -90, -10, -5, -50], strict=True):
        Event.objects.filter(pk=case.pk).update(
            sla_due_at=None if due is None else now + datetime.timedelta(minutes=due),
            opened_at=now + datetime.timedelta(minutes=opened),
        )
    expected = [cases[2].pk, cases[1].pk, cases[0].pk, cases[4].pk, cases[3].pk]
    assert [e.pk for e in selectors.queue_cases(user=operator)] == expected
    assert [e.pk for e in selectors.queue_cases(user=operator, limit=2)] == expected[:2]
    assert [e.pk for e in selectors.queue_cases(user=operator, limit=4)] == expected[:4]


def test_the_page_is_chosen_from_the_events_index_alone(operator):
    """Keys first, without the joins that made MariaDB read every case (bench/growth.py); then the rows."""
    covered_case(actor=operator)
    with CaptureQueriesContext(connection) as ctx:
        selectors.queue_cases(user=operator)
    keys, rows = (q["sql"] for q in ctx.captured_queries)
    assert "JOIN" not in keys and "UNION ALL" in keys
    assert "JOIN" in rows and "`assistances_event`.`id` IN" in rows


def test_landing_page_is_the_queue_and_operators_apps_come_first(console):
    html = console.get("/admin/").content.decode()
    assert f'hx-get="{QUEUE}"' in html
    assert html.index("/admin/assistances/") < html.index("/admin/masters/")
    # htmx and the console script are ours, not a CDN's.
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in html and "//" not in html.split("htmx.min.js")[0][-80:]


def test_queue_page_and_its_live_fragment(console, operator):
    case = covered_case(actor=operator)
    _due(case, -3)
    page = console.get(QUEUE).content.decode()
    assert case.code in page and 'id="queue"' in page and "<html" in page
    fragment = console.get(QUEUE + "?view=breached", **HTMX).content.decode()
    assert "<html" not in fragment  # only the part htmx swaps
    assert fragment.lstrip().startswith("<section") or '<section id="queue"' in fragment
    assert case.code in fragment and 'hx-trigger="every ' in fragment
    assert f'data-newest-id="{case.pk}"' in fragment
    assert "overdue" in fragment or "vencido" in fragment or "retraso" in fragment


def test_queue_query_count_does_not_grow_with_cases(console, operator):
    covered_case(actor=operator)
    baseline = count_queries(console, QUEUE)
    fragment_baseline = len(_captured(console, QUEUE))
    for _ in range(6):
        covered_case(actor=operator)
    assert count_queries(console, QUEUE) == baseline
    assert len(_captured(console, QUEUE)) == fragment_baseline


def _captured(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **HTMX).status_code == 200
    return ctx.captured_queries


def test_take_from_the_queue(console, operator):
    case = covered_case(actor=operator)
    response = console.post(f"/admin/assistances/event/{case.pk}/take/", {"view": "unassigned"}, **HTMX)
    assert response.status_code == 200 and 'id="queue"' in response.content.decode()
    assert Event.objects.get(pk=case.pk).assigned_operator == operator
    # Without htmx the button is a plain form that comes back to the same view.
    other = covered_case(actor=operator)
    response = console.post(f"/admin/assistances/event/{other.pk}/take/", {"view": "mine"})
    assert response.status_code == 302 and response["Location"].endswith("?view=mine")


def test_queue_needs_the_view_permission(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(QUEUE).status_code == 403
    assert 'hx-get="' + QUEUE not in client.get("/admin/").content.decode()


def test_the_operator_who_opens_a_case_owns_it(operator):
    assert covered_case(actor=operator).assigned_operator == operator
    assert covered_case(actor=None).assigned_operator is None  # a partner's case waits in the queue
