from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.admin import ServiceAdminForm, ServiceModelAdmin
from apps.core.exceptions import ValidationFailed
from apps.masters import exchange_rates, services
from apps.masters.models import (
    Assistance,
    BillStatus,
    Category,
    City,
    Country,
    EventProviderStatus,
    EventStatus,
    ExchangeRate,
    GuaranteeStatus,
    Source,
    StatusRole,
    VoucherStatus,
)
from apps.masters.selectors import source_choices


def any_source_field() -> forms.ChoiceField:
    """One source, or none for every source: rows kept per source with a default for the rest."""
    return forms.ChoiceField(
        label=_("Source"), choices=lambda: [("", _("every source")), *source_choices()], required=False
    )


class PerSourceAdminMixin:
    """The ``source`` column of rows kept per source, where an empty source means every source."""

    @admin.display(description=_("source"), ordering="source_code")
    def source(self, obj):
        return obj.source_code or _("every source")


class CatalogAdminForm(ServiceAdminForm):
    service_validate = staticmethod(services.catalog_entry_validate)


class CatalogServiceMixin:
    form = CatalogAdminForm
    service_create = staticmethod(services.catalog_entry_create)
    service_update = staticmethod(services.catalog_entry_update)
    service_delete = staticmethod(services.catalog_entry_delete)


