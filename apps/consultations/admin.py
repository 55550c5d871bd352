"""Phone consultations in the operators' console; every write goes through the consultation services."""

from django import forms
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.consultations import services
from apps.consultations.models import PhoneConsultation, PhoneConsultationFile
from apps.core.admin import ServiceAdminForm, ServiceModelAdmin, assigned_user_filter
from apps.core.files.admin import StoredFileDownloadMixin, StoredFileInline


def _create(*, model, data, actor=None):
    return services.consultation_create(data=data, actor=actor)


MineFilter = assigned_user_filter("operator", _("operator"))


class LinkedFilter(admin.SimpleListFilter):
    title = _("case")
    parameter_name = "linked"

    def lookups(self, request, model_admin):
        return [("1", _("linked to a case")), ("0", _("not linked"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(event__isnull=self.value() == "0")
        return queryset


class CallDurationField(forms.IntegerField):
    """A call's length as operators say it: minutes ("5"), or minutes and seconds ("5:30"); kept in seconds."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("Minutes, or minutes:seconds (5 or 5:30)."))
        super().__init__(min_value=0, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            minutes, seconds = divmod(value, 60)
            return f"{minutes}:{seconds:02d}"
        return value

    def to_python(self, value):
        text = str(value or "").strip()
        if not text:
            return None
        minutes, _sep, seconds = text.partition(":")
        if not minutes.isdigit() or (seconds and (not seconds.isdigit() or int(seconds) >= 60)):
            raise forms.ValidationError(_("Write minutes, or minutes:seconds (5 or 5:30)."), code="invalid")
        return int(minutes) * 60 + int(seconds or 0)


class PhoneConsultationForm(ServiceAdminForm):
    service_validate = staticmethod(services.consultation_validate)

    duration_seconds = CallDurationField(label=_("duration"), required=False)

    def clean_duration_seconds(self):
        return self.cleaned_data.get("duration_seconds") or 0


class PhoneConsultationFileInline(StoredFileInline):
    model = PhoneConsultationFile
    fields = ["original_name", "kind", "content_type", "size", "sha256", "created_at", "download"]


@admin.register(PhoneConsultation)
class PhoneConsultationAdmin(StoredFileDownloadMixin, ServiceModelAdmin):
    form = PhoneConsultationForm
    list_display = [
        "started_at",
        "caller_name",
        "phone_number",
        "direction",
        "outcome",
        "case_link",
        "operator",
        "duration",
    ]
    list_filter = ["direction", "outcome", LinkedFilter, MineFilter, ("started_at", admin.DateFieldListFilter)]
    search_fields = ["caller_name", "phone_number", "=phone_digits", "=event__code"]
    list_select_related = ["event", "operator"]
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ["event", "operator"]
    inlines = [PhoneConsultationFileInline]
    readonly_fields = ["created_at", "created_by", "updated_at", "updated_by"]
    fieldsets = [
        (None, {"fields": [("caller_name", "phone_number"), ("direction", "outcome"), "reason"]}),
        (_("Call"), {"fields": [("started_at", "duration_seconds"), "event", "operator"]}),
        (
            _("Internal"),
            {"classes": ["collapse"], "fields": [("created_at", "created_by"), ("updated_at", "updated_by")]},
        ),
    ]
    service_create = staticmethod(_create)
    service_update = staticmethod(services.consultation_update)

    def has_delete_permission(self, request, obj=None):
        # Calls are part of the case record: they are corrected, never deleted.
        return False

    def get_changeform_initial_data(self, request):
        # A call logged now, by the operator, most often one that came in: the form starts there.
        return {
            "operator": request.user.pk,
            "started_at": timezone.now(),
            "direction": "inbound",
            **super().get_changeform_initial_data(request),
        }

    def response_add(self, request, obj, post_url_continue=None):
        # Logged from a case's header ("Log a call"): back to the case, where the call now shows.
        if (
            obj.event_id
            and request.GET.get("event")
            and "_continue" not in request.POST
            and "_addanother" not in request.POST
        ):
            self.message_user(request, _("Call logged on case %(code)s.") % {"code": obj.event.code})
            return redirect("admin:assistances_event_change", obj.event_id)
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description=_("case"), ordering="event__code")
    def case_link(self, obj):
        if not obj.event_id:
            return "—"
        url = reverse("admin:assistances_event_change", args=[obj.event_id])
        return format_html('<a href="{}">{}</a>', url, obj.event.code)

    @admin.display(description=_("duration"), ordering="duration_seconds")
    def duration(self, obj):
        minutes, seconds = divmod(obj.duration_seconds, 60)
        return f"{minutes}:{seconds:02d}"
