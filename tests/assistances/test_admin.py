"""The operators' console: case list, case page, status and assignment pages, all through the services."""

import datetime

import pytest
from django.utils import timezone

from apps.assistances.models import Event, Note
from apps.audit.models import AuditLog
from tests.assistances.factories import covered_case
from tests.helpers import count_queries
from tests.providers.factories import LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(client, operator):
    client.force_login(operator)
    return client


def test_case_list_shows_badges_and_keeps_queries_constant(console, operator):
    covered_case(actor=operator, external_reference="L-0")
    baseline = count_queries(console, "/admin/assistances/event/")
    for i in range(1, 6):
        covered_case(actor=operator, external_reference=f"L-{i}")
    assert count_queries(console, "/admin/assistances/event/") == baseline
    late = covered_case(actor=operator, external_reference="LATE")
    Event.objects.filter(pk=late.pk).update(sla_due_at=timezone.now() - datetime.timedelta(minutes=5))
    html = console.get("/admin/assistances/event/?sla=breached").content.decode()
    assert late.code in html
    assert "sla-pill sla-breached" in html  # the breached badge
    others = Event.objects.exclude(pk=late.pk).values_list("code", flat=True)
    assert not any(f">{code}<" in html for code in others)
    assert console.get("/admin/assistances/event/?mine=1").status_code == 200


def test_case_list_status_colour_comes_from_the_catalog(console, operator):
    from apps.masters.models import EventStatus

    covered_case(actor=operator, external_reference="C-0")
    baseline = count_queries(console, "/admin/assistances/event/")
    html = console.get("/admin/assistances/event/").content.decode()
    assert "--status-colour: #417690" in html  # OPENED, as seeded
    EventStatus.objects.filter(code="OPENED").update(colour="#123abc")
    for i in range(1, 4):
        covered_case(actor=operator, external_reference=f"C-{i}")
    html = console.get("/admin/assistances/event/").content.decode()
    assert html.count("--status-colour: #123abc") == 4
    # Read from the joined status row: no query per case.
    assert count_queries(console, "/admin/assistances/event/") == baseline
    EventStatus.objects.filter(code="OPENED").update(colour="")
    assert f"--status-colour: {EventStatus.DEFAULT_COLOUR}" in console.get("/admin/assistances/event/").content.decode()


def test_case_page_renders_with_inlines_and_timeline(console, operator):
    from tests.consultations.factories import PhoneConsultationFactory

    event = covered_case(actor=operator)
    PhoneConsultationFactory(event=event, caller_name="Hotel Reina Victoria")
    html = console.get(f"/admin/assistances/event/{event.pk}/change/").content.decode()
    assert event.code in html and "status" in html.lower()
    assert "Hotel Reina Victoria" in html  # the linked phone consultation is listed on the case


def test_status_page_changes_status_through_the_service(console, operator):
    event = covered_case(actor=operator)
    page = console.get(f"/admin/assistances/event/{event.pk}/status/")
    assert page.status_code == 200
    in_progress = event.status.next_statuses.get(code="IN_PROGRESS")
    response = console.post(f"/admin/assistances/event/{event.pk}/status/", {"status": in_progress.pk, "reason": "x"})
    assert response.status_code == 302
    assert Event.objects.get(pk=event.pk).status.code == "IN_PROGRESS"
    assert AuditLog.objects.filter(action="status_change", case_reference=event.code).exists()


def test_assign_page_lists_nearest_providers_and_assigns(console, operator):
    event = covered_case(actor=operator, latitude=40.4168, longitude=-3.7038)
    provider = ProviderFactory(assistances=[event.assistance], display_name="Hospital Central")
    location = LocationFactory(provider=provider, latitude=40.42, longitude=-3.70)
    page = console.get(f"/admin/assistances/event/{event.pk}/assign/").content.decode()
    assert "Hospital Central" in page
    response = console.post(
        f"/admin/assistances/event/{event.pk}/assign/", {"location": location.pk, "guaranteed_amount": "300"}
    )
    assert response.status_code == 302
    assert event.providers.get().provider == provider


