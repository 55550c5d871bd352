from django.contrib import admin

from apps.tracking.models import TrackingMessage


@admin.register(TrackingMessage)
class TrackingMessageAdmin(admin.ModelAdmin):
    """Read-only here; delivery and retries arrive with the background-work issue."""

    list_display = ["created_at", "event", "action", "state", "attempts", "response_code", "delivered_at"]
    list_filter = ["state", "action"]
    search_fields = ["=event__code"]
    list_select_related = ["event"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in TrackingMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
