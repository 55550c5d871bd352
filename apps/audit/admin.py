from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.audit.models import AuditLog
from apps.core.admin import ReadOnlyAdminMixin


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the trail is append-only, nobody edits or deletes it from the admin."""

    list_display = ["occurred_at", "actor_repr", "action", "object_type", "object_id", "object_repr", "source"]
    list_filter = ["source", "action", "actor_type", "object_type", ("occurred_at", admin.DateFieldListFilter)]
    search_fields = ["=object_id", "object_repr", "=case_reference", "actor_repr", "=request_id"]
    # The trail grows without bound: never COUNT(*) the whole table on each page view.
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = [f.name for f in AuditLog._meta.fields]
    fieldsets = [
        (None, {"fields": ["occurred_at", "recorded_at", "action", "source", "request_id", "message_id"]}),
        (_("Actor"), {"fields": ["actor_type", "actor_id", "actor_repr"]}),
        (_("Object"), {"fields": ["object_type", "object_id", "object_repr", "case_reference"]}),
        (_("Changes"), {"fields": ["changes"]}),
    ]