class CatalogAdmin(CatalogServiceMixin, ServiceModelAdmin):
    list_display = ["code", "name_es", "name_en", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_es", "name_en"]
    readonly_fields = ["created_at", "updated_at", "created_by", "updated_by"]
    list_select_related = True


class AssistanceInline(CatalogServiceMixin, admin.TabularInline):
    model = Assistance
    fields = ["code", "name_es", "name_en", "default_sla_minutes", "requires_provider", "sort_order", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(Category)
class CategoryAdmin(CatalogAdmin):
    list_display = [*CatalogAdmin.list_display[:3], "assistance_count", "sort_order", "is_active"]
    inlines = [AssistanceInline]
    fields = ["code", "name_es", "name_en", "description", "sort_order", "is_active"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(assistance_total=Count("assistances"))

    @admin.display(description=_("assistance types"), ordering="assistance_total")
    def assistance_count(self, obj):
        return obj.assistance_total


@admin.register(Assistance)
class AssistanceAdmin(CatalogAdmin):
    list_display = ["code", "name_es", "name_en", "category", "default_sla_minutes", "requires_provider", "is_active"]
    list_editable = ["default_sla_minutes", "requires_provider", "is_active"]
    list_filter = ["category", "requires_provider", "is_active"]
    search_fields = ["code", "name_es", "name_en", "category__name_es", "category__name_en"]
    autocomplete_fields = ["category"]
    list_select_related = ["category"]
    fields = [
        "category",
        "code",
        "name_es",
        "name_en",
        "description",
        "default_sla_minutes",
        "requires_provider",
        "sort_order",
        "is_active",
    ]


@admin.register(Source)
class SourceAdmin(CatalogAdmin):
    list_display = ["code", "name_es", "name_en", "receives_tracking", "sort_order", "is_active"]
    list_editable = ["receives_tracking", "sort_order", "is_active"]
    list_filter = ["receives_tracking", "is_active"]
    fields = [
        "code",
        "name_es",
        "name_en",
        "description",
        "receives_tracking",
        "rate_policy",
        "default_currency",
        "sort_order",
        "is_active",
    ]

    def get_readonly_fields(self, request, obj=None):
        # Rows elsewhere store the code itself (see Source): fixed once created.
        return [*super().get_readonly_fields(request, obj), *(["code"] if obj is not None else [])]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivated instead (catalog_entry_delete refuses too)


def source_list_filter(field_name: str) -> type[admin.SimpleListFilter]:
    """A changelist filter on a source column, with the catalog's sources as options.

    Django's default for a column without choices reads its distinct values, a scan of a large table.
    """

    def queryset(self, request, queryset):
        return queryset.filter(**{field_name: self.value()}) if self.value() else queryset

    return type(
        "SourceListFilter",
        (admin.SimpleListFilter,),
        {
            "title": _("source"),
            "parameter_name": f"{field_name}__exact",
            "lookups": lambda self, request, model_admin: source_choices(),
            "queryset": queryset,
        },
    )


def source_formfield(db_field) -> forms.Field:
    """The select of the catalog's sources for a source column (the service checks the choice again)."""
    return forms.ChoiceField(
        choices=source_choices,
        label=db_field.verbose_name.capitalize(),
        help_text=db_field.help_text,
        required=not db_field.blank,
    )


class StatusAdmin(CatalogAdmin):
    list_display = [
        "code",
        "swatch",
        "name_es",
        "name_en",
        "is_initial",
        "is_final",
        "role",
        "allowed_next",
        "sort_order",
        "is_active",
    ]
    list_filter = ["is_initial", "is_final", "is_active"]
    filter_horizontal = ["next_statuses"]
    fields = [
        "code",
        "name_es",
        "name_en",
        "description",
        "is_initial",
        "is_final",
        "next_statuses",
        "colour",
        "role",
        "sort_order",
        "is_active",
    ]

    # A machine whose services read no role (cases) does not show the field at all.
    def get_list_display(self, request):
        return [f for f in super().get_list_display(request) if f != "role" or self.model.ROLES]

    def get_fields(self, request, obj=None):
        return [f for f in super().get_fields(request, obj) if f != "role" or self.model.ROLES]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = [("", "---------"), *((role, StatusRole(role).label) for role in self.model.ROLES)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("next_statuses")

    @admin.display(description=_("colour"), ordering="colour")
    def swatch(self, obj):
        return format_html(
            '<span style="display:inline-block;width:1em;height:1em;border-radius:2px;background:{}"></span> {}',
            obj.display_colour,
            obj.colour or "—",
        )

    @admin.display(description=_("allowed next statuses"))
    def allowed_next(self, obj):
        return ", ".join(s.code for s in obj.next_statuses.all()) or "—"


admin.site.register(EventStatus, StatusAdmin)
admin.site.register(EventProviderStatus, StatusAdmin)
admin.site.register(VoucherStatus, StatusAdmin)
admin.site.register(GuaranteeStatus, StatusAdmin)
admin.site.register(BillStatus, StatusAdmin)


class CityInline(CatalogServiceMixin, admin.TabularInline):
    """The most populated cities only: a country can have thousands, the full list has its own page."""

    model = City
    fields = ["code", "name", "admin1_code", "latitude", "longitude", "time_zone", "population", "is_active"]
    extra = 0
    show_change_link = True
    inline_limit = 25
    verbose_name_plural = _("main cities (by population)")


@admin.register(Country)
class CountryAdmin(CatalogServiceMixin, ServiceModelAdmin):
    list_display = ["iso2", "iso3", "name_es", "name_en", "continent", "currency_code", "time_zone", "is_active"]
    list_filter = ["continent", "is_active"]
    search_fields = ["=iso2", "=iso3", "name_es", "name_en"]
    readonly_fields = ["all_cities_link", "created_at", "updated_at", "created_by", "updated_by"]
    fields = [
        ("iso2", "iso3", "numeric_code"),
        ("name_es", "name_en"),
        ("continent", "capital"),
        ("currency_code", "phone_prefix"),
        ("latitude", "longitude", "time_zone"),
        "is_active",
        "all_cities_link",
    ]
    inlines = [CityInline]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, CityInline) and obj is not None and obj.pk:
            top = list(
                City.objects.filter(country=obj)
                .order_by("-population")
                .values_list("pk", flat=True)[: inline.inline_limit]
            )
            kwargs["queryset"] = kwargs["queryset"].filter(pk__in=top).order_by("-population")
        return kwargs

    @admin.display(description=_("all cities"))
    def all_cities_link(self, obj):
        if not obj.pk:
            return "—"
        url = reverse("admin:masters_city_changelist") + f"?country__id__exact={obj.pk}"
        total = obj.cities.count()
        label = ngettext("Show the only city", "Show all %(n)d cities", total) % {"n": total}
        return format_html('<a href="{}">{}</a>', url, label)


@admin.register(City)
class CityAdmin(CatalogServiceMixin, ServiceModelAdmin):
    list_display = ["name", "country", "admin1_code", "population", "time_zone", "is_active"]
    list_filter = ["is_active", "country__continent", "country"]
    search_fields = ["name", "ascii_name", "=code"]
    autocomplete_fields = ["country"]
    list_select_related = ["country"]
    readonly_fields = ["created_at", "updated_at", "created_by", "updated_by"]
    show_full_result_count = False
    fields = [
        "country",
        "code",
        "name",
        "admin1_code",
        ("latitude", "longitude"),
        "time_zone",
        "population",
        "is_active",
    ]

    def get_search_results(self, request, queryset, search_term):
        # The case form's city search sends the chosen country (console.js): only its cities are offered.
        country = request.GET.get("country", "")
        if country.isdigit():
            queryset = queryset.filter(country_id=int(country))
        return super().get_search_results(request, queryset, search_term)


class ExchangeRateUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
    dry_run = forms.BooleanField(label=_("Only check the file (write nothing)"), required=False)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Rates are read here and loaded from CSV (the upload page, ``load_exchange_rates``, the periodic job),
    never typed one by one: a stored conversion points at its row, so rows are never edited or deleted here."""

    list_display = ["date", "from_currency", "to_currency", "rate", "source", "updated_at"]
    list_filter = ["source", "from_currency", "to_currency", "date"]
    search_fields = ["from_currency", "to_currency", "source"]
    date_hierarchy = "date"
    readonly_fields = ["date", "from_currency", "to_currency", "rate", "source", "created_at", "updated_at"]
    change_list_template = "admin/masters/exchangerate/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="{}_{}_upload".format(*info)),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        if not request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}"):
            raise PermissionDenied
        form = ExchangeRateUploadForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8")
            except UnicodeDecodeError:
                errors = [str(_("The file is not UTF-8 text."))]
            else:
                try:
                    result = exchange_rates.exchange_rates_load(text=text, dry_run=form.cleaned_data["dry_run"])
                except ValidationFailed as exc:
                    errors = [str(message) for message in exc.errors["file"]]
                else:
                    counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
                    if form.cleaned_data["dry_run"]:
                        message = _(
                            "Checked: %(created)d would be created, %(updated)d updated, %(unchanged)d unchanged."
                        )
                    else:
                        message = _("Loaded: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                    self.message_user(request, message % counts, messages.SUCCESS)
                    return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Load exchange rates from a CSV file"),
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/masters/exchangerate/upload.html", context)
