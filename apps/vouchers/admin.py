from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet, ModelChoiceIterator
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ConflictGuardMixin, ReadOnlyAdminMixin, ServiceAdminForm, ServiceModelAdmin, show_refusal
from apps.core.exceptions import ApplicationError
from apps.masters.admin import source_formfield, source_list_filter
from apps.masters.models import Assistance, Country, StatusRole, VoucherStatus
from apps.vouchers import selectors, services
from apps.vouchers.models import BenefitCommitment, Voucher, VoucherBenefit, VoucherStatusHistory, VoucherTraveller

# --- Service adapters: the admin hooks' signatures → the vouchers services -------------------------------


def _voucher_create(*, model, data, actor=None):
    return services.voucher_issue(data=data, actor=actor)


def _voucher_update(*, instance, data, actor=None):
    return services.voucher_update(voucher=instance, data=data, actor=actor)


def _voucher_delete(*, instance, actor=None):
    services.voucher_delete(voucher=instance, actor=actor)


def _traveller_create(*, model, data, actor=None):
    return services.voucher_traveller_create(data=data, actor=actor)


def _benefit_create(*, model, data, actor=None):
    return services.voucher_benefit_create(data=data, actor=actor)


# --- Inlines -----------------------------------------------------------------------------------------------


class TravellerInline(admin.TabularInline):
    model = VoucherTraveller
    fields = ["first_name", "last_name", "document_type", "document_number", "birth_date", "is_holder"]
    extra = 0
    service_create = staticmethod(_traveller_create)
    service_update = staticmethod(services.voucher_traveller_update)
    service_delete = staticmethod(services.voucher_traveller_delete)


class BenefitAdminForm(ServiceAdminForm):
    service_validate = staticmethod(services.voucher_benefit_validate)


class BenefitFormSet(BaseInlineFormSet):
    """One benefit per assistance type or category among the rows submitted together."""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            data = form.cleaned_data
            key = (data.get("assistance"), data.get("category"))
            if key == (None, None):
                continue
            if key in seen:
                raise ValidationError(gettext("Two benefits are for the same assistance type or category."))
            seen.add(key)


