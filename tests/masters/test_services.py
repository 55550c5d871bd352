import pytest

from apps.audit.models import AuditLog
from apps.core.context import use_context
from apps.core.exceptions import ApplicationError, ConflictError
from apps.masters import services
from apps.masters.models import Category, EventStatus
from tests.masters.factories import AssistanceFactory, CategoryFactory

pytestmark = pytest.mark.django_db


def test_update_without_changes_writes_no_audit(admin_user):
    category = CategoryFactory()
    services.catalog_entry_update(instance=category, data={"name_es": category.name_es}, actor=admin_user)
    assert not AuditLog.objects.exists()


def test_invalid_data_is_refused_and_nothing_changes(admin_user):
    category = CategoryFactory(code="VALID")
    with pytest.raises(Exception) as excinfo:
        services.catalog_entry_update(instance=category, data={"code": "not valid!"}, actor=admin_user)
    assert "code" in str(excinfo.value)
    assert Category.objects.get(pk=category.pk).code == "VALID"
    assert not AuditLog.objects.exists()


def test_final_status_cannot_gain_transitions(admin_user):
    closed = EventStatus.objects.get(code="CLOSED")
    with pytest.raises(ApplicationError) as excinfo:
        services.catalog_entry_update(
            instance=closed, data={"next_statuses": [EventStatus.objects.get(code="OPENED")]}, actor=admin_user
        )
    assert excinfo.value.code == "final_status_with_transitions"


def test_a_status_cannot_lead_to_itself(admin_user):
    opened = EventStatus.objects.get(code="OPENED")
    with pytest.raises(ApplicationError) as excinfo:
        services.catalog_entry_update(instance=opened, data={"next_statuses": [opened]}, actor=admin_user)
    assert excinfo.value.code == "status_self_transition"


def test_delete_in_use_is_a_conflict(admin_user):
    assistance = AssistanceFactory()
    with pytest.raises(ConflictError):
        services.catalog_entry_delete(instance=assistance.category, actor=admin_user)
    assert Category.objects.filter(pk=assistance.category_id).exists()


def test_actor_and_source_come_from_the_context(admin_user):
    with use_context(request_id="job-7", source="worker", user=admin_user):
        category = services.catalog_entry_create(
            model=Category, data={"code": "NEW_ONE", "name_es": "Nueva", "name_en": "New"}
        )
    entry = AuditLog.objects.get(object_id=str(category.pk))
    assert (entry.source, entry.request_id, entry.actor_id) == ("worker", "job-7", str(admin_user.pk))
    assert category.created_by == admin_user
