"""The hot read path of GET /v1/assistances/events (values, no model instances, no COUNT) and the large-table
changelist: same answers as the ModelSerializer / stock admin, constant queries, scoping kept; and the demo
case generator that builds the benchmark's dataset."""

import datetime
import itertools
import random
import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.assistances import selectors, services
from apps.assistances.admin import CaseQuerySet
from apps.assistances.api.serializers import EventSerializer, event_rows_data
from apps.assistances.demo import generate_events, generate_notes
from apps.assistances.models import Event, EventStatusHistory, Note
from apps.core.admin import LargeTablePaginator
from apps.core.visibility import is_partner
from apps.masters.models import EventStatus
from tests.assistances.factories import covered_case
from tests.clients.factories import credentials as partner_credentials
from tests.helpers import count_queries
from tests.masters.factories import CityFactory
from tests.vouchers.factories import BenefitFactory, VoucherFactory, assistance, country

pytestmark = pytest.mark.django_db

ORDER = ("-opened_at", "-id")


def _serialized(events, *, caller=None) -> list[dict]:
    """What EventSerializer (the documented shape) says about these cases to ``caller``, in list order."""
    instances = selectors.event_list().filter(pk__in=[e.pk for e in events]).order_by(*ORDER)
    context = {"request": SimpleNamespace(user=caller)}
    return [dict(item) for item in EventSerializer(instances, many=True, context=context).data]


def _fast(events, *, caller=None) -> list[dict]:
    keys = selectors.event_page_keys(
        selectors.event_list(caller=caller).filter(pk__in=[e.pk for e in events]), ordering=ORDER
    ).order_by(*ORDER)
    rows = selectors.event_rows(ids=[key["id"] for key in keys], caller=caller)
    return event_rows_data(rows, partner=is_partner(caller))


@pytest.fixture
def a_city():
    """The demo generator places cases in cities (the test database has none)."""
    return CityFactory(country=country("ES"), population=100_000)


@pytest.fixture
def varied_cases(operator):
    """Cases covering every shape a field can take: null and set relations, each SLA state, closed."""
    es = country("ES")
    madrid = CityFactory(country=es, code="3117735", name="Madrid")
    now = timezone.now()
    plain = covered_case(actor=operator, external_reference="F-1", country=es, city=madrid, priority="high")
    services.event_take(event=plain, operator=operator)
    located = covered_case(
        actor=operator,
        source="MOK",
        external_reference="F-2",
        latitude=40.4168,
        longitude=-3.7038,
        description="Dolor de pecho — «urgente»",
    )
    uncovered = services.event_open(
        data={
            "source_code": "PHONE",
            "traveller_name": "Zoë O'Brien",
            "assistance": assistance("TOWING"),
            "country": country("FR"),
        },
        override_reason="Stranded at night",
        actor=operator,
    ).event
    closed = covered_case(actor=operator, external_reference="F-4")
    for code in ("IN_PROGRESS", "RESOLVED", "CLOSED"):
        services.event_change_status(event=Event.objects.get(pk=closed.pk), to_code=code, actor=operator)
    # The opener owns what they open; only ``plain`` stays the operator's here (the filter by owner).
    Event.objects.filter(pk__in=[located.pk, uncovered.pk, closed.pk]).update(assigned_operator=None)
    # SLA states that cannot flip while the test runs: breached, at risk, on time (and closed above).
    Event.objects.filter(pk=plain.pk).update(sla_due_at=now - datetime.timedelta(minutes=5))
    Event.objects.filter(pk=located.pk).update(
        opened_at=now - datetime.timedelta(hours=2), sla_due_at=now + datetime.timedelta(minutes=10)
    )
    Event.objects.filter(pk=uncovered.pk).update(sla_due_at=now + datetime.timedelta(days=2))
    return [plain, located, uncovered, closed]


# --- same representation ---------------------------------------------------------------------------


def test_fast_rows_equal_the_model_serializer(varied_cases):
    expected = _serialized(varied_cases)
    assert {row["sla_state"] for row in expected} == {"breached", "at_risk", "ok", "closed"}
    assert any(row["voucher"] is None for row in expected) and any(row["city"] for row in expected)
    assert any(row["assigned_operator"] for row in expected) and any(row["latitude"] is None for row in expected)
    fast = _fast(varied_cases)
    assert fast == expected
    assert [list(row) for row in fast] == [list(row) for row in expected]  # same field order too


