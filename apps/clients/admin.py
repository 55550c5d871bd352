"""API clients and keys in the admin. Writes go through ``apps.clients.services`` (validated, audited).

A key's plaintext is shown once, in the message that follows its creation (the add page, or the
"issue a key" / "rotate" actions); only its prefix is ever displayed again.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.clients import services
from apps.clients.models import ApiClient, ApiKey
from apps.clients.scopes import ALL_SCOPES
from apps.core.admin import ServiceAdminForm, ServiceModelAdmin
from apps.core.exceptions import ApplicationError
from apps.masters.admin import source_formfield, source_list_filter


def _create_client(*, model, data, actor=None):
    return services.api_client_create(data=data, actor=actor)


def _show_once(model_admin, request, issued: services.IssuedKey) -> None:
    model_admin.message_user(
        request,
        _("New API key for %(client)s: %(key)s — copy it now, it will not be shown again.")
        % {"client": issued.key.client.name, "key": issued.plaintext},
        level=messages.WARNING,
    )


class ApiClientForm(ServiceAdminForm):
    service_validate = staticmethod(services.api_client_validate)

    allowed_scopes = forms.MultipleChoiceField(
        label=_("allowed scopes"),
        choices=[(scope, scope) for scope in ALL_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("read: GET requests; write: everything else. A token's scope counts only if listed here."),
    )

    class Meta:
        model = ApiClient
        fields = "__all__"


class ApiKeyInline(admin.TabularInline):
    """The client's keys, read-only (keys are issued, rotated and revoked with actions)."""

    model = ApiKey
    extra = 0
    can_delete = False
    fields = ["prefix", "label", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiClient)
class ApiClientAdmin(ServiceModelAdmin):
    form = ApiClientForm
    list_display = ["name", "source_code", "cognito_client_id", "scopes", "is_active", "usage_plan", "updated_at"]
    list_filter = ["is_active", source_list_filter("source_code")]
    search_fields = ["name", "=cognito_client_id"]
    readonly_fields = ["created_at", "created_by", "updated_at", "updated_by"]
    inlines = [ApiKeyInline]
    actions = ["issue_key"]
    fieldsets = [
        (None, {"fields": ["name", ("source_code", "is_active"), "cognito_client_id", "allowed_scopes", "notes"]}),
        (_("Usage plan"), {"fields": [("rate_per_second", "burst", "monthly_quota")]}),
        (
            _("Internal"),
            {"classes": ["collapse"], "fields": [("created_at", "created_by"), ("updated_at", "updated_by")]},
        ),
    ]
    service_create = staticmethod(_create_client)
    service_update = staticmethod(services.api_client_update)
    service_delete = staticmethod(services.api_client_delete)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "source_code":
            return source_formfield(db_field)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("scopes"))
    def scopes(self, obj):
        return " ".join(obj.allowed_scopes or []) or "—"

    @admin.display(description=_("usage plan"))
    def usage_plan(self, obj):
        return _("%(rate)s/s, burst %(burst)s, %(quota)s/month") % {
            "rate": f"{obj.rate_per_second:g}",
            "burst": obj.burst,
            "quota": obj.monthly_quota,
        }

    @admin.action(description=_("Issue a new API key"), permissions=["add_key"])
    def issue_key(self, request, queryset):
        for client in queryset:
            _show_once(self, request, services.api_key_issue(client=client, actor=request.user))

    def has_add_key_permission(self, request):
        return request.user.has_perm("clients.add_apikey")


class ApiKeyAddForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["client", "label"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "client", "label", "created_at", "last_used_at", "revoked_at", "state"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "client"]
    search_fields = ["prefix", "label", "client__name"]
    list_select_related = ["client"]
    actions = ["revoke_now", "rotate"]
    fields = ["client", "label", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyAddForm
            kwargs["fields"] = ["client", "label"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["client", "label"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        # Nothing of an issued key is edited in place: it is revoked or rotated with the actions.
        return [] if obj is None else self.fields

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail refers to keys

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.revoked_at is None:
            return _("active")
        return _("revoked") if not obj.is_usable() else _("revocation scheduled")

    def save_model(self, request, obj, form, change):
        if change:
            return
        issued = services.api_key_issue(
            client=form.cleaned_data["client"], label=form.cleaned_data.get("label", ""), actor=request.user
        )
        # The admin goes on with ``obj`` (log entry, redirect): make it the row the service saved.
        for field in ApiKey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(issued.key, field.attname))
        obj._state.adding = False
        _show_once(self, request, issued)

    @admin.action(description=_("Revoke now"), permissions=["change"])
    def revoke_now(self, request, queryset):
        done = 0
        for key in queryset:
            try:
                services.api_key_revoke(key=key, actor=request.user)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{key.prefix}…: {exc.message}", level=messages.ERROR)
        if done:
            self.message_user(request, ngettext("%d key revoked.", "%d keys revoked.", done) % done)

    @admin.action(description=_("Rotate (new key; the old one keeps working for 24 hours)"), permissions=["add"])
    def rotate(self, request, queryset):
        for key in queryset:
            try:
                issued = services.api_key_rotate(key=key, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{key.prefix}…: {exc.message}", level=messages.ERROR)
            else:
                _show_once(self, request, issued)
