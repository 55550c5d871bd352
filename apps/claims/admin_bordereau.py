"""Bordereaux in the console: the list, each one's totals and files (downloaded through short-lived
links), and generating a month on demand (a page, and an action that regenerates the selected ones).

Registered from ``ClaimsConfig.ready()``: a module of its own beside the claims admin. Generation is
one call to ``bordereau_generate``; only those who may change bordereaux (administrators) see it.
"""

import datetime
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.claims.bordereau import bordereau_generate, previous_month
from apps.claims.models import Bordereau, BordereauFile
from apps.core.admin import ReadOnlyAdminMixin
from apps.core.files.admin import StoredFileDownloadMixin, StoredFileInline
from apps.masters.admin import source_list_filter
from apps.masters.selectors import source_choices

GENERATE_PERMISSION = "claims.change_bordereau"


class BordereauFileInline(StoredFileInline):
    model = BordereauFile
    fields = ["format", *StoredFileInline.fields]


class GenerateForm(forms.Form):
    source_code = forms.ChoiceField(label=_("source"), choices=source_choices)
    month = forms.CharField(
        label=_("month"), help_text=_("YYYY-MM"), max_length=7, widget=forms.TextInput(attrs={"placeholder": "2026-03"})
    )

    def clean_month(self) -> datetime.date:
        try:
            return datetime.datetime.strptime(self.cleaned_data["month"], "%Y-%m").date()
        except ValueError as exc:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from exc


@admin.register(Bordereau)
class BordereauAdmin(ReadOnlyAdminMixin, StoredFileDownloadMixin, admin.ModelAdmin):
    list_display = ["__str__", "source_code", "month", "currency", "rows", "generated_at", "notified_at"]
    list_filter = [source_list_filter("source_code"), ("month", admin.DateFieldListFilter)]
    show_full_result_count = False
    list_per_page = 50
    fields = ["source_code", "month", "currency", "rows", "totals_pretty", "generated_at", "notified_at"]
    readonly_fields = fields
    inlines = [BordereauFileInline]
    actions = ["regenerate"]
    change_list_template = "admin/claims/bordereau/change_list.html"

    @admin.display(description=_("totals"))
    def totals_pretty(self, obj: Bordereau):
        return format_html("<pre>{}</pre>", json.dumps(obj.totals, indent=2, sort_keys=True))

    def get_urls(self):
        return [
            path("generate/", self.admin_site.admin_view(self.generate_view), name="claims_bordereau_generate"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"can_generate": request.user.has_perm(GENERATE_PERMISSION), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def generate_view(self, request):
        if not request.user.has_perm(GENERATE_PERMISSION):
            raise PermissionDenied
        form = GenerateForm(request.POST or None, initial={"month": f"{previous_month():%Y-%m}"})
        if request.method == "POST" and form.is_valid():
            bordereau = bordereau_generate(
                source_code=form.cleaned_data["source_code"], month=form.cleaned_data["month"], actor=request.user
            )
            self.message_user(
                request, _("%(name)s generated: %(rows)d rows.") % {"name": bordereau, "rows": bordereau.rows}
            )
            return redirect(reverse("admin:claims_bordereau_change", args=[bordereau.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Generate a bordereau"),
            "form": form,
        }
        return TemplateResponse(request, "admin/claims/bordereau/generate.html", context)

    @admin.action(description=_("Generate the selected bordereaux again"))
    def regenerate(self, request, queryset):
        if not request.user.has_perm(GENERATE_PERMISSION):
            raise PermissionDenied
        for row in queryset.order_by("source_code", "month"):
            bordereau_generate(source_code=row.source_code, month=row.month, actor=request.user)
        self.message_user(request, _("Generated again."), messages.SUCCESS)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm(GENERATE_PERMISSION):
            actions.pop("regenerate", None)
        return actions