def test_fast_rows_follow_the_current_time_zone(varied_cases):
    with timezone.override(datetime.UTC):
        expected = _serialized(varied_cases)
        assert expected[0]["opened_at"].endswith("Z")
        assert _fast(varied_cases) == expected
    with timezone.override(datetime.timezone(datetime.timedelta(hours=5, minutes=30))):
        assert _fast(varied_cases) == _serialized(varied_cases)


def test_api_list_answers_what_the_serializer_documents(operator_client, varied_cases):
    body = operator_client.get("/v1/assistances/events").json()
    assert body["results"] == _serialized(varied_cases)
    assert body["previous"] is None and body["next"] is None


def test_openapi_schema_documents_the_list_with_event_serializer():
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    operation = document["paths"]["/v1/assistances/events"]["get"]
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    results = document["components"]["schemas"][page]["properties"]["results"]
    assert results["items"]["$ref"].endswith("/Event")
    documented = set(document["components"]["schemas"]["Event"]["properties"])
    assert documented == set(EventSerializer().fields)
    assert {"cursor", "page_size", "status", "q", "sla"} <= {p["name"] for p in operation["parameters"]}


# --- filters, search, pagination ---------------------------------------------------------------------


def _ids(client, **params) -> list[int]:
    response = client.get("/v1/assistances/events", params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_filters_and_search_through_the_fast_path(operator_client, operator, varied_cases):
    plain, located, uncovered, closed = varied_cases
    assert _ids(operator_client) == [e.pk for e in sorted(varied_cases, key=lambda e: (-_opened(e), -e.pk))]
    assert _ids(operator_client, status="closed") == [closed.pk]
    assert set(_ids(operator_client, status="OPENED")) == {plain.pk, located.pk, uncovered.pk}
    assert _ids(operator_client, source="MOK") == [located.pk]
    assert _ids(operator_client, assistance="towing") == [uncovered.pk]
    assert _ids(operator_client, country="fr") == [uncovered.pk]
    assert _ids(operator_client, city="3117735") == [plain.pk]
    assert _ids(operator_client, priority="high") == [plain.pk]
    assert _ids(operator_client, operator="me") == [plain.pk]
    assert _ids(operator_client, operator=operator.email.upper()) == [plain.pk]
    assert _ids(operator_client, sla="breached") == [plain.pk]
    assert _ids(operator_client, sla="at_risk") == [located.pk]
    cutoff = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    assert located.pk not in _ids(operator_client, opened_after=cutoff)
    assert _ids(operator_client, opened_before=cutoff) == [located.pk]
    assert _ids(operator_client, q=plain.code.lower()) == [plain.pk]
    assert _ids(operator_client, q="F-2") == [located.pk]
    assert _ids(operator_client, q=closed.voucher.number) == [closed.pk]
    assert _ids(operator_client, q="nothing-like-it") == []
    response = operator_client.get("/v1/assistances/events", {"status": "OPENED", "bogus": "1"})
    assert response.status_code == 400 and "bogus" in response.json()["errors"]


def _opened(event) -> float:
    return Event.objects.get(pk=event.pk).opened_at.timestamp()


def test_cursor_pages_walk_the_whole_list_in_order(operator_client, operator):
    for i in range(7):
        covered_case(actor=operator, external_reference=f"P-{i}")
    expected = list(Event.objects.order_by(*ORDER).values_list("pk", flat=True))
    seen, url, pages = [], "/v1/assistances/events?page_size=3", 0
    while url:
        body = operator_client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert seen == expected and pages == 3
    # And back: the previous link of the second page returns the first.
    first = operator_client.get("/v1/assistances/events?page_size=3").json()
    middle = operator_client.get(first["next"]).json()
    assert [row["id"] for row in operator_client.get(middle["previous"]).json()["results"]] == expected[:3]
    assert "cursor" in parse_qs(urlparse(middle["previous"]).query)


# --- queries -----------------------------------------------------------------------------------------


def test_query_count_is_constant_and_never_counts(operator_client, operator, a_city):
    covered_case(actor=operator, external_reference="Q-0")
    url = "/v1/assistances/events?status=OPENED&page_size=200"
    baseline = count_queries(operator_client, url)
    generate_events(count=60, notes_per_event_mean=0, rng=random.Random(3))
    Event.objects.update(status=EventStatus.objects.get(code="OPENED"))
    with CaptureQueriesContext(connection) as ctx:
        body = operator_client.get(url).json()
    assert len(body["results"]) == 61
    assert len(ctx.captured_queries) == baseline
    assert count_queries(operator_client, "/v1/assistances/events?status=OPENED&page_size=5") == baseline
    assert not [q for q in ctx.captured_queries if re.search(r"COUNT\(", q["sql"], re.IGNORECASE)]
    # The page's rows are read once, by primary key, with every related code joined in.
    row_queries = [q["sql"] for q in ctx.captured_queries if "`vouchers_voucher`.`number`" in q["sql"]]
    assert len(row_queries) == 1 and "IN (" in row_queries[0]


# --- scoping -----------------------------------------------------------------------------------------


def _partner(source: str):
    """A stand-in for an API client (they arrive in a later issue): confined to one source."""
    return SimpleNamespace(
        is_api_client=True,
        source_code=source,
        is_authenticated=True,
        is_anonymous=False,
        pk=None,
        has_perms=lambda perms, obj=None: True,
        has_perm=lambda perm, obj=None: True,
    )


def test_selectors_keep_a_partner_in_its_own_source(varied_cases):
    mok = _partner("MOK")
    every_id = [e.pk for e in varied_cases]
    keys = selectors.event_page_keys(selectors.event_list(caller=mok), ordering=ORDER)
    assert [key["id"] for key in keys] == [varied_cases[1].pk]
    # Even asked for every id, the row read is scoped again.
    assert [row["id"] for row in selectors.event_rows(ids=every_id, caller=mok)] == [varied_cases[1].pk]
    assert {row["source_code"] for row in selectors.event_rows(ids=every_id, caller=_partner("KOM"))} == {"KOM"}
    assert len(selectors.event_rows(ids=every_id, caller=None)) == 4


def test_the_list_endpoint_scopes_a_partner(api_client, varied_cases):
    api_client.force_authenticate(user=_partner("MOK"), token=partner_credentials())
    body = api_client.get("/v1/assistances/events").json()
    assert [row["id"] for row in body["results"]] == [varied_cases[1].pk]
    assert body["results"] == _serialized([varied_cases[1]], caller=_partner("MOK"))
    assert api_client.get("/v1/assistances/events", {"q": varied_cases[0].code}).json()["results"] == []


# --- the large-table changelist -------------------------------------------------------------------------


@pytest.fixture
def console(client, operator):
    client.force_login(operator)
    return client


def test_changelist_pages_by_keys_with_constant_queries(console, a_city):
    generate_events(count=60, notes_per_event_mean=1, rng=random.Random(5))
    # Every case (the list shows open ones unless asked): the paging is what is tested here.
    baseline = count_queries(console, "/admin/assistances/event/?state=all")
    generate_events(count=60, notes_per_event_mean=1, rng=random.Random(6))
    with CaptureQueriesContext(connection) as ctx:
        page = console.get("/admin/assistances/event/?state=all&p=2")
    assert page.status_code == 200
    assert len(ctx.captured_queries) == baseline
    listed = page.context["cl"].result_list
    assert [e.pk for e in listed] == list(Event.objects.order_by(*ORDER).values_list("pk", flat=True)[50:100])
    assert all(e.status.code and e.country.iso2 for e in listed)  # related rows came with the page


def test_unfiltered_changelist_uses_the_table_estimate(console, monkeypatch, a_city):
    generate_events(count=12, notes_per_event_mean=0, rng=random.Random(8))
    monkeypatch.setattr(LargeTablePaginator, "ESTIMATE_ABOVE", -1)
    with CaptureQueriesContext(connection) as ctx:
        assert console.get("/admin/assistances/event/?state=all").status_code == 200
    # No COUNT over the whole table (the country filter counts open cases only, through its index).
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper() and " WHERE " not in q["sql"]]
    if connection.vendor == "mysql":
        assert not counts  # InnoDB's estimate instead of a scan
    filtered = console.get("/admin/assistances/event/?state=all&priority__exact=high")
    assert filtered.context["cl"].result_count == Event.objects.filter(priority="high").count()


