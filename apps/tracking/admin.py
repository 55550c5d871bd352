from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.tracking import services
from apps.tracking.models import TrackingAttempt, TrackingMessage


class TrackingAttemptInline(admin.TabularInline):
    """Every delivery attempt of the message, oldest first: read-only."""

    model = TrackingAttempt
    fields = ["number", "kind", "attempted_at", "status_code", "duration_ms", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TrackingMessage)
class TrackingMessageAdmin(admin.ModelAdmin):
    """Messages are written by the case services and sent by the worker; operators only look and retry."""

    inlines = [TrackingAttemptInline]

    list_display = [
        "created_at",
        "event",
        "action",
        "state",
        "attempts",
        "response_code",
        "next_attempt_at",
        "delivered_at",
        "notified_at",
    ]
    list_filter = ["state", "action", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=event__code", "=id"]
    list_select_related = ["event"]
    show_full_result_count = False
    date_hierarchy = None
    actions = ["retry_delivery"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in TrackingMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry delivery of the selected failed messages"), permissions=["change"])
    def retry_delivery(self, request, queryset):
        count = services.tracking_retry(messages=queryset, actor=request.user)
        skipped = queryset.count() - count
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count) % {"count": count},
            messages.SUCCESS,
        )
        if skipped > 0:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message was not failed and was left as it is.",
                    "%(count)d messages were not failed and were left as they are.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
