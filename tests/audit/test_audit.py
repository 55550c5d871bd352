import pytest

from apps.audit.models import AuditLog
from apps.audit.services import audit_record
from tests.masters.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_audit_record_outside_a_request_is_a_system_entry():
    category = CategoryFactory()
    entry = AuditLog.objects.get(
        message_id=audit_record(
            action="update", instance=category, changes={"x": [1, 2]}, case_reference="BT-1"
        ).message_id
    )
    assert (entry.actor_type, entry.source, entry.request_id) == ("system", "system", "")
    assert (entry.object_type, entry.object_id, entry.case_reference) == ("masters.category", str(category.pk), "BT-1")
    assert entry.message_id


def test_audit_admin_is_read_only(admin_browser):
    entry = AuditLog.objects.get(message_id=audit_record(action="update", instance=CategoryFactory()).message_id)
    assert admin_browser.get(f"/admin/audit/auditlog/{entry.pk}/change/").status_code == 200
    assert admin_browser.get("/admin/audit/auditlog/add/").status_code == 403
    assert admin_browser.post(f"/admin/audit/auditlog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_audit_admin_search_and_filter(admin_browser):
    entry = AuditLog.objects.get(
        message_id=audit_record(action="update", instance=CategoryFactory(), case_reference="BT-2026-000042").message_id
    )
    found = admin_browser.get("/admin/audit/auditlog/", {"q": "BT-2026-000042"})
    assert str(entry.object_repr) in found.content.decode()
    assert admin_browser.get("/admin/audit/auditlog/", {"source__exact": "system"}).status_code == 200
