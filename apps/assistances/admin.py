"""The operators' console: cases in the Django admin, every write through the case services."""

import datetime
import math
from contextlib import suppress
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.assistances import scorecards, selectors, services
from apps.assistances.fields import EVENT_IDENTITY_FIELDS
from apps.assistances.models import (
    AssignmentProof,
    Event,
    EventDraft,
    EventProvider,
    EventStatusHistory,
    EventStatusSwitch,
    Note,
    NoteKind,
    NoteVisibility,
)
from apps.assistances.services import dispatch
from apps.consultations.models import PhoneConsultation
from apps.core.admin import ConflictGuardMixin, LargeTablePaginator, assigned_user_filter, show_refusal, sync_saved
from apps.core.exceptions import ApplicationError, ValidationFailed
from apps.core.files.admin import StoredFileDownloadMixin, StoredFileInline
from apps.masters.admin import source_formfield, source_list_filter
from apps.masters.models import Assistance, Country, EventProviderStatus, EventStatus, StatusRole
from apps.providers import selectors as provider_selectors
from apps.providers.admin import ProviderAdmin
from apps.providers.models import ProviderLocation
from apps.providers.selectors import RANK_RELIABILITY, LocationQuery, location_search
from apps.vouchers import selectors as voucher_selectors
from apps.vouchers.models import Voucher

SLA_LABELS = {
    "breached": _("breached"),
    "at_risk": _("at risk"),
    "ok": _("on time"),
    "closed": _("closed"),
}


# The queue's views as the counters name them (selectors.QUEUE_VIEWS) and how often it refreshes
# itself: a case opened through the API shows within this many seconds, without a reload.
QUEUE_LABELS = {
    "all": _("Open"),
    "breached": _("SLA breached"),
    "at_risk": _("At risk"),
    "unassigned": _("Unassigned"),
    "mine": _("Mine"),
    "waiting_provider": _("Waiting for a provider"),
    "no_provider": _("No provider"),
}
QUEUE_REFRESH_SECONDS = 4