def test_over_limit_guarantee_is_shown_as_an_error(console, operator):
    event = covered_case(actor=operator, latitude=40.4168, longitude=-3.7038)
    location = LocationFactory(provider=ProviderFactory(assistances=[event.assistance]), latitude=40.42, longitude=-3.7)
    response = console.post(
        f"/admin/assistances/event/{event.pk}/assign/", {"location": location.pk, "guaranteed_amount": "99999"}
    )
    assert response.status_code == 200
    assert not event.providers.exists()


def test_note_added_from_the_case_page(console, operator):
    event = covered_case(actor=operator)
    page = console.get(f"/admin/assistances/event/{event.pk}/change/")
    form = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data = {
        "traveller_name": event.traveller_name,
        "priority": event.priority,
        "city": "",
        "assigned_operator": "",
        "description": "",
        "notes-TOTAL_FORMS": "1",
        "notes-INITIAL_FORMS": "0",
        "notes-MIN_NUM_FORMS": "0",
        "notes-MAX_NUM_FORMS": "1000",
        "notes-0-kind": "general",
        "notes-0-visibility": "internal",
        "notes-0-body": "Called the traveller back",
    }
    for prefix in ("providers", "phone_consultations", "status_switches", "status_history"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    assert form  # the page rendered a bound form
    response = console.post(f"/admin/assistances/event/{event.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Note.objects.get(event=event).body == "Called the traveller back"


def test_take_action(console, operator):
    event = covered_case(actor=operator)
    console.post("/admin/assistances/event/", {"action": "take_cases", "_selected_action": [event.pk]})
    assert Event.objects.get(pk=event.pk).assigned_operator == operator


def test_opening_a_case_in_the_admin_needs_an_override_without_coverage(console):
    from tests.vouchers.factories import assistance, country

    spain = country("ES")
    form = {
        "source_code": "PHONE",
        "traveller_name": "Marta",
        "assistance": assistance("MED_CONSULTATION").pk,
        "country": spain.pk,
        "priority": "normal",
    }
    for prefix in ("providers", "notes", "phone_consultations", "status_switches", "status_history"):
        form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    refused = console.post("/admin/assistances/event/add/", form, follow=True)
    assert not Event.objects.exists()
    assert "override" in refused.content.decode().lower() or "excepción" in refused.content.decode().lower()
    form["override_reason"] = "Traveller without voucher, urgent"
    response = console.post("/admin/assistances/event/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Event.objects.get().coverage_override_reason == "Traveller without voucher, urgent"


def test_case_header_shows_the_essentials_and_the_next_steps(console, operator):
    from apps.assistances import services

    case = covered_case(actor=None, traveller_phone="+34 600 000 001")
    services.note_create(event=case, body="Llamó la aseguradora", visibility="shared", actor=operator)
    services.note_create(event=case, body="Sospecha de fraude", visibility="internal", actor=operator)
    html = console.get(f"/admin/assistances/event/{case.pk}/change/").content.decode()
    header = html[html.index('class="case-header') : html.index("</section>", html.index('class="case-header'))]
    assert "Ana Pérez" in header and "+34 600 000 001" in header
    assert "1000,00 USD" in header or "1000.00 USD" in header  # what the voucher still covers
    for action in ("/take/", "/status/", "/assign/", "/note/", "/admin/consultations/phoneconsultation/add/?event="):
        assert action in header, action
    # Notes: shared and internal told apart in words and style.
    assert 'class="note note-shared"' in html and 'class="note note-internal"' in html

    # Take from the header comes back to the case; a quick note is added from it too.
    assert console.post(f"/admin/assistances/event/{case.pk}/take/", {"next": "case"})["Location"].endswith(
        f"/admin/assistances/event/{case.pk}/change/"
    )
    assert Event.objects.get(pk=case.pk).assigned_operator == operator
    console.post(
        f"/admin/assistances/event/{case.pk}/note/",
        {"body": "Traslado confirmado", "visibility": "shared", "kind": "general"},
    )
    assert Note.objects.filter(event=case, body="Traslado confirmado", visibility="shared").exists()


def test_a_call_logged_from_the_case_comes_back_to_it(console, operator):
    from apps.consultations.models import PhoneConsultation

    case = covered_case(actor=operator, traveller_phone="+34 600 000 002")
    add = (
        f"/admin/consultations/phoneconsultation/add/?event={case.pk}"
        "&caller_name=Ana+P%C3%A9rez&phone_number=%2B34+600+000+002"
    )
    page = console.get(add)
    initial = page.context["adminform"].form.initial
    assert str(initial["event"]) == str(case.pk) and initial["phone_number"] == "+34 600 000 002"
    form = {
        "caller_name": "Ana Pérez",
        "phone_number": "+34 600 000 002",
        "direction": "inbound",
        "outcome": "resolved",
        "reason": "Consulta por traslado",
        "started_at_0": timezone.localtime().strftime("%d/%m/%Y"),
        "started_at_1": timezone.localtime().strftime("%H:%M:%S"),
        "duration_seconds": "4:30",
        "event": case.pk,
        "operator": operator.pk,
        "files-TOTAL_FORMS": "0",
        "files-INITIAL_FORMS": "0",
    }
    response = console.post(add, form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert response["Location"].endswith(f"/admin/assistances/event/{case.pk}/change/")
    assert PhoneConsultation.objects.get(event=case).duration_seconds == 270


def test_audit_timeline_tells_changes_in_words_with_links(console, operator):
    from apps.assistances import services

    case = covered_case(actor=operator)
    services.event_change_status(event=case, to_code="IN_PROGRESS", reason="Llamada atendida", actor=operator)
    html = console.get(f"/admin/assistances/event/{case.pk}/change/").content.decode()
    timeline = html[html.index('class="audit-timeline"') :]
    assert "Abierto" in timeline and "En gestión" in timeline and "→" in timeline  # from → to, by name
    assert "status_change" not in timeline and "Llamada atendida" in timeline
    assert f"/admin/audit/auditlog/?case_reference={case.code}" in timeline
    # The operator can follow the link: the audit log is readable by operators.
    assert console.get(f"/admin/audit/auditlog/?case_reference={case.code}").status_code == 200


def test_provider_near_case_page_has_a_map_hours_and_coverage(console, operator):
    event = covered_case(actor=operator, latitude=40.4168, longitude=-3.7038)
    closed = ProviderFactory(assistances=[event.assistance], display_name="Clínica Cerrada")
    LocationFactory(provider=closed, latitude=40.417, longitude=-3.704, is_24h=False, opening_hours={})
    closed_location = closed.locations.get()
    # Closed every day of the week: never open at the test's hour.
    closed_location.opening_hours = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    closed_location.save()
    open_all_day = ProviderFactory(assistances=[event.assistance], display_name="Hospital 24 h")
    LocationFactory(provider=open_all_day, latitude=40.45, longitude=-3.70, is_24h=True)

    page = console.get(f"/admin/assistances/event/{event.pk}/assign/")
    html = page.content.decode()
    assert "<svg" in html and html.count('class="map-marker') == 2 and "map-marker is-closed" in html
    assert "1000,00 USD" in html or "1000.00 USD" in html  # what the voucher still covers
    names = [row["hit"].provider.display_name for row in page.context["rows"]]
    assert names == ["Hospital 24 h", "Clínica Cerrada"]  # the open one first, though farther
    assert [row["opening"].open_now for row in page.context["rows"]] == [True, False]


def test_the_case_list_is_the_open_work_unless_asked(console, operator):
    open_case = covered_case(actor=operator)
    closed_case = covered_case(actor=operator)
    Event.objects.filter(pk=closed_case.pk).update(closed_at=timezone.now())

    def listed(query=""):
        return {e.pk for e in console.get(f"/admin/assistances/event/{query}").context["cl"].result_list}

    assert listed() == {open_case.pk}
    assert listed("?state=closed") == {closed_case.pk}
    assert listed("?state=all") == {open_case.pk, closed_case.pk}
    assert listed(f"?q={closed_case.code}") == {closed_case.pk}  # a search looks everywhere
    # The country filter offers the countries of open cases, not all 250.
    choices = console.get("/admin/assistances/event/").context["cl"].filter_specs[-1].lookup_choices
    assert [code for code, _name in choices] == ["ES"]
    html = console.get("/admin/assistances/event/").content.decode()
    assert f"{timezone.localtime(open_case.sla_due_at):%d/%m/%y}" in html  # SLA dates carry the year
