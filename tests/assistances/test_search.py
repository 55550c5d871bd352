"""The one case search (selectors.event_search): the API's ``q`` and the admin's search box mean the same,
and a partner's search runs inside its own cases."""

from types import SimpleNamespace

import pytest

from apps.assistances import selectors, services
from apps.assistances.models import Event, EventDraft
from tests.assistances.factories import covered_case
from tests.clients.factories import credentials as partner_credentials

pytestmark = pytest.mark.django_db


def _partner(source: str):
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
def cases(operator):
    maria = covered_case(
        actor=operator,
        source="KOM",
        external_reference="KOM-77",
        traveller_name="María Silva",
        traveller_document_number="X1234567",
        traveller_email="maria.silva@example.com",
    )
    joao = covered_case(
        actor=operator, source="MOK", external_reference="MOK-88", traveller_name="João da Silva Santos"
    )
    ana = covered_case(actor=operator, source="MOK", external_reference="MOK-99", traveller_name="Ana Pérez")
    return SimpleNamespace(maria=maria, joao=joao, ana=ana)


@pytest.fixture
def console(client, operator):
    client.force_login(operator)
    return client


def _search(term, *, caller=None) -> set[int]:
    return set(selectors.event_search(selectors.event_list(caller=caller), term).values_list("pk", flat=True))


def _api(client, term) -> set[int]:
    response = client.get("/v1/assistances/events", {"q": term})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _admin(console, term) -> set[int]:
    response = console.get("/admin/assistances/event/", {"q": term})
    assert response.status_code == 200
    return {event.pk for event in response.context["cl"].result_list}


def test_what_a_word_matches(cases):
    maria, joao, ana = cases.maria, cases.joao, cases.ana
    # Part of the traveller's name, any case, accents ignored by the collation.
    assert _search("Silva") == _search("silva") == _search("SILV") == {maria.pk, joao.pk}
    assert _search("maria") == {maria.pk}
    assert _search("perez") == {ana.pk}
    assert _search("si") == set()  # too short to be part of a name
    # Every word must match; a quoted phrase is one word.
    assert _search("maria silva") == {maria.pk}
    assert _search('"da silva"') == {joao.pk}
    assert _search("ana silva") == set()
    # The case code: whole, any case, without its prefix, or its number alone (padded or not).
    year, number = maria.code.split("-")[1:]
    for term in (maria.code, maria.code.lower(), f"{year}-{number}", number, str(maria.pk)):
        assert _search(term) == {maria.pk}, term
    assert _search(f"{int(year) - 1}-{number}") == set()  # a code is its year and number
    # Identifiers, whole and ignoring case.
    assert _search("kom-77") == {maria.pk}
    assert _search("x1234567") == {maria.pk}
    assert _search("MARIA.SILVA@example.com") == {maria.pk}
    assert _search(maria.voucher.number) == {maria.pk}
    assert _search("KOM-7") == set()  # references are not searched by their parts
    assert _search("") == _search("  ") == {maria.pk, joao.pk, ana.pk}


def test_api_and_admin_find_the_same_cases(operator_client, console, cases):
    maria = cases.maria
    year, number = maria.code.split("-")[1:]
    for term in ("Silva", "silva maria", maria.code, f"{year}-{number}", number, "MOK-99", maria.voucher.number,
                 "x1234567", "maria.silva@example.com", "nobody", '"da silva"'):  # fmt: skip
        expected = _search(term)
        assert _api(operator_client, term) == expected, term
        assert _admin(console, term) == expected, term
    assert _api(operator_client, "Silva") == {cases.maria.pk, cases.joao.pk}


def test_a_partner_never_finds_another_partners_case(api_client, cases):
    mok = _partner("MOK")
    api_client.force_authenticate(user=mok, token=partner_credentials())
    assert _api(api_client, "Silva") == {cases.joao.pk}
    assert _search("Silva", caller=mok) == {cases.joao.pk}
    for term in (cases.maria.code, str(cases.maria.pk), "KOM-77", "x1234567", "maria", cases.maria.voucher.number):
        assert _api(api_client, term) == set(), term
        assert _search(term, caller=mok) == set(), term
    assert _api(api_client, "MOK-88") == {cases.joao.pk}


def test_a_broad_word_keeps_its_newest_matches(monkeypatch, operator):
    opened = [covered_case(actor=operator, traveller_name=f"Carla Silva {i}") for i in range(4)]
    monkeypatch.setattr(selectors, "SEARCH_MAX_MATCHES", 2)
    assert _search("silva") == {opened[3].pk, opened[2].pk}


def test_search_stays_one_query_a_word(operator, cases, django_assert_num_queries):
    queryset = selectors.event_list()
    with django_assert_num_queries(2):  # one UNION of keys per word, evaluated when the filter is built
        found = selectors.event_search(queryset, "maria silva")
    with django_assert_num_queries(1):
        assert [event.pk for event in found] == [cases.maria.pk]


def test_admin_promotes_a_draft_like_the_api(console, operator, cases):
    incomplete = services.draft_save(owner=operator, data={"traveller_name": "Luis"})
    complete = services.draft_save(
        owner=operator,
        data={
            "source_code": "PHONE",
            "traveller_name": "Luis",
            "assistance": cases.maria.assistance.code,
            "country": cases.maria.country.iso2,
            "voucher": cases.maria.voucher.number,
        },
    )
    response = console.post(
        "/admin/assistances/eventdraft/",
        {"action": "promote_drafts", "_selected_action": [incomplete.pk, complete.pk]},
        follow=True,
    )
    shown = [str(message) for message in response.context["messages"]]
    assert any("country" in text and "source_code" in text for text in shown), shown
    complete.refresh_from_db()
    incomplete.refresh_from_db()
    assert complete.promoted_event is not None and incomplete.promoted_event is None
    assert Event.objects.get(pk=complete.promoted_event_id).traveller_name == "Luis"
    assert EventDraft.objects.count() == 2