def _due_text(due, now) -> str:
    """'due in 1 h 05 min' / '25 min overdue': what an operator reads at a glance."""
    if due is None:
        return "—"
    minutes = int(abs((due - now).total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        span = _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    elif hours:
        span = _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    else:
        span = _("%(minutes)d min") % {"minutes": minutes}
    return (_("due in %(span)s") if due > now else _("%(span)s overdue")) % {"span": span}


def _offer_left(expires_at, now) -> int | None:
    """Whole minutes an open dispatch offer has left (0 once due: the periodic job expires it), None without one."""
    if expires_at is None:
        return None
    return max(0, math.ceil((expires_at - now).total_seconds() / 60))


def _dispatch_timeline(assignment: EventProvider) -> list[tuple[str, datetime.datetime, str]]:
    """The provider's dispatch on the case as the step page tells it: (what, when, css class), in order."""
    steps = [
        (_("Offered"), assignment.offered_at, ""),
        (_("Offer expires"), assignment.offer_expires_at if assignment.accepted_at is None else None, ""),
        (_("Accepted"), assignment.accepted_at, ""),
        (_("Promised arrival (ETA)"), assignment.eta_at, ""),
        (_("Declined"), assignment.declined_at, "is-bad"),
        (_("Offer expired"), assignment.expired_at, "is-bad"),
        (_("En route"), assignment.en_route_at, ""),
        (_("Arrived"), assignment.started_at, ""),
        (_("Late: flagged"), assignment.eta_breached_at, "is-bad"),
        (_("Completed"), assignment.resolved_at, ""),
        (_("Cancelled"), assignment.cancelled_at, "is-bad"),
    ]
    return [(label, when, css) for label, when, css in steps if when is not None]


def _timeline_entry(row, status_names: dict[str, str]) -> dict:
    """One audit entry as the case page tells it: when, who, what, and each change as before → after."""
    app_label, _dot, model_name = row.object_type.partition(".")
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        model = None
    try:
        link = reverse(f"admin:{app_label}_{model_name}_change", args=[row.object_id])
    except NoReverseMatch:
        link = ""
    changes = []
    for name, value in (row.changes or {}).items():
        if not (isinstance(value, list) and len(value) == 2):
            continue  # a creation's snapshot or a free remark: the action says enough
        label = name
        if model is not None:
            with suppress(FieldDoesNotExist):
                label = model._meta.get_field(name).verbose_name
        before, after = (_timeline_value(v, name, status_names) for v in value)
        changes.append({"label": label, "before": before, "after": after})
    reason = (row.changes or {}).get("reason") if isinstance(row.changes, dict) else ""
    return {
        "when": row.occurred_at,
        "who": row.actor_repr or row.get_actor_type_display(),
        "action": row.action_label,
        "object": model._meta.verbose_name if model is not None else row.object_type,
        "object_repr": row.object_repr,
        "link": link,
        "changes": changes,
        "reason": reason if isinstance(reason, str) else "",
    }


def _timeline_value(value, field: str, status_names: dict[str, str]) -> str:
    if value in (None, ""):
        return "—"
    if field == "status" and isinstance(value, str):
        return status_names.get(value, value)
    if isinstance(value, dict):
        return str(value.get("repr") or value.get("id") or "")
    return str(value)


def _case_zone(event: Event) -> ZoneInfo | None:
    """The case's local time zone (its city's, else its country's capital's); None: the operator's."""
    name = (event.city.time_zone if event.city_id else "") or event.country.time_zone
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _nearby_map(event: Event, rows: list[dict], size: int = 360) -> dict | None:
    """A map drawn on the server (SVG: no tiles, no third-party key): the case at the centre, each
    provider numbered as in the list, distance rings in km. A flat projection is exact enough at
    the 100 km the search covers."""
    if event.latitude is None:
        return None
    km_x = 111.32 * math.cos(math.radians(event.latitude))
    km_y = 110.57
    offsets = [
        ((row["hit"].longitude - event.longitude) * km_x, (row["hit"].latitude - event.latitude) * km_y) for row in rows
    ]
    extent = max([abs(value) for offset in offsets for value in offset] + [2.0])
    centre = size / 2
    scale = (centre - 18) / extent
    rings = [km for km in (1, 2, 5, 10, 25, 50, 100) if km <= extent][-3:]
    return {
        "size": size,
        "centre": centre,
        "rings": [{"km": km, "r": round(km * scale, 1)} for km in rings],
        "markers": [
            {
                "n": row["n"],
                "x": round(centre + dx * scale, 1),
                "y": round(centre - dy * scale, 1),
                "open": row["opening"].open_now,
                "name": row["hit"].provider.display_name,
            }
            for row, (dx, dy) in zip(rows, offsets, strict=True)
        ],
    }


def _call_log_url(event: Event) -> str:
    """The phone-call form, already linked to the case and filled with the traveller's name and phone."""
    query = urlencode(
        {"event": event.pk, "caller_name": event.traveller_name, "phone_number": event.traveller_phone or ""}
    )
    return f"{reverse('admin:consultations_phoneconsultation_add')}?{query}"


# --- a changelist that stays fast at hundreds of thousands of cases ------------------------------------
# Measured at 200,000 cases (MariaDB): the stock changelist took ~23 s unfiltered (the page query joins
# five tables and MariaDB sorts every joined case instead of reading the newest through the index),
# 330 ms for the date hierarchy's years, 50 ms for a full COUNT, and ~20 s for a search (an OR across
# indexed columns and the voucher join scans every case). The paging and the count are core's
# LargeTablePaginator; the date hierarchy and the search are the cases' own, below.


class CaseQuerySet(models.QuerySet):
    """The changelist's cases; the date hierarchy's years and months come from index reads.

    Django lists the years (and a year's months) with a DISTINCT over the local date of every case
    row; here they are the periods between the first and the last opening of the (filtered) list,
    read from the ``opened_at`` index. In a case book every month has cases, so the links are the same.
    """

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        if field_name != "opened_at" or kind not in ("year", "month"):
            return super().datetimes(field_name, kind, order, tzinfo)
        bounds = self.order_by().aggregate(first=models.Min(field_name), last=models.Max(field_name))
        if bounds["first"] is None:
            return []
        zone = tzinfo or timezone.get_current_timezone()
        first, last = bounds["first"].astimezone(zone), bounds["last"].astimezone(zone)
        if kind == "year":
            periods = [datetime.datetime(year, 1, 1, tzinfo=zone) for year in range(first.year, last.year + 1)]
        else:
            months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month)
            periods = [datetime.datetime(m // 12, m % 12 + 1, 1, tzinfo=zone) for m in months]
        return periods if order == "ASC" else periods[::-1]


MineFilter = assigned_user_filter("assigned_operator", _("assigned to"))


class StateFilter(admin.SimpleListFilter):
    """Open cases unless the operator asks for closed ones or all: the list is a work list first."""

    title = _("open or closed")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("open")), ("closed", _("closed")), ("all", _("all"))]

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        # A search looks everywhere (a voucher number of last year's case); the plain list is the work.
        self.default = "all" if request.GET.get("q") else "open"

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(closed_at__isnull=True)
        if self.value() == "closed":
            return queryset.filter(closed_at__isnull=False)
        return queryset


class OpenCaseCountryFilter(admin.SimpleListFilter):
    """The countries where cases are open now (most first), not all 250: a short list that fits the page."""

    title = _("country")
    parameter_name = "country"
    LIMIT = 15

    def lookups(self, request, model_admin):
        return [(row["iso2"], row["country"]) for row in selectors.open_cases_by_country(limit=self.LIMIT)]

    def queryset(self, request, queryset):
        return queryset.filter(country__iso2=self.value()) if self.value() else queryset


class SlaFilter(admin.SimpleListFilter):
    title = _("SLA")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("breached", _("breached")), ("at_risk", _("at risk")), ("ok", _("on time"))]

    def queryset(self, request, queryset):
        return selectors.filter_sla(queryset, self.value()) if self.value() else queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StatusHistoryInline(ReadOnlyInline):
    model = EventStatusHistory
    fields = ["changed_at", "from_status", "to_status", "kind", "reason", "actor_repr"]
    readonly_fields = fields
    verbose_name_plural = _("status history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_status", "to_status")


