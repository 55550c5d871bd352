from django.contrib import admin
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ConflictGuardMixin, ServiceAdminForm, ServiceModelAdmin
from apps.providers import services
from apps.providers.api.serializers import map_url
from apps.providers.models import Provider, ProviderLocation, ProviderPaymentMethod, mask


def _map_link(obj) -> str:
    if obj is None or obj.latitude is None or obj.longitude is None:
        return "—"
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>', map_url(obj.latitude, obj.longitude), _("map")
    )


class LocationAdminMixin:
    """A location edited inline on its provider or on its own page: the same services, the same map link."""

    service_create = staticmethod(services.location_create)
    service_update = staticmethod(services.location_update)
    service_delete = staticmethod(services.location_delete)

    @admin.display(description=_("map"))
    def map_link(self, obj):
        return _map_link(obj)


class LocationForm(ServiceAdminForm):
    service_validate = staticmethod(services.location_validate)


class LocationInline(LocationAdminMixin, admin.StackedInline):
    model = ProviderLocation
    form = LocationForm
    extra = 0
    show_change_link = True
    autocomplete_fields = ["country", "city"]
    readonly_fields = ["map_link"]
    fields = [
        ("name", "is_active"),
        "address",
        ("country", "city"),
        ("latitude", "longitude", "map_link"),
        ("service_radius_km", "is_24h", "phone"),
        "opening_hours",
    ]


class PaymentMethodInline(admin.TabularInline):
    """Account numbers are shown masked, and are not editable here, unless the user may reveal them."""

    model = ProviderPaymentMethod
    extra = 0
    service_create = staticmethod(services.payment_method_create)
    service_update = staticmethod(services.payment_method_update)
    service_delete = staticmethod(services.payment_method_delete)

    def _may_reveal(self, request) -> bool:
        return request.user.has_perm("providers.reveal_bank_data")

    def get_fields(self, request, obj=None):
        account = ["account_number"] if self._may_reveal(request) else ["masked_account"]
        return ["kind", "bank_name", "holder_name", *account, "swift_bic", "currency", "is_default", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        return [] if self._may_reveal(request) else ["masked_account"]

    @admin.display(description=_("account number / IBAN"))
    def masked_account(self, obj):
        return mask(obj.account_number) if obj else "—"


class ProviderForm(ServiceAdminForm):
    service_validate = staticmethod(services.provider_validate)


@admin.register(Provider)
class ProviderAdmin(ConflictGuardMixin, ServiceModelAdmin):
    form = ProviderForm
    list_display = ["display_name", "provider_type", "country", "rating", "is_active", "updated_at"]
    list_filter = [
        "provider_type",
        "is_active",
        "country__continent",
        "country",
        "assistances__category",
        "assistances",
    ]
    search_fields = ["display_name", "legal_name", "=tax_id", "email"]
    list_select_related = ["country"]
    autocomplete_fields = ["country"]
    filter_horizontal = ["assistances"]
    readonly_fields = ["created_at", "updated_at", "created_by", "updated_by"]
    show_full_result_count = False
    inlines = [LocationInline, PaymentMethodInline]
    # A website typed without a scheme is https (Django 6's default, adopted now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("display_name", "legal_name"),
                    ("tax_id", "country"),
                    ("provider_type", "rating"),
                    "is_active",
                ]
            },
        ),
        (_("Contact"), {"fields": [("email", "gop_email"), "phone", "website", "languages"]}),
        (_("Services"), {"fields": ["assistances"]}),
        (_("Internal"), {"fields": ["notes", ("created_at", "created_by"), ("updated_at", "updated_by")]}),
    ]
    service_create = staticmethod(services.provider_create)
    service_update = staticmethod(services.provider_update)
    service_delete = staticmethod(services.provider_delete)
    # Panels the apps above this one add to a provider's page (the scorecard of apps.assistances):
    # callables (provider) -> HTML (safe), "" to show nothing. They register from their own admin
    # module, so this one never imports them (the layers contract in pyproject.toml).
    panels: list = []

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and self.panels:
            fieldsets.append((_("Performance"), {"fields": ["provider_panels"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "provider_panels"] if obj is not None and self.panels else readonly

    @admin.display(description=_("scorecard"))
    def provider_panels(self, obj):
        return format_html_join("", "{}", ((panel(obj),) for panel in self.panels))


@admin.register(ProviderLocation)
class ProviderLocationAdmin(LocationAdminMixin, ConflictGuardMixin, ServiceModelAdmin):
    form = LocationForm
    list_display = ["__str__", "provider", "city", "country", "is_24h", "is_active", "map_link"]
    list_filter = ["is_active", "is_24h", "provider__provider_type", "country"]
    search_fields = ["name", "address", "provider__display_name"]
    list_select_related = ["provider", "city", "country"]
    autocomplete_fields = ["provider", "country", "city"]
    readonly_fields = ["map_link", "geo_cell", "created_at", "updated_at"]
    show_full_result_count = False
