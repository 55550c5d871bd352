"""Opening a case in the console: nothing typed is lost, coverage is read live, the opener owns it."""

import pytest

from apps.assistances.models import Event, EventDraft
from apps.masters.models import Assistance
from tests.masters.factories import CityFactory
from tests.vouchers.factories import BenefitFactory, TravellerFactory, VoucherFactory, country

pytestmark = pytest.mark.django_db

ADD = "/admin/assistances/event/add/"
INLINES = ("providers", "notes", "phone_consultations", "status_switches", "status_history")


@pytest.fixture
def console(client, operator):
    client.force_login(operator)
    return client


def _form(**values) -> dict:
    form = {"source_code": "PHONE", "priority": "normal", **values}
    for prefix in INLINES:
        form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return form


def _uncovering_voucher():
    """A voucher for Argentina's residents, used in Argentina: refused by the residence rule."""
    voucher = VoucherFactory(worldwide=True, residence_country=country("AR"))
    BenefitFactory(voucher=voucher, assistance=Assistance.objects.get(code="MED_EMERGENCY"))
    return voucher


def test_a_refused_coverage_keeps_every_typed_value_and_names_the_rule(console, operator):
    voucher = _uncovering_voucher()
    form = _form(
        voucher=voucher.pk,
        traveller_name="Lucía Silva",
        traveller_phone="+54 11 5555 0101",
        assistance=Assistance.objects.get(code="MED_EMERGENCY").pk,
        country=country("AR").pk,
        address="Av. Corrientes 1234",
        description="Caída en la escalera del hotel",
    )
    page = console.post(ADD, form)

    assert page.status_code == 200  # the form again, not a redirect to an empty one
    assert not Event.objects.exists()
    html = page.content.decode()
    for typed in ("Lucía Silva", "+54 11 5555 0101", "Av. Corrientes 1234", "Caída en la escalera del hotel"):
        assert typed in html
    errors = page.context["adminform"].form.errors["override_reason"][0]
    assert "AR" in errors or "residencia" in errors.lower() or "residence" in errors.lower()

    # The override in place, nothing retyped.
    form["override_reason"] = "Turista varado; autoriza supervisor"
    response = console.post(ADD, form, follow=True)
    case = Event.objects.get()
    assert case.coverage_override_reason == "Turista varado; autoriza supervisor"
    assert case.assigned_operator == operator  # the opener owns it
    assert case.code in response.content.decode()  # the success message names the case


def test_coverage_is_shown_live_as_a_readable_verdict(console):
    voucher = _uncovering_voucher()
    params = {"voucher": voucher.pk, "assistance": Assistance.objects.get(code="MED_EMERGENCY").pk}
    refused = console.get(
        "/admin/assistances/event/coverage/", {**params, "country": country("AR").pk}, HTTP_HX_REQUEST="true"
    )
    html = refused.content.decode()
    assert "<html" not in html and "rule-failed" in html and "{" not in html  # words, not JSON
    covered = console.get(
        "/admin/assistances/event/coverage/", {**params, "country": country("ES").pk}
    ).content.decode()
    assert "rule-failed" not in covered and ("1000.00 USD" in covered or "1000,00 USD" in covered)
    empty = console.get("/admin/assistances/event/coverage/").content.decode()
    assert "coverage-rules" not in empty and "help" in empty  # nothing to judge yet: a hint, no red cross


def test_the_case_page_shows_the_stored_verdict_in_words(console, operator):
    from tests.assistances.factories import covered_case

    case = covered_case(actor=operator)
    html = console.get(f"/admin/assistances/event/{case.pk}/change/").content.decode()
    assert "rule-passed" in html and "&quot;reasons&quot;" not in html and '"reasons"' not in html