class ProviderInline(ReadOnlyInline):
    model = EventProvider
    fields = [
        "provider",
        "status",
        "assigned_at",
        "started_at",
        "resolved_at",
        "guaranteed_amount",
        "currency",
        "final_cost",
        "next_step",
    ]
    readonly_fields = fields
    # The case page draws the other apps' sections (EventAdmin.case_sections) right after this one.
    case_sections_follow = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider", "status")

    @admin.display(description=_("next step"))
    def next_step(self, obj):
        # The provider-on-case record's own actions: start, resolve with the final cost, cancel.
        if obj.pk is None or obj.status.is_final:
            return "—"
        url = reverse("admin:assistances_event_provider_step", args=[obj.event_id, obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Start, resolve or cancel"))


class SwitchInline(ReadOnlyInline):
    model = EventStatusSwitch
    fields = ["switched_to", "revert_to", "revert_at", "state", "reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("switched_to", "revert_to")


class PhoneConsultationInline(ReadOnlyInline):
    """Calls linked to the case (recorded from the phone consultations page)."""

    model = PhoneConsultation
    fields = ["started_at", "direction", "caller_name", "phone_number", "duration_seconds", "outcome", "operator"]
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("operator")


class NoteInline(admin.TabularInline):
    """Existing notes are read-only; a new one is written through note_create (tracked for MOK)."""

    model = Note
    extra = 1
    can_delete = False
    fields = ["kind", "visibility", "body"]
    verbose_name_plural = _("add a note")

    def get_queryset(self, request):
        # The case's notes are listed in the case's "Notes" section, shared and internal told apart at
        # a glance; this inline only adds new ones.
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False


class EventAdminForm(forms.ModelForm):
    """The admin builds the fields from the fieldsets; this adds the override reason for opening.

    Opening a case is checked here, before anything is saved, with the service's own rules (the
    place, the coverage verdict): a refusal redisplays the form with every typed value kept and the
    reason beside the field, instead of a message over an empty form.
    """

    override_reason = forms.CharField(
        label=_("Coverage override reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to open a case the voucher does not cover."),
    )

    actor = None  # the operator opening the case (EventAdmin.get_form sets it per request)

    def clean(self):
        cleaned = super().clean()
        if not self.instance._state.adding or self.errors or not (cleaned.get("assistance") and cleaned.get("country")):
            return cleaned
        try:
            services.event_open_check(
                data={name: cleaned.get(name) for name in services.OPENING_FIELDS if name in cleaned},
                override_reason=cleaned.get("override_reason") or "",
                actor=self.actor,
            )
        except ApplicationError as exc:
            for name, messages_ in (exc.extra.get("errors") or {None: [exc.message]}).items():
                self.add_error(name if name in self.fields else None, [str(m) for m in messages_])
        return cleaned


# What the case page reads of a case's related rows (EventAdmin.get_object), one join each.
CASE_PAGE_RELATED = (
    "status",
    "assistance",
    "country",
    "city",
    "voucher",
    "voucher__status",
    "assigned_operator",
    "created_by",
    "updated_by",
)


@admin.register(Event)
class EventAdmin(ConflictGuardMixin, admin.ModelAdmin):
    version_field = "version"  # the number the API's ETag / If-Match carry
    form = EventAdminForm
    list_display = [
        "case_code",
        "coloured_status",
        "traveller_name",
        "assistance_name",
        "place",
        "sla_badge",
        "owner",
        "opened",
    ]
    list_display_links = ["case_code"]
    list_filter = [
        StateFilter,
        MineFilter,
        "status",
        "priority",
        SlaFilter,
        source_list_filter("source_code"),
        OpenCaseCountryFilter,
    ]
    search_fields = ["=code", "=traveller_document_number", "=voucher__number", "=external_reference"]
    search_help_text = _(
        "Case code or number, external reference, voucher number, traveller document or e-mail, "
        "or part of the traveller's name. Every word must match."
    )
    list_select_related = ["status", "assistance", "country", "city", "assigned_operator"]
    date_hierarchy = "opened_at"
    show_full_result_count = False
    list_per_page = 50
    paginator = LargeTablePaginator
    autocomplete_fields = ["assistance", "country", "city", "voucher", "assigned_operator"]
    inlines = [ProviderInline, NoteInline, PhoneConsultationInline, SwitchInline, StatusHistoryInline]
    actions = ["take_cases"]
    # Sections that apps above this one add to the case page, below its providers (the guarantees of
    # payment): callables (request, event) -> HTML, "" to show nothing. They register from their own
    # admin module, so this one never imports them (the layers contract in pyproject.toml).
    case_sections: list = []
    # Badges the same apps put on a case's header and its queue row ("Large loss"): callables
    # (cases) -> {case id: [label, ...]}, one query for the whole queue page.
    case_badges: list = []
    readonly_fields = [
        "code",
        "status",
        "covered",
        "coverage",
        "coverage_override_reason",
        "opened_at",
        "first_response_at",
        "closed_at",
        "sla_due_at",
        "version",
        "case_actions",
        "coverage_verdict",
        "notes_timeline",
        "audit_timeline",
    ]
    fieldsets = [
        (None, {"fields": [("code", "status", "version"), "case_actions", ("source_code", "external_reference")]}),
        (
            _("Traveller"),
            {
                "fields": [
                    "traveller_name",
                    ("traveller_document_type", "traveller_document_number"),
                    ("traveller_phone", "traveller_email"),
                ]
            },
        ),
        (_("Assistance"), {"fields": ["assistance", "priority", "description", "assigned_operator"]}),
        (_("Place"), {"fields": [("country", "city"), "address", ("latitude", "longitude")]}),
        (_("Notes"), {"fields": ["notes_timeline"]}),
        (_("Coverage"), {"fields": ["voucher", "coverage_verdict", "coverage_override_reason"]}),
        (_("Times"), {"fields": [("opened_at", "first_response_at", "closed_at", "sla_due_at")]}),
        (_("Audit timeline"), {"classes": ["collapse"], "fields": ["audit_timeline"]}),
    ]

    # --- list performance (see LargeTablePaginator) --------------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return CaseQuerySet(model=queryset.model, query=queryset.query, using=queryset.db, hints=queryset._hints)

    def get_object(self, request, object_id, from_field=None):
        # Django's, with the rows the case page shows joined in: without them each one set on the case
        # (who opened it, who changed it last, its voucher...) was a query of its own, so the page's
        # query count depended on the case (bench/growth.py compares it at 200,000 and 2,000,000).
        queryset = self.get_queryset(request).select_related(*CASE_PAGE_RELATED)
        field = queryset.model._meta.pk if from_field is None else queryset.model._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (queryset.model.DoesNotExist, ValidationError, ValueError):
            return None

    def get_search_results(self, request, queryset, search_term):
        # The cases' one search (selectors.event_search), the API's ``q`` too: indexed lookups per word
        # instead of Django's OR over search_fields, which scans every case. search_fields only turns
        # the search box on; its lookups are not used.
        return selectors.event_search(queryset, search_term), False

    # --- list columns -----------------------------------------------------------------------------------

    @admin.display(description=_("assigned to"), ordering="assigned_operator__email")
    def owner(self, obj):
        # The name operators call each other by (the e-mail's local part without one): the column stays narrow.
        user = obj.assigned_operator
        if user is None:
            return "—"
        return user.get_short_name() or user.email.split("@")[0]

    @admin.display(description=_("opened at"), ordering="opened_at")
    def opened(self, obj):
        return timezone.localtime(obj.opened_at).strftime("%d/%m/%y %H:%M")

    @admin.display(description=_("case"), ordering="code")
    def case_code(self, obj):
        # The priority rides with the code (only when it is not the usual one): one column less to fit 1440 px.
        if obj.priority == "normal":
            return obj.code
        return format_html('{} <span class="queue-priority">{}</span>', obj.code, obj.get_priority_display())

    @admin.display(description=_("status"), ordering="status__sort_order")
    def coloured_status(self, obj):
        # The colour is catalog data on the status row, already joined by list_select_related. It marks
        # a dot beside the name, never the text itself: the text keeps the page's own contrast (AA in
        # light and dark modes, whatever colour an administrator picks).
        return format_html(
            '<span class="case-status" style="--status-colour: {}">{}</span>',
            obj.status.display_colour,
            obj.status.name,
        )

    @admin.display(description=_("assistance type"), ordering="assistance__code")
    def assistance_name(self, obj):
        return obj.assistance.name

    @admin.display(description=_("place"))
    def place(self, obj):
        return f"{obj.city.name}, {obj.country.iso2}" if obj.city_id else obj.country.iso2

    @admin.display(description=_("SLA due"), ordering="sla_due_at")
    def sla_badge(self, obj):
        state = selectors.sla_state(obj)
        due = timezone.localtime(obj.sla_due_at).strftime("%d/%m/%y %H:%M") if obj.sla_due_at else "—"
        # Colour by class (console.css: AA contrast in light and dark modes), and the state in words.
        return format_html(
            '<span class="sla-cell">{} <span class="sla-pill sla-{}">{}</span></span>', due, state, SLA_LABELS[state]
        )

    @admin.display(description=_("actions"))
    def case_actions(self, obj):
        if not obj.pk:
            return "—"
        status_url = reverse("admin:assistances_event_status", args=[obj.pk])
        assign_url = reverse("admin:assistances_event_assign", args=[obj.pk])
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
            status_url,
            _("Change status"),
            assign_url,
            _("Assign a provider"),
        )

    @admin.display(description=_("notes"))
    def notes_timeline(self, obj):
        if not obj.pk:
            return "—"
        return render_to_string(
            "admin/assistances/event/notes_timeline.html", {"notes": selectors.case_notes(event=obj)}
        )

    @admin.display(description=_("audit timeline"))
    def audit_timeline(self, obj):
        if not obj.pk:
            return "—"
        names = selectors.status_names()
        entries = [_timeline_entry(row, names) for row in selectors.case_audit_entries(event=obj)]
        return render_to_string(
            "admin/assistances/event/audit_timeline.html",
            {
                "entries": entries,
                "all_url": f"{reverse('admin:audit_auditlog_changelist')}?{urlencode({'case_reference': obj.code})}",
            },
        )

    # --- writes through the services ----------------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The opening check needs who opens (an operator may override; no one else can).
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return self.fieldsets
        # Opening: what the operator types, the live coverage verdict, the override reason in place.
        return [
            (None, {"fields": [("source_code", "external_reference")]}),
            (_("Coverage"), {"fields": ["voucher", "coverage_preview", "override_reason"]}),
            *self.fieldsets[1:4],
        ]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        draft = selectors.draft_of(owner=request.user, draft_id=request.GET.get("draft"))
        if draft is not None:
            # Resuming an autosaved opening: the form comes back as the operator left it.
            initial.update(selectors.form_initial_from_draft(draft.data))
        initial.setdefault("source_code", "PHONE")
        return initial

    @admin.display(description=_("coverage"))
    def coverage_preview(self, obj):
        url = reverse("admin:assistances_event_coverage")
        return format_html(
            '<div id="coverage-verdict" class="coverage-verdict" aria-live="polite" hx-get="{}" '
            'hx-trigger="load, change from:#id_voucher, change from:#id_assistance, change from:#id_country" '
            'hx-include="#id_voucher, #id_assistance, #id_country">{}</div>',
            url,
            _("Choose the voucher, the assistance and the country to see the coverage."),
        )

    @admin.display(description=_("coverage check at opening"))
    def coverage_verdict(self, obj):
        if not obj.pk:
            return "—"
        return render_to_string("admin/assistances/event/coverage_verdict.html", {"coverage": obj.coverage})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):  # noqa: PLR0917 (Django's signature)
        if change and obj is not None:
            context["case_header"] = self._case_header(request, obj)
            context["case_sections"] = [section(request, obj) for section in self.case_sections]
        if add:
            # The opening form autosaves into the operator's draft (console.js); a resumed draft keeps its id.
            draft = selectors.draft_of(
                owner=request.user, draft_id=request.POST.get("_draft") or request.GET.get("draft")
            )
            context["autosave_url"] = reverse("admin:assistances_event_autosave")
            context["draft_id"] = draft.pk if draft else ""
            context["voucher_travellers_url"] = reverse("admin:assistances_event_voucher_travellers")
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "source_code":
            return source_formfield(db_field)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is None:
            fields.append("coverage_preview")
        if obj is not None:
            # After opening, the source, reference, voucher, assistance and country are the case's identity.
            fields += list(EVENT_IDENTITY_FIELDS)
        return fields

    def save_model(self, request, obj, form, change):
        try:
            if change:
                data = {
                    name: form.cleaned_data[name] for name in form.changed_data if name in services.UPDATABLE_FIELDS
                }
                fresh = Event.objects.get(pk=obj.pk)
                services.event_update(
                    event=fresh,
                    data=data,
                    expected_version=int(request.POST.get("_seen_version") or fresh.version),
                    actor=request.user,
                )
                saved = fresh
            else:
                data = {
                    name: form.cleaned_data.get(name) for name in services.OPENING_FIELDS if name in form.cleaned_data
                }
                saved = services.event_open(
                    data=data, override_reason=form.cleaned_data.get("override_reason", ""), actor=request.user
                ).event
                services.draft_attach(draft_id=request.POST.get("_draft", ""), owner=request.user, event=saved)
        except ApplicationError as exc:
            raise _AdminRefused(exc) from exc
        sync_saved(obj, saved)

    def save_formset(self, request, form, formset, change):
        # Only new notes are written (through the service); the other inlines are read-only.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not Note:
            return
        for note_form in formset.forms:
            if note_form.instance.pk or not note_form.has_changed() or not note_form.cleaned_data.get("body"):
                continue
            note = services.note_create(
                event=form.instance,
                body=note_form.cleaned_data["body"],
                kind=note_form.cleaned_data.get("kind") or "general",
                visibility=note_form.cleaned_data.get("visibility") or "internal",
                actor=request.user,
            )
            formset.new_objects.append(note)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _AdminRefused as refused:
            self.message_user(request, refused.exc.message, level=messages.ERROR)
            return redirect(request.get_full_path())

    @admin.action(description=_("Take the selected cases"))
    def take_cases(self, request, queryset):
        for event in queryset:
            services.event_take(event=event, operator=request.user)
        self.message_user(request, _("Cases assigned to you."))

    # --- command pages --------------------------------------------------------------------------------------

    def get_urls(self):
        custom = [
            path("queue/", self.admin_site.admin_view(self.queue_view), name="assistances_event_queue"),
            path("dashboard/", self.admin_site.admin_view(self.dashboard_view), name="assistances_event_dashboard"),
            path("coverage/", self.admin_site.admin_view(self.coverage_view), name="assistances_event_coverage"),
            path(
                "voucher-travellers/",
                self.admin_site.admin_view(self.voucher_travellers_view),
                name="assistances_event_voucher_travellers",
            ),
            path("autosave/", self.admin_site.admin_view(self.autosave_view), name="assistances_event_autosave"),
            path("<int:pk>/note/", self.admin_site.admin_view(self.note_view), name="assistances_event_note"),
            path(
                "<int:pk>/providers/<int:assignment_pk>/",
                self.admin_site.admin_view(self.provider_step_view),
                name="assistances_event_provider_step",
            ),
            path("<int:pk>/take/", self.admin_site.admin_view(self.take_view), name="assistances_event_take"),
            path("<int:pk>/cascade/", self.admin_site.admin_view(self.cascade_view), name="assistances_event_cascade"),
            path("<int:pk>/status/", self.admin_site.admin_view(self.status_view), name="assistances_event_status"),
            path("<int:pk>/assign/", self.admin_site.admin_view(self.assign_view), name="assistances_event_assign"),
            path(
                "network-report/",
                self.admin_site.admin_view(self.network_report_view),
                name="assistances_event_network_report",
            ),
        ]
        return custom + super().get_urls()

    # --- the queue: the console's landing page ------------------------------------------------------------

    def queue_view(self, request):
        """Open cases, most urgent first, with a counter per view; htmx polls it for the fragment."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = self._queue_context(request, request.GET.get("view", "all"))
        if request.htmx:
            return TemplateResponse(request, "admin/assistances/event/queue_fragment.html", context)
        context.update(self.admin_site.each_context(request), title=_("Case queue"), opts=self.model._meta)
        return TemplateResponse(request, "admin/assistances/event/queue.html", context)

    def dashboard_view(self, request):
        """The supervisors' figures for the last days: volume, SLA, dispatch speed, where the open work is."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        days = selectors.DASHBOARD_DAYS
        per_day = selectors.cases_opened_per_day(days=days)
        sources = sorted({row["source"] for row in per_day})
        day_list = sorted({row["day"] for row in per_day})
        counts = {(row["day"], row["source"]): row["count"] for row in per_day}
        chart = {
            "days": [day.strftime("%d/%m") for day in day_list],
            "series": [
                {"label": source, "data": [counts.get((day, source), 0) for day in day_list]} for source in sources
            ],
        }
        by_status = selectors.open_cases_by_status()
        by_country = selectors.open_cases_by_country()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Supervisor dashboard"),
            "opts": self.model._meta,
            "days": days,
            "per_day": per_day,
            "per_day_chart": chart,
            "breach": selectors.sla_breach_rate(days=days),
            "first_provider": selectors.time_to_first_provider(days=days),
            "by_status": by_status,
            "by_country": by_country,
            "status_chart": {"labels": [r["status"] for r in by_status], "data": [r["count"] for r in by_status]},
            "country_chart": {"labels": [r["country"] for r in by_country], "data": [r["count"] for r in by_country]},
        }
        return TemplateResponse(request, "admin/assistances/event/dashboard.html", context)

    def take_view(self, request, pk):
        """The queue's Take button: the operator becomes the case's owner."""
        if request.method != "POST":
            return redirect("admin:assistances_event_queue")
        event = self._event_or_403(request, pk)
        try:
            services.event_take(event=event, operator=request.user)
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
        else:
            self.message_user(request, _("You now own case %(code)s.") % {"code": event.code})
        if request.POST.get("next") == "case":
            return redirect("admin:assistances_event_change", pk)
        view = request.POST.get("view", "all")
        view = view if view in selectors.QUEUE_VIEWS else "all"  # it goes back into a URL
        if request.htmx:
            return TemplateResponse(
                request, "admin/assistances/event/queue_fragment.html", self._queue_context(request, view)
            )
        return redirect(f"{reverse('admin:assistances_event_queue')}?view={view}")

    def note_view(self, request, pk):
        """The case header's quick note (internal unless the operator shares it with the partner)."""
        event = self._event_or_403(request, pk)
        form = QuickNoteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.note_create(
                    event=event,
                    body=form.cleaned_data["body"],
                    kind=form.cleaned_data["kind"],
                    visibility=form.cleaned_data["visibility"],
                    actor=request.user,
                )
            except ApplicationError as exc:
                self.message_user(request, exc.message, level=messages.ERROR)
            else:
                self.message_user(request, _("Note added."))
        elif request.method == "POST":
            self.message_user(request, _("Write the note before adding it."), level=messages.ERROR)
        return redirect("admin:assistances_event_change", pk)

    def provider_step_view(self, request, pk, assignment_pk):
        """A provider's service on the case moves on: the dispatch steps (accepted with an ETA, declined
        with a reason, en route, arrived, completed) and the plain transitions (resolve with the final
        cost, cancel with a reason)."""
        event = self._event_or_403(request, pk)
        assignment = get_object_or_404(
            EventProvider.objects.select_related("provider", "status", "commitment"), pk=assignment_pk, event=event
        )
        posted = request.POST if request.method == "POST" else None
        is_dispatch = posted is not None and "dispatch_step" in posted
        form = ProviderStepForm(None if is_dispatch else posted, assignment=assignment)
        dispatch_form = DispatchStepForm(posted if is_dispatch else None, assignment=assignment)
        if is_dispatch and dispatch_form.is_valid():
            try:
                done = self._dispatch_step(request, assignment, dispatch_form.cleaned_data)
            except ApplicationError as exc:
                errors = exc.extra.get("errors") or {}
                dispatch_form.add_error(None, " ".join(str(m) for ms in errors.values() for m in ms) or exc.message)
            else:
                message = _("The provider's service is now: %(status)s.") % {"status": done.status.name}
                self.message_user(request, message)
                return redirect("admin:assistances_event_change", pk)
        elif posted is not None and not is_dispatch and form.is_valid():
            try:
                services.event_provider_transition(
                    assignment=assignment,
                    to_code=form.cleaned_data["status"].code,
                    final_cost=form.cleaned_data.get("final_cost"),
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ApplicationError as exc:
                errors = exc.extra.get("errors") or {}
                form.add_error(None, " ".join(str(m) for ms in errors.values() for m in ms) or exc.message)
            else:
                self.message_user(
                    request,
                    _("The provider's service is now: %(status)s.") % {"status": form.cleaned_data["status"].name},
                )
                return redirect("admin:assistances_event_change", pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(provider)s on %(code)s") % {"provider": assignment.provider.display_name, "code": event.code},
        }
        context.update(
            event=event,
            assignment=assignment,
            form=form,
            dispatch_form=dispatch_form,
            actions=dispatch_form.actions,
            timeline=_dispatch_timeline(assignment),
            max_eta=dispatch.MAX_ETA_MINUTES,
            opts=self.model._meta,
        )
        return TemplateResponse(request, "admin/assistances/event/provider_step.html", context)

    @staticmethod
    def _dispatch_step(request, assignment: EventProvider, data: dict) -> EventProvider:
        """One dispatch step through its service, the operator as the actor (what they heard on the phone)."""
        action = data["dispatch_step"]
        if action == "accept":
            if data.get("eta_minutes") is None:
                raise ValidationFailed({"eta_minutes": [_("Give the minutes the provider needs to arrive.")]})
            return dispatch.provider_accept(assignment=assignment, eta_minutes=data["eta_minutes"], actor=request.user)
        if action == "decline":
            return dispatch.provider_decline(assignment=assignment, reason=data.get("reason") or "", actor=request.user)
        step = {
            "en_route": dispatch.provider_en_route,
            "arrived": dispatch.provider_arrived,
            "completed": dispatch.provider_completed,
        }[action]
        return step(assignment=assignment, actor=request.user)

    def cascade_view(self, request, pk):
        """The case header's toggle: offer the next provider automatically, or not."""
        if request.method != "POST":
            return redirect("admin:assistances_event_change", pk)
        event = self._event_or_403(request, pk)
        enabled = request.POST.get("enabled") == "1"
        try:
            dispatch.cascade_set(event=event, enabled=enabled, actor=request.user)
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
        else:
            self.message_user(
                request,
                _("The next provider will be offered automatically.")
                if enabled
                else _("Automatic offers to the next provider are off for this case."),
            )
        return redirect("admin:assistances_event_change", pk)

    def _case_header(self, request, event: Event) -> dict:
        """What the operator needs at a glance on a case, and the buttons for the next step."""
        now = timezone.now()
        return {
            "case": event,
            "sla": selectors.sla_state(event, now=now),
            "due": _due_text(event.sla_due_at, now) if not event.closed_at else "—",
            "remaining": selectors.case_remaining_coverage(event=event),
            "note_form": QuickNoteForm(),
            "mine": event.assigned_operator_id == request.user.pk,
            "call_url": _call_log_url(event),
            "badges": self._badges([event]).get(event.pk, []),
            "open_offers": list(
                EventProvider.objects.filter(event=event, status__role=StatusRole.OFFERED)
                .select_related("provider")
                .order_by("offer_expires_at")
            ),
        }

    def _badges(self, events: list[Event]) -> dict[int, list]:
        found: dict[int, list] = {}
        if events:
            for badges in self.case_badges:
                for pk, labels in badges(events).items():
                    found.setdefault(pk, []).extend(labels)
        return found

    # --- opening a case: live coverage, the voucher's travellers, autosave ----------------------------------

    def coverage_view(self, request):
        """The verdict the case would get if opened now, for the values typed so far (htmx fragment)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CoverageProbeForm(request.GET)
        coverage = None
        if form.is_valid() and form.cleaned_data["assistance"] and form.cleaned_data["country"]:
            coverage = services.opening_coverage(
                voucher=form.cleaned_data["voucher"],
                assistance=form.cleaned_data["assistance"],
                country=form.cleaned_data["country"],
                on_date=timezone.localdate(),
            )
        return TemplateResponse(
            request, "admin/assistances/event/coverage_verdict.html", {"coverage": coverage, "live": True}
        )

    def voucher_travellers_view(self, request):
        """The travellers a voucher covers, to fill the opening form when one is picked."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        voucher_id = request.GET.get("voucher", "")
        found = voucher_selectors.voucher_travellers(voucher_id=int(voucher_id)) if voucher_id.isdigit() else None
        return JsonResponse(found or {"travellers": [], "residence": None})

    def autosave_view(self, request):
        """The opening form's content, kept as the operator's draft while they type (no lost typing)."""
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        # Stored as the API's opening takes it (codes, not the form's ids): one draft shape, so a draft
        # typed here can be promoted by the API and a partner's draft resumed here.
        data = selectors.draft_data_from_form(request.POST)
        draft = selectors.draft_of(owner=request.user, draft_id=request.POST.get("_draft"))
        try:
            draft = services.draft_save(owner=request.user, data=data, draft=draft)
        except ApplicationError as exc:
            return JsonResponse({"error": exc.message}, status=exc.status_code)
        return JsonResponse({"draft": draft.pk, "saved_at": timezone.localtime(draft.updated_at).strftime("%H:%M:%S")})

    def _queue_context(self, request, view: str) -> dict:
        view = view if view in selectors.QUEUE_VIEWS else "all"
        now = timezone.now()
        counts = selectors.queue_counts(user=request.user, now=now)
        cases = selectors.queue_cases(user=request.user, view=view, now=now)
        badges = self._badges(cases)
        rows = [
            {
                "case": case,
                "sla": selectors.sla_state(case, now=now),
                "due": _due_text(case.sla_due_at, now),
                "badges": badges.get(case.pk, []),
                "offer_left": _offer_left(case.open_offer_expires_at, now),
            }
            for case in cases
        ]
        return {
            "view": view,
            "counters": [(name, QUEUE_LABELS[name], counts[name]) for name in selectors.QUEUE_VIEWS],
            "rows": rows,
            "newest": selectors.queue_newest(),
            "now": now,
            "refresh_seconds": QUEUE_REFRESH_SECONDS,
        }

    def _event_or_403(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(Event.objects.select_related("status", "assistance", "country", "city"), pk=pk)

    def status_view(self, request, pk):
        event = self._event_or_403(request, pk)
        form = StatusForm(request.POST or None, event=event)
        if request.method == "POST" and form.is_valid():
            try:
                services.event_change_status(
                    event=event,
                    to_code=form.cleaned_data["status"].code,
                    reason=form.cleaned_data["reason"],
                    revert_at=form.cleaned_data.get("revert_at"),
                    open_assignments=form.cleaned_data.get("open_assignments") or "",
                    actor=request.user,
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                self.message_user(request, _("Status changed."))
                return redirect("admin:assistances_event_change", pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change status of %(code)s") % {"code": event.code},
        }
        context.update(event=event, form=form, opts=self.model._meta)
        return TemplateResponse(request, "admin/assistances/event/status.html", context)

    def assign_view(self, request, pk):
        event = self._event_or_403(request, pk)
        hits = []
        # Ranked by reliability (the cascade's order); the page shows each part of the score.
        ranking = {"rank": RANK_RELIABILITY, "at": timezone.now()}
        if event.latitude is not None:
            hits = location_search(
                LocationQuery(
                    lat=event.latitude,
                    lng=event.longitude,
                    radius_km=100,
                    assistance=event.assistance,
                    limit=20,
                    **ranking,
                )
            )
        else:
            hits = location_search(
                LocationQuery(country=event.country, assistance=event.assistance, limit=20, **ranking)
            )
        form = AssignForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            location = get_object_or_404(
                ProviderLocation.objects.select_related("provider"), pk=form.cleaned_data["location"]
            )
            offering = request.POST.get("action") == "offer"
            try:
                if offering:
                    # An offer: the provider has until the offer timeout to answer (services.dispatch).
                    dispatch.provider_offer(
                        event=event, provider=location.provider, location=location, actor=request.user
                    )
                else:
                    services.event_provider_assign(
                        event=event,
                        provider=location.provider,
                        location=location,
                        estimated_cost=form.cleaned_data.get("estimated_cost"),
                        guaranteed_amount=form.cleaned_data.get("guaranteed_amount"),
                        actor=request.user,
                    )
            except ApplicationError as exc:
                errors = exc.extra.get("errors") or {}
                form.add_error(None, " ".join(str(m) for ms in errors.values() for m in ms) or exc.message)
            else:
                self.message_user(request, _("Provider offered the case.") if offering else _("Provider assigned."))
                return redirect("admin:assistances_event_change", pk)
        local_now = timezone.localtime(timezone.now(), _case_zone(event))
        hours = provider_selectors.opening_hours_of(location_ids=[hit.id for hit in hits])
        rows = [
            {
                "n": number,
                "hit": hit,
                "opening": provider_selectors.opening_state(
                    hours=hours.get(hit.id), is_24h=hit.is_24h, local_time=local_now
                ),
            }
            for number, hit in enumerate(hits, start=1)
        ]
        # The nearest open ones first: the closest provider is no help if it is closed at this hour.
        rows.sort(key=lambda row: row["opening"].open_now is False)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Assign a provider to %(code)s") % {"code": event.code},
        }
        context.update(
            event=event,
            rows=rows,
            hits=hits,
            form=form,
            opts=self.model._meta,
            local_now=local_now,
            remaining=selectors.case_remaining_coverage(event=event),
            map=_nearby_map(event, rows),
        )
        return TemplateResponse(request, "admin/assistances/event/assign.html", context)

    def network_report_view(self, request):
        """Every provider offered a case in a month, with its scorecard (``?month=YYYY-MM``)."""
        if not (self.has_view_permission(request) and request.user.has_perm("providers.view_provider")):
            raise PermissionDenied
        try:
            month = datetime.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
        except ValueError:
            month = timezone.localdate().replace(day=1)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Provider network report"),
            "month": month,
            "report": scorecards.network_report(month),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/assistances/network_report.html", context)


def provider_scorecard_panel(provider) -> str:
    """The provider page's scorecard (registered into ProviderAdmin.panels: providers is the layer below)."""
    cards = scorecards.provider_scorecards(provider_id=provider.pk)
    periods = [(_("This month"), cards["month"]), (_("Last 90 days"), cards["rolling"])]
    return render_to_string("admin/assistances/scorecard_panel.html", {"periods": periods})


ProviderAdmin.panels.append(provider_scorecard_panel)


class _AdminRefused(Exception):
    def __init__(self, exc: ApplicationError):
        super().__init__(exc.message)
        self.exc = exc


class QuickNoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    visibility = forms.ChoiceField(
        label=_("Visible to"), choices=NoteVisibility.choices, initial=NoteVisibility.INTERNAL
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=NoteKind.choices, initial=NoteKind.GENERAL)


class CoverageProbeForm(forms.Form):
    """The opening form's values the coverage verdict depends on (ids, as the widgets send them)."""

    voucher = forms.ModelChoiceField(queryset=Voucher.objects.all(), required=False)
    assistance = forms.ModelChoiceField(queryset=Assistance.objects.all(), required=False)
    country = forms.ModelChoiceField(queryset=Country.objects.all(), required=False)


class ProviderStepForm(forms.Form):
    status = forms.ModelChoiceField(queryset=EventProviderStatus.objects.none(), label=_("New status"))
    final_cost = forms.DecimalField(
        label=_("Final cost"),
        required=False,
        min_value=0,
        decimal_places=2,
        max_digits=12,
        help_text=_("When the service is resolved: what it cost, in the guarantee's currency."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, assignment: EventProvider, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].queryset = assignment.status.next_statuses.exclude(role__in=DISPATCH_ONLY_ROLES).order_by(
            "sort_order"
        )


# The dispatch steps the step page offers, by the role of the status each one moves to.
DISPATCH_ACTIONS = [
    ("accept", StatusRole.ACCEPTED, _("Accepted")),
    ("decline", StatusRole.DECLINED, _("Declined")),
    ("en_route", StatusRole.EN_ROUTE, _("En route")),
    ("arrived", StatusRole.STARTED, _("Arrived")),
    ("completed", StatusRole.RESOLVED, _("Completed")),
]
# Statuses only the dispatch steps reach (they stamp the ETA, the decline, the route, and cascade):
# the plain transition form does not list them.
DISPATCH_ONLY_ROLES = (StatusRole.ACCEPTED, StatusRole.DECLINED, StatusRole.EXPIRED, StatusRole.EN_ROUTE)


class DispatchStepForm(forms.Form):
    """What the operator records of the provider's answer (by phone): accepted with an ETA, declined
    with a reason, en route, arrived, completed; only the steps the status machine allows from here."""

    dispatch_step = forms.ChoiceField(choices=[(code, label) for code, _role, label in DISPATCH_ACTIONS])
    eta_minutes = forms.IntegerField(
        label=_("Arrives in (minutes)"), required=False, min_value=1, max_value=dispatch.MAX_ETA_MINUTES
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, assignment: EventProvider, **kwargs):
        super().__init__(*args, **kwargs)
        roles = set(assignment.status.next_statuses.values_list("role", flat=True))
        self.actions = [code for code, role, _label in DISPATCH_ACTIONS if role in roles]
        self.fields["dispatch_step"].choices = [(c, label) for c, _role, label in DISPATCH_ACTIONS if c in self.actions]


class StatusForm(forms.Form):
    # Focused on arrival: from the case page's "s", the status is chosen and sent with the keyboard.
    status = forms.ModelChoiceField(
        queryset=EventStatus.objects.none(), label=_("New status"), widget=forms.Select(attrs={"autofocus": True})
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    revert_at = forms.DateTimeField(
        label=_("Revert at (temporary switch)"),
        required=False,
        # The browser's own date-and-time picker, in the operator's time zone (the one the page shows).
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        help_text=_("Leave empty for a permanent change; the case goes back to its status at this time."),
    )

    open_assignments = forms.ChoiceField(
        label=_("Providers still assigned"),
        choices=services.OpenAssignments.choices,
        required=False,
        help_text=_("Closing the case: what to do with the providers still assigned to it."),
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].queryset = event.status.next_statuses.order_by("sort_order")
        # Asked only when it matters: a case with providers still assigned (closing would be refused).
        self.open_providers = list(selectors.open_assignments(event=event))
        if not self.open_providers:
            del self.fields["open_assignments"]


class AssignForm(forms.Form):
    location = forms.IntegerField(widget=forms.HiddenInput)
    estimated_cost = forms.DecimalField(label=_("Estimated cost"), required=False, min_value=Decimal("0"))
    guaranteed_amount = forms.DecimalField(label=_("Guaranteed amount"), required=False, min_value=Decimal("0"))


class AssignmentProofInline(StoredFileInline):
    """The provider's proofs of service (sent through its dispatch link), each with a download link."""

    model = AssignmentProof
    verbose_name_plural = _("proofs of service")


@admin.register(EventProvider)
class EventProviderAdmin(StoredFileDownloadMixin, admin.ModelAdmin):
    list_display = ["event", "provider", "status", "assigned_at", "guaranteed_amount", "currency", "final_cost"]
    list_filter = ["status"]
    search_fields = ["=event__code", "provider__display_name"]
    list_select_related = ["event", "provider", "status"]
    show_full_result_count = False
    inlines = [AssignmentProofInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in EventProvider._meta.fields]

    def has_add_permission(self, request):
        return False  # assignments are made from the case page


@admin.register(EventDraft)
class EventDraftAdmin(admin.ModelAdmin):
    list_display = ["pk", "owner", "updated_at", "expires_at", "promoted_event"]
    list_select_related = ["owner", "promoted_event"]
    readonly_fields = ["owner", "data", "expires_at", "promoted_event", "created_at", "updated_at"]
    actions = ["promote_drafts"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Open cases from the selected drafts"), permissions=["change"])
    def promote_drafts(self, request, queryset):
        # The same promotion as the API's (draft_promote): an incomplete draft names its missing fields.
        for draft in queryset:
            try:
                event = services.draft_promote(draft=draft, actor=request.user)
            except ApplicationError as exc:
                errors = exc.extra.get("errors") or {}
                detail = "; ".join(f"{name}: {' '.join(str(m) for m in problems)}" for name, problems in errors.items())
                self.message_user(request, f"{draft}: {exc.message} {detail}".strip(), level=messages.ERROR)
            else:
                self.message_user(request, _("%(draft)s opened as %(code)s.") % {"draft": draft, "code": event.code})

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(owner=request.user)