def test_admin_search_finds_each_identifier(console, varied_cases):
    plain, located, _uncovered, closed = varied_cases

    def found(term):
        return {e.pk for e in console.get("/admin/assistances/event/", {"q": term}).context["cl"].result_list}

    assert found(plain.code.lower()) == {plain.pk}
    assert found("F-2") == {located.pk}
    assert found(closed.voucher.number) == {closed.pk}
    assert found("aaa123") == {plain.pk, located.pk, closed.pk}  # the traveller document
    assert found(f'"{plain.code}" F-1') == {plain.pk}  # every word must match
    assert found(f"{plain.code} F-2") == set()
    assert found("unknown") == set()


def test_date_hierarchy_periods_from_first_and_last_opening(a_city):
    generate_events(count=40, notes_per_event_mean=0, rng=random.Random(9))
    queryset = CaseQuerySet(Event)
    zone = timezone.get_current_timezone()
    local = [timezone.localtime(d, zone) for d in Event.objects.values_list("opened_at", flat=True)]
    years = [d.year for d in queryset.datetimes("opened_at", "year")]
    assert years == list(range(min(local).year, max(local).year + 1))
    year = max(local).year
    months = queryset.filter(opened_at__year=year).datetimes("opened_at", "month", order="DESC")
    in_year = [d for d in local if d.year == year]
    assert [m.month for m in months] == list(range(max(in_year).month, min(in_year).month - 1, -1))
    assert list(queryset.datetimes("opened_at", "day")) == list(Event.objects.datetimes("opened_at", "day"))