def test_the_form_autosaves_as_a_draft_and_resumes_from_it(console, operator):
    add_page = console.get(ADD).content.decode()
    assert 'data-autosave-url="/admin/assistances/event/autosave/"' in add_page
    saved = console.post("/admin/assistances/event/autosave/", {"traveller_name": "Pedro Silva", "address": "Ruta 3"})
    draft = EventDraft.objects.get(pk=saved.json()["draft"])
    assert draft.owner == operator and draft.data["traveller_name"] == "Pedro Silva"
    # A second autosave replaces the same draft.
    console.post("/admin/assistances/event/autosave/", {"_draft": draft.pk, "traveller_name": "Pedro Silva Gómez"})
    assert EventDraft.objects.count() == 1
    resumed = console.get(ADD, {"draft": draft.pk})
    assert resumed.context["adminform"].form.initial["traveller_name"] == "Pedro Silva Gómez"
    assert f'name="_draft" id="id__draft" value="{draft.pk}"' in resumed.content.decode()

    form = _form(
        _draft=draft.pk,
        traveller_name="Pedro Silva Gómez",
        assistance=Assistance.objects.get(code="MED_EMERGENCY").pk,
        country=country("ES").pk,
        override_reason="Sin voucher todavía",
    )
    assert console.post(ADD, form).status_code == 302
    assert EventDraft.objects.get().promoted_event == Event.objects.get()


def test_someone_elses_draft_is_never_resumed(console, client):
    from tests.accounts.factories import UserFactory

    other = EventDraft.objects.create(
        owner=UserFactory(), data={"traveller_name": "Secreto"}, expires_at="2099-01-01T00:00Z"
    )
    page = console.get(ADD, {"draft": other.pk})
    assert "Secreto" not in page.content.decode()


def test_picking_a_voucher_offers_its_travellers(console):
    voucher = VoucherFactory(residence_country=country("AR"))
    TravellerFactory(voucher=voucher, first_name="Lucía", last_name="Silva", document_number="X123", is_holder=True)
    found = console.get("/admin/assistances/event/voucher-travellers/", {"voucher": voucher.pk}).json()
    assert found["travellers"][0] == {
        "name": "Lucía Silva",
        "document_type": "passport",
        "document_number": "X123",
        "holder": True,
    }
    assert found["residence"]
    assert console.get("/admin/assistances/event/voucher-travellers/", {"voucher": "x"}).json()["travellers"] == []


def test_the_city_search_stays_in_the_chosen_country(console):
    spain, france = country("ES"), country("FR")
    CityFactory(country=spain, name="Valencia", code="1")
    CityFactory(country=france, name="Valence", code="2")
    params = {"app_label": "assistances", "model_name": "event", "field_name": "city", "term": "Valen"}
    both = console.get("/admin/autocomplete/", params).json()["results"]
    assert len(both) == 2
    only_spain = console.get("/admin/autocomplete/", {**params, "country": spain.pk}).json()["results"]
    assert [r["text"] for r in only_spain] == ["Valencia"]


def test_a_console_draft_has_the_apis_shape_and_can_be_promoted(console, operator):
    """The console's form sends ids; its draft keeps codes, as the API's drafts do, so either side can use it."""
    from apps.assistances import services

    voucher = _uncovering_voucher()
    emergency = Assistance.objects.get(code="MED_EMERGENCY")
    saved = console.post(
        "/admin/assistances/event/autosave/",
        {
            "source_code": "PHONE",
            "traveller_name": "Ana Silva",
            "voucher": voucher.pk,
            "assistance": emergency.pk,
            "country": country("ES").pk,
            "override_reason": "Sin cobertura; autoriza supervisor",
        },
    )
    draft = EventDraft.objects.get(pk=saved.json()["draft"])
    assert draft.data["voucher"] == voucher.number
    assert draft.data["assistance"] == "MED_EMERGENCY" and draft.data["country"] == "ES"
    # Resumed in the console: back to the form's ids.
    initial = console.get(ADD, {"draft": draft.pk}).context["adminform"].form.initial
    assert initial["assistance"] == emergency.pk and initial["voucher"] == voucher.pk
    # Promoted as the API promotes drafts.
    case = services.draft_promote(draft=draft, actor=operator)
    assert case.voucher == voucher and case.assistance == emergency and case.traveller_name == "Ana Silva"
