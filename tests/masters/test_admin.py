"""Catalog edits in the admin go through the services: validated and audited."""

import pytest

from apps.audit.models import AuditLog
from apps.audit.services import audit_record
from apps.masters.models import Assistance, Category, EventStatus
from tests.helpers import count_queries
from tests.masters.factories import AssistanceFactory, CategoryFactory, CityFactory, CountryFactory

pytestmark = pytest.mark.django_db


def _category_form(category: Category, **overrides) -> dict:
    data = {
        "code": category.code,
        "name_es": category.name_es,
        "name_en": category.name_en,
        "description": category.description,
        "sort_order": category.sort_order,
        "is_active": "on" if category.is_active else "",
        "assistances-TOTAL_FORMS": "0",
        "assistances-INITIAL_FORMS": "0",
        "assistances-MIN_NUM_FORMS": "0",
        "assistances-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_admin_edit_is_audited_with_before_and_after(admin_browser, admin_user):
    category = CategoryFactory(name_en="Old name")
    response = admin_browser.post(
        f"/admin/masters/category/{category.pk}/change/", _category_form(category, name_en="New name")
    )
    assert response.status_code == 302, response.content
    category.refresh_from_db()
    assert category.name_en == "New name"
    assert category.updated_by == admin_user
    entry = AuditLog.objects.get(action="update", object_type="masters.category", object_id=str(category.pk))
    assert entry.changes == {"name_en": ["Old name", "New name"]}
    assert entry.source == "admin"
    assert entry.actor_type == "user" and entry.actor_id == str(admin_user.pk)
    assert entry.request_id


def test_admin_create_and_delete_are_audited(admin_browser):
    response = admin_browser.post(
        "/admin/masters/category/add/",
        _category_form(Category(code="PETS", name_es="Mascotas", name_en="Pets", sort_order=5)),
    )
    assert response.status_code == 302, response.content
    created = Category.objects.get(code="PETS")
    entry = AuditLog.objects.get(action="create", object_id=str(created.pk), object_type="masters.category")
    assert entry.changes["after"]["name_es"] == "Mascotas"

    response = admin_browser.post(f"/admin/masters/category/{created.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Category.objects.filter(code="PETS").exists()
    deleted = AuditLog.objects.get(action="delete", object_id=str(created.pk))
    assert deleted.changes["before"]["code"] == "PETS"


def test_inline_assistance_edit_is_audited(admin_browser):
    category = CategoryFactory()
    assistance = AssistanceFactory(category=category, default_sla_minutes=60)
    form = _category_form(
        category,
        **{
            "assistances-TOTAL_FORMS": "1",
            "assistances-INITIAL_FORMS": "1",
            "assistances-0-id": str(assistance.pk),
            "assistances-0-category": str(category.pk),
            "assistances-0-code": assistance.code,
            "assistances-0-name_es": assistance.name_es,
            "assistances-0-name_en": assistance.name_en,
            "assistances-0-default_sla_minutes": "45",
            "assistances-0-requires_provider": "on",
            "assistances-0-sort_order": "0",
            "assistances-0-is_active": "on",
        },
    )
    response = admin_browser.post(f"/admin/masters/category/{category.pk}/change/", form)
    assert response.status_code == 302, response.content
    assert Assistance.objects.get(pk=assistance.pk).default_sla_minutes == 45
    entry = AuditLog.objects.get(action="update", object_type="masters.assistance", object_id=str(assistance.pk))
    assert entry.changes == {"default_sla_minutes": [60, 45]}
    # The parent was not changed, so it has no update entry.
    assert not AuditLog.objects.filter(action="update", object_type="masters.category").exists()


def _status_form(status: EventStatus, **overrides) -> dict:
    data = {
        "code": status.code,
        "name_es": status.name_es,
        "name_en": status.name_en,
        "description": status.description,
        "sort_order": status.sort_order,
        "next_statuses": [str(pk) for pk in status.next_statuses.values_list("pk", flat=True)],
        "colour": status.colour,
    }
    if status.role:
        data["role"] = status.role
    if status.is_initial:
        data["is_initial"] = "on"
    if status.is_final:
        data["is_final"] = "on"
    if status.is_active:
        data["is_active"] = "on"
    data.update(overrides)
    return data


def test_status_transition_edit_is_audited(admin_browser):
    on_hold = EventStatus.objects.get(code="ON_HOLD")
    closed = EventStatus.objects.get(code="CLOSED")
    before = sorted(str(pk) for pk in on_hold.next_statuses.values_list("pk", flat=True))
    after = sorted([*before, str(closed.pk)])
    response = admin_browser.post(
        f"/admin/masters/eventstatus/{on_hold.pk}/change/", _status_form(on_hold, next_statuses=after)
    )
    assert response.status_code == 302, response.content
    assert "CLOSED" in set(on_hold.next_statuses.values_list("code", flat=True))
    entry = AuditLog.objects.get(action="update", object_type="masters.eventstatus", object_id=str(on_hold.pk))
    assert entry.changes == {"next_statuses": [before, after]}


def test_final_status_with_transitions_is_refused_in_the_form(admin_browser):
    closed = EventStatus.objects.get(code="CLOSED")
    opened = EventStatus.objects.get(code="OPENED")
    response = admin_browser.post(
        f"/admin/masters/eventstatus/{closed.pk}/change/", _status_form(closed, next_statuses=[str(opened.pk)])
    )
    assert response.status_code == 200  # the form is shown again with the error
    assert "final" in response.content.decode().lower()
    assert not closed.next_statuses.exists()
    assert not AuditLog.objects.filter(object_type="masters.eventstatus").exists()


def test_deleting_a_category_in_use_is_refused(admin_browser):
    category = Category.objects.get(code="MEDICAL")
    response = admin_browser.post(f"/admin/masters/category/{category.pk}/delete/", {"post": "yes"})
    assert response.status_code in (200, 403)
    assert Category.objects.filter(code="MEDICAL").exists()


def test_tmo_operator_reads_catalogs_but_cannot_change_them(client, operator):
    client.force_login(operator)
    category = Category.objects.get(code="MEDICAL")
    assert client.get("/admin/masters/category/").status_code == 200
    response = client.post(f"/admin/masters/category/{category.pk}/change/", _category_form(category, name_en="X"))
    assert response.status_code == 403
    assert Category.objects.get(pk=category.pk).name_en == "Medical assistance"


@pytest.mark.parametrize(
    ("url", "grow"),
    [
        ("/admin/masters/category/", lambda: AssistanceFactory.create_batch(3, category=CategoryFactory())),
        ("/admin/masters/eventstatus/", lambda: None),
        ("/admin/masters/city/", lambda: CityFactory.create_batch(5)),
        ("/admin/masters/country/", lambda: CountryFactory.create_batch(5)),
        (
            "/admin/audit/auditlog/",
            lambda: [audit_record(action="update", instance=c) for c in CategoryFactory.create_batch(3)],
        ),
    ],
)
def test_admin_changelist_query_count_is_constant(admin_browser, url, grow):
    grow()
    baseline = count_queries(admin_browser, url)
    for _ in range(4):
        grow()
    assert count_queries(admin_browser, url) == baseline


def test_country_change_page_limits_the_city_inline(admin_browser):
    country = CountryFactory()
    CityFactory.create_batch(30, country=country)
    response = admin_browser.get(f"/admin/masters/country/{country.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="cities-TOTAL_FORMS" value="25"' in html
    assert "Ver las 30 ciudades" in html


def test_status_colour_and_role_are_edited_in_the_admin(admin_browser):
    from apps.masters.models import EventProviderStatus

    started = EventProviderStatus.objects.get(code="STARTED")
    page = admin_browser.get(f"/admin/masters/eventproviderstatus/{started.pk}/change/").content.decode()
    assert 'name="colour"' in page and 'name="role"' in page
    assert 'value="in_force"' not in page  # only the roles this machine's services read
    response = admin_browser.post(
        f"/admin/masters/eventproviderstatus/{started.pk}/change/", _status_form(started, colour="#2d7a2d")
    )
    assert response.status_code == 302, response.content
    started.refresh_from_db()
    assert started.colour == "#2d7a2d" and started.role == "started"
    listing = admin_browser.get("/admin/masters/eventproviderstatus/").content.decode()
    assert "background:#2d7a2d" in listing


def test_a_bad_colour_or_a_taken_role_is_refused_in_the_form(admin_browser):
    from apps.masters.models import EventProviderStatus

    started = EventProviderStatus.objects.get(code="STARTED")
    url = f"/admin/masters/eventproviderstatus/{started.pk}/change/"
    assert admin_browser.post(url, _status_form(started, colour="green")).status_code == 200
    assert admin_browser.post(url, _status_form(started, role="resolved")).status_code == 200
    started.refresh_from_db()
    assert started.colour == "" and started.role == "started"


def test_case_statuses_have_no_role_field(admin_browser):
    opened = EventStatus.objects.get(code="OPENED")
    page = admin_browser.get(f"/admin/masters/eventstatus/{opened.pk}/change/").content.decode()
    assert 'name="colour"' in page and 'name="role"' not in page