# --- the demo generator ----------------------------------------------------------------------------------


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return value.isascii()


def test_generated_cases_are_consistent(operator):
    for code in ("AR", "ES", "US"):
        CityFactory(country=country(code), population=500_000)
    voucher = VoucherFactory(worldwide=True)
    BenefitFactory(voucher=voucher, assistance=assistance("MED_EMERGENCY"))
    calls = []
    cases, changes, notes = generate_events(
        count=150, notes_per_event_mean=2.5, batch_size=40, progress=calls.append, rng=random.Random(11)
    )
    assert (cases, notes) == (150, 375) and calls == [40, 40, 40, 30]
    assert Event.objects.count() == 150 and Note.objects.count() == 375
    assert EventStatusHistory.objects.count() == changes
    machine = {s.code: {n.code for n in s.next_statuses.all()} for s in EventStatus.objects.all()}
    now = timezone.now()
    for event in Event.objects.select_related("status", "assistance", "voucher"):
        assert event.code == f"BT-{event.opened_at:%Y}-{event.pk:07d}"
        assert event.sla_due_at == services.sla_due(
            opened_at=event.opened_at, assistance=event.assistance, priority=event.priority
        )
        assert event.opened_at <= now and event.voucher in (None, voucher)
        history = list(event.status_history.order_by("changed_at", "id").select_related("from_status", "to_status"))
        assert history[0].kind == "opened" and history[0].from_status is None
        assert history[0].changed_at == event.opened_at and history[-1].to_status_id == event.status_id
        for before, after in itertools.pairwise(history):
            assert after.to_status.code in machine[after.from_status.code]
            assert after.from_status_id == before.to_status_id and after.changed_at >= before.changed_at
        assert (event.first_response_at is None) == (len(history) == 1)
        assert (event.closed_at is not None) == event.status.is_final
        if event.closed_at:
            assert event.closed_at == history[-1].changed_at
        if event.first_response_at:
            assert event.opened_at <= event.first_response_at <= now
    assert Event.objects.filter(assigned_operator=operator).exists()
    assert set(Event.objects.values_list("source_code", flat=True)) <= {"KOM", "MOK", "PHONE", "WEB"}
    for note in Note.objects.select_related("event")[:100]:
        assert note.event.opened_at <= note.created_at <= (note.event.closed_at or now)
    assert {"internal", "shared"} == set(Note.objects.values_list("visibility", flat=True))
    # E-mail addresses the API accepts and its schema describes (the CLI fuzzer met "agustín.6@mail.example").
    emails = set(Event.objects.exclude(traveller_email="").values_list("traveller_email", flat=True))
    assert emails and all(_is_email(email) for email in emails)

    # More notes for the existing cases; more cases continue the numbering.
    assert generate_notes(count=30, rng=random.Random(12)) == 30
    generate_events(count=5, notes_per_event_mean=0, rng=random.Random(13))
    assert Event.objects.order_by("-pk").first().pk == Event.objects.order_by("pk").first().pk + 154


def test_generate_demo_data_command_adds_cases_and_notes(a_city):
    from django.core.management import call_command

    call_command("generate_demo_data", "--providers", "0", "--vouchers", "0", "--events", "30", "--notes", "90",
                 verbosity=0)  # fmt: skip
    assert (Event.objects.count(), Note.objects.count()) == (30, 90)
    call_command("generate_demo_data", "--providers", "0", "--vouchers", "0", "--events", "0", "--notes", "10",
                 verbosity=0)  # fmt: skip
    assert (Event.objects.count(), Note.objects.count()) == (30, 100)