class CatalogChoiceIterator(ModelChoiceIterator):
    """Choices from a list loaded once per page, not one query per inline row."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.catalog:
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.catalog) + (1 if self.field.empty_label is not None else 0)


class CatalogChoiceField(forms.ModelChoiceField):
    """A select over a small catalog (assistance types, categories) shared by every row of an inline."""

    iterator = CatalogChoiceIterator
    catalog: list = []


class BenefitInline(admin.TabularInline):
    model = VoucherBenefit
    form = BenefitAdminForm
    formset = BenefitFormSet
    fields = ["assistance", "category", "limit_amount", "currency", "limit_count"]
    extra = 0
    service_create = staticmethod(_benefit_create)
    service_update = staticmethod(services.voucher_benefit_update)
    service_delete = staticmethod(services.voucher_benefit_delete)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("voucher", "assistance", "category")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("assistance", "category"):
            kwargs["form_class"] = CatalogChoiceField
            kwargs.setdefault("queryset", db_field.related_model._default_manager.order_by("code"))
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.catalog = list(field.queryset)  # the copies each row's form makes share this list
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class StatusHistoryInline(ReadOnlyInline):
    model = VoucherStatusHistory
    fields = ["changed_at", "from_status", "to_status", "reason", "actor_repr"]
    readonly_fields = fields
    ordering = ["changed_at", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("voucher", "from_status", "to_status")


class CommitmentInline(ReadOnlyInline):
    model = BenefitCommitment
    fields = [
        "reference",
        "benefit",
        "amount",
        "count",
        "original_amount",
        "original_currency",
        "rate",
        "released",
        "created_at",
        "released_at",
    ]
    readonly_fields = fields
    verbose_name_plural = _("benefit commitments (by cases)")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("benefit__voucher", "benefit__assistance", "benefit__category", "voucher")
        )


# --- Filters and forms ---------------------------------------------------------------------------------------


class ValidityFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [
            ("current", _("In force today")),
            ("upcoming", _("Starts later")),
            ("past", _("Ended")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "current":
            return queryset.filter(valid_from__lte=today, valid_to__gte=today)
        if self.value() == "upcoming":
            return queryset.filter(valid_from__gt=today)
        if self.value() == "past":
            return queryset.filter(valid_to__lt=today)
        return queryset


class VoucherAdminForm(ServiceAdminForm):
    service_validate = staticmethod(services.voucher_validate)


class CoverageForm(forms.Form):
    assistance = forms.ModelChoiceField(
        label=_("assistance type"), queryset=Assistance.objects.select_related("category").order_by("code")
    )
    country = forms.ModelChoiceField(label=_("country"), queryset=Country.objects.order_by("iso2"))
    date = forms.DateField(
        label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )  # a date input takes ISO only


class TransitionForm(forms.Form):
    status = forms.ModelChoiceField(label=_("new status"), queryset=VoucherStatus.objects.none())
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, voucher: Voucher, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].queryset = voucher.status.next_statuses.order_by("sort_order", "code")


# --- Voucher admin --------------------------------------------------------------------------------------------


@admin.register(Voucher)
class VoucherAdmin(ConflictGuardMixin, ServiceModelAdmin):
    form = VoucherAdminForm
    service_create = staticmethod(_voucher_create)
    service_update = staticmethod(_voucher_update)
    service_delete = staticmethod(_voucher_delete)

    list_display = ["number", "holder_name", "product_name", "source", "status_code", "valid_from", "valid_to"]
    list_filter = [
        "status",
        source_list_filter("source"),
        ValidityFilter,
        ("valid_from", admin.DateFieldListFilter),
        ("valid_to", admin.DateFieldListFilter),
        "worldwide",
    ]
    # Search: number, holder or traveller document (exact), or traveller name ("last" or "first last",
    # by prefix) — see get_search_results, which keeps every lookup on an index.
    search_fields = ["=number"]
    search_help_text = _("Voucher number, document number, or a traveller's last name (or first and last name).")
    # The status is prefetched in get_queryset rather than joined: joined to the five-row status
    # table, MySQL drives the query from it and sorts every voucher to show one page.
    list_select_related = False
    # 100,000+ rows: no COUNT(*) of the whole table on every page view.
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ["residence_country", "destinations"]
    readonly_fields = ["created_at", "updated_at", "created_by", "updated_by"]
    inlines = [TravellerInline, BenefitInline, StatusHistoryInline, CommitmentInline]
    fieldsets = [
        (None, {"fields": ["number", "status", "source", ("product_code", "product_name")]}),
        (
            _("Holder"),
            {
                "fields": [
                    "holder_name",
                    ("holder_document_type", "holder_document_number"),
                    ("holder_email", "holder_phone"),
                ]
            },
        ),
        (
            _("Coverage"),
            {"fields": [("valid_from", "valid_to"), "worldwide", "destinations", "residence_country", "currency"]},
        ),
        (_("Issuance"), {"fields": ["external_reference", "issued_at"]}),
        (_("Record"), {"classes": ["collapse"], "fields": ["created_at", "updated_at", "created_by", "updated_by"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "source":
            return source_formfield(db_field)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("status"), ordering="status__code")
    def status_code(self, obj):
        return obj.status.code

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("status")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        by_number = Voucher.objects.filter(number=term).values_list("pk", flat=True)
        ids = set(by_number) | selectors.voucher_ids_by_document(term)
        if ids:
            return queryset.filter(pk__in=ids), False
        words = term.split()
        travellers = VoucherTraveller.objects.filter(last_name__istartswith=words[-1])
        if len(words) > 1:
            travellers = travellers.filter(first_name__istartswith=words[0])
        return queryset.filter(pk__in=travellers.values("voucher_id")), False

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # The status changes only through a transition (the "Change status" page), never by editing.
            readonly.append("status")
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "currency" in form.base_fields:
            # Left empty, the service takes the benefits' currency, else the source's default (or keeps it).
            form.base_fields["currency"].required = False
            form.base_fields["currency"].help_text = _(
                "Every benefit amount is in this currency. Empty: the benefits' currency, else the source's default."
            )
        if obj is None and "status" in form.base_fields:
            field = form.base_fields["status"]
            field.queryset = VoucherStatus.objects.filter(is_initial=True).order_by("sort_order", "code")
            field.initial = VoucherStatus.objects.filter(role=StatusRole.IN_FORCE).values_list("pk", flat=True).first()
        return form

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/coverage/",
                self.admin_site.admin_view(self.coverage_view),
                name="{}_{}_coverage".format(*info),
            ),
            path(
                "<path:object_id>/status/",
                self.admin_site.admin_view(self.transition_view),
                name="{}_{}_status".format(*info),
            ),
            *super().get_urls(),
        ]

    def _page_context(self, request, obj: Voucher, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": title,
            "change_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]),
        }

    def _get_voucher(self, request, object_id: str) -> Voucher | None:
        pk = unquote(object_id)
        if not pk.isdigit():
            return None
        return self.get_queryset(request).select_related("status", "residence_country").filter(pk=pk).first()

    def coverage_view(self, request, object_id: str):
        """A pure read: the coverage check's reasons for an assistance, a country and a date."""
        obj = self._get_voucher(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        initial = {"date": timezone.localdate()}
        first_destination = obj.destinations.order_by("iso2").first()
        if first_destination is not None:
            initial["country"] = first_destination.pk
        form = CoverageForm(request.GET or None, initial=initial)
        result = None
        if form.is_valid():
            result = selectors.voucher_check_coverage(
                voucher=obj,
                assistance=form.cleaned_data["assistance"],
                country=form.cleaned_data["country"],
                on_date=form.cleaned_data["date"],
            )
        context = {
            **self._page_context(request, obj, gettext("Check coverage of voucher %(number)s") % {"number": obj}),
            "form": form,
            "result": result,
        }
        return TemplateResponse(request, "admin/vouchers/voucher/coverage.html", context)

    def transition_view(self, request, object_id: str):
        """Change the status through ``voucher_transition`` (allowed moves only, reason kept in history)."""
        obj = self._get_voucher(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        form = TransitionForm(request.POST or None, voucher=obj)
        if request.method == "POST" and form.is_valid():
            try:
                services.voucher_transition(
                    voucher=obj,
                    to_code=form.cleaned_data["status"].code,
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                self.message_user(
                    request,
                    gettext("Voucher %(number)s is now %(status)s.")
                    % {"number": obj.number, "status": obj.status.code},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._page_context(request, obj, "")["change_url"])
        context = {
            **self._page_context(request, obj, gettext("Change the status of voucher %(number)s") % {"number": obj}),
            "form": form,
        }
        return TemplateResponse(request, "admin/vouchers/voucher/status.html", context)
