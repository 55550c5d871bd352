"""Guarantees of payment in the console: a section on the case page, a command page per step, the
list of guarantees waiting on someone with the turnaround, and the delegated-authority table.

Every write is one call to ``apps.guarantees.services`` (or ``documents`` for the letter and its
sending) with the operator as actor; a refusal is shown on the page that asked, as the case's own
command pages do. The buttons offered follow the status machine and the approval rule, but only
as a convenience: the services decide.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.assistances.admin import EventAdmin
from apps.assistances.models import EventProvider
from apps.core.admin import ConflictGuardMixin, ReadOnlyAdminMixin, ServiceModelAdmin, show_refusal
from apps.core.exceptions import ApplicationError
from apps.core.files.selectors import stored_file_url
from apps.core.money import minor_units, quantize
from apps.guarantees import documents, selectors, services
from apps.guarantees.models import (
    LETTER_LANGUAGES,
    Approval,
    DelegatedAuthority,
    Guarantee,
    GuaranteeStatusHistory,
    GuaranteeVersion,
)
from apps.masters.admin import PerSourceAdminMixin, any_source_field, source_list_filter
from apps.masters.models import StatusRole

# The statuses a letter may be amended or (re)sent from: the roles the services accept.
AMENDABLE = {StatusRole.ISSUED, StatusRole.SENT, StatusRole.ACCEPTED, StatusRole.AMENDED, StatusRole.DECLINED}
SENDABLE = {StatusRole.ISSUED, StatusRole.AMENDED, StatusRole.FINAL, StatusRole.SENT, StatusRole.ACCEPTED}
OPTIONAL_CONTENT = {"deductible", "exclusions"}
WAITING_LABELS = {"approval": _("approval"), "answer": _("the provider's answer")}

# What the operator should see while writing a guarantee, from apps above this one (the claims' price
# reference: median and p90 of what was allowed so far): callables (assignment, currency) -> text or None.
NEW_GUARANTEE_HINTS: list = []


def _span(delta: datetime.timedelta) -> str:
    """'2 d 3 h' / '1 h 05 min' / '12 min': an age read at a glance (the queue's wording)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def _minutes_span(minutes) -> str:
    # The selectors give minutes as Decimal; whole seconds are enough to read (no float on the way).
    return "—" if minutes is None else _span(datetime.timedelta(seconds=int(minutes * 60)))


def money(amount, currency: str) -> str:
    """An amount in its currency's minor units, grouped as the operator's language writes numbers."""
    if amount is None or not currency:
        return "—"
    value = number_format(quantize(amount, currency), decimal_pos=minor_units(currency), force_grouping=True)
    return f"{value} {currency}"


def _version_row(guarantee: Guarantee, version: GuaranteeVersion) -> dict:
    rate = version.rate
    return {
        "version": version,
        "in_force": version.pk == guarantee.current_version_id,
        "amount": money(version.amount, version.currency),
        "deductible": money(version.deductible, version.currency) if version.deductible is not None else "",
        "voucher_amount": money(version.voucher_amount, version.voucher_currency),
        # The rate row as stored (the conversion may have used its inverse): a re-run finds the same row.
        "rate": (
            f"1 {rate.from_currency} = {rate.rate.normalize():f} {rate.to_currency}"
            f" · {rate.date:%d/%m/%Y} · {rate.source}"
            if rate is not None
            else ""
        ),
        "letter_url": f"{reverse('admin:guarantees_guarantee_letter', args=[guarantee.pk])}?version={version.number}",
    }


def guarantee_card(guarantee: Guarantee, *, user) -> dict:
    """One guarantee as the case page shows it: its versions (oldest first) and the steps it may take now.

    Reads only what ``selectors.case_guarantees`` prefetched (versions with their rate, the
    status's next statuses): no query per guarantee.
    """
    status = guarantee.status
    next_roles = {row.role for row in status.next_statuses.all()}
    versions = list(guarantee.versions.all())
    pending = next((v for v in versions if v.approval == Approval.PENDING), None)
    actions = []

    def offer(name, label):
        url = reverse(f"admin:guarantees_guarantee_{name}", args=[guarantee.pk])
        actions.append({"name": name, "label": label, "url": url})

    if user.has_perm("guarantees.change_guarantee") and not status.is_final:
        if pending is None:
            if status.role == StatusRole.DRAFT:
                offer("issue", _("Issue"))
            if status.role in AMENDABLE:
                offer("amend", _("Amend"))
            if StatusRole.FINAL in next_roles:
                offer("final", _("Finalise"))
        if guarantee.current_version_id and status.role in SENDABLE:
            offer("send", _("Send to the provider"))
        if status.role == StatusRole.SENT:
            offer("answer", _("Record the provider's answer"))
        if StatusRole.CANCELLED in next_roles:
            offer("cancel", _("Cancel"))
    if pending is not None and services.may_approve(user):
        offer("decide", _("Approve or refuse"))
    return {
        "guarantee": guarantee,
        "versions": [_version_row(guarantee, v) for v in versions],
        "pending": pending,
        "actions": actions,
        "change_url": reverse("admin:guarantees_guarantee_change", args=[guarantee.pk]),
    }


def case_section(request, event) -> str:
    """The case page's "Guarantees of payment" section (registered in EventAdmin.case_sections below)."""
    user = request.user
    if not user.has_perm("guarantees.view_guarantee"):
        return ""
    cards = [guarantee_card(g, user=user) for g in selectors.case_guarantees(event=event)]
    new = []
    if user.has_perm("guarantees.add_guarantee") and not event.closed_at:
        for assignment in EventProvider.objects.filter(event=event).select_related("provider", "status"):
            if not assignment.status.is_final:
                new.append((assignment, reverse("admin:guarantees_guarantee_new", args=[assignment.pk])))
    return render_to_string(
        "admin/guarantees/guarantee/case_section.html", {"cards": cards, "new": new}, request=request
    )


if case_section not in EventAdmin.case_sections:
    EventAdmin.case_sections.append(case_section)


# --- forms of the command pages ----------------------------------------------------------------------


class ContentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (provider's currency)"), max_digits=14)
    deductible = forms.DecimalField(label=_("Deductible or co-payment"), max_digits=14, required=False)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    covered_services = forms.CharField(label=_("Covered services"), widget=forms.Textarea(attrs={"rows": 3}))
    exclusions = forms.CharField(label=_("Exclusions"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NewGuaranteeForm(ContentForm):
    language = forms.ChoiceField(
        label=_("Letter language"),
        choices=[("", _("the provider's (else its country's)")), *LETTER_LANGUAGES],
        required=False,
    )
    recipient_email = forms.EmailField(
        label=_("Send to"), required=False, help_text=_("Empty: the provider's GOP contact, else its e-mail.")
    )
    issue_now = forms.BooleanField(
        label=_("Issue it now"),
        required=False,
        initial=True,
        help_text=_("Above your authority or the voucher's remaining benefit it waits for approval."),
    )


class AmendForm(ContentForm):
    def __init__(self, *args, version: GuaranteeVersion, **kwargs):
        initial = {name: getattr(version, name) for name in services.CONTENT_FIELDS}
        initial["amount"] = quantize(version.amount, version.currency)
        if version.deductible is not None:
            initial["deductible"] = quantize(version.deductible, version.currency)
        super().__init__(*args, initial=initial, **kwargs)
        for field in self.fields.values():
            field.required = False  # what is left unchanged stays as in the version in force


class ConfirmForm(forms.Form):
    pass


class ReasonForm(forms.Form):
    # Not required here: the service says why a reason is needed (the same message as the API's).
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(ReasonForm):
    decision = forms.ChoiceField(
        label=_("The provider"),
        choices=[("accept", _("accepted the guarantee")), ("decline", _("declined it"))],
        widget=forms.RadioSelect,
    )


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


# --- the guarantees' own pages --------------------------------------------------------------------------


class VersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = GuaranteeVersion
    extra = 0
    fields = ["number", "is_final", "amount", "currency", "voucher_amount", "voucher_currency", "approval"]
    readonly_fields = fields
    verbose_name_plural = _("versions (details on the card above)")


class StatusHistoryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = GuaranteeStatusHistory
    extra = 0
    fields = ["changed_at", "from_status", "to_status", "reason", "actor_repr"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_status", "to_status")


def _letter_update(*, instance: Guarantee, data: dict, actor) -> Guarantee:
    return services.guarantee_update(guarantee=instance, data=data, actor=actor)


COMMAND_TITLES = {
    "issue": _("Issue %(number)s"),
    "amend": _("Amend %(number)s"),
    "final": _("Finalise %(number)s"),
    "send": _("Send %(number)s to the provider"),
    "answer": _("The provider's answer to %(number)s"),
    "cancel": _("Cancel %(number)s"),
    "decide": _("Approve or refuse %(number)s"),
}


@admin.register(Guarantee)
class GuaranteeAdmin(ConflictGuardMixin, ServiceModelAdmin):
    """Guarantees are created on the case page and move through its command pages; here only the
    letter's language and recipient are edited (guarantee_update)."""

    list_display = ["number", "case", "provider", "coloured_status", "amount_in_force", "waiting_for", "age"]
    list_filter = ["status", source_list_filter("event__source_code")]
    search_fields = ["number", "=event__code", "assignment__provider__display_name"]
    search_help_text = _("Guarantee number, case code, or part of the provider's name.")
    list_select_related = ["event", "assignment__provider", "status", "current_version"]
    show_full_result_count = False
    inlines = [VersionInline, StatusHistoryInline]
    fields = ["number", "case", "provider", "coloured_status", "language", "recipient_email"]
    readonly_fields = ["number", "case", "provider", "coloured_status"]
    service_update = staticmethod(_letter_update)

    def has_add_permission(self, request):
        return False  # from the case page, per provider assignment

    def has_delete_permission(self, request, obj=None):
        return False  # cancelled instead: the letter may already be in a hospital's hands

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status.is_final:
            return [*self.readonly_fields, "language", "recipient_email"]
        return self.readonly_fields

    def get_queryset(self, request):
        pending_since = (
            GuaranteeVersion.objects.filter(guarantee=OuterRef("pk"), approval=Approval.PENDING)
            .order_by("created_at")
            .values("created_at")[:1]
        )
        return super().get_queryset(request).annotate(pending_since=Subquery(pending_since))

    # --- columns -------------------------------------------------------------------------------------

    @admin.display(description=_("case"), ordering="event__code")
    def case(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:assistances_event_change", args=[obj.event_id]), obj.event.code
        )

    @admin.display(description=_("provider"), ordering="assignment__provider__display_name")
    def provider(self, obj):
        return obj.assignment.provider.display_name

    @admin.display(description=_("status"), ordering="status__sort_order")
    def coloured_status(self, obj):
        status = obj.status
        return format_html(
            '<span class="case-status" style="--status-colour: {}">{}</span>', status.display_colour, status.name
        )

    @admin.display(description=_("amount in force"))
    def amount_in_force(self, obj):
        version = obj.current_version
        return money(version.amount, version.currency) if version else "—"

    def _waiting(self, obj):
        if getattr(obj, "pending_since", None):
            return "approval", obj.pending_since
        if obj.status.role == StatusRole.SENT and obj.sent_at:
            return "answer", obj.sent_at
        return None, None

    @admin.display(description=_("waiting for"))
    def waiting_for(self, obj):
        what, _since = self._waiting(obj)
        return WAITING_LABELS[what] if what else "—"

    @admin.display(description=_("age"), ordering="created_at")
    def age(self, obj):
        # How long it has waited when it waits on someone, else how old it is.
        _what, since = self._waiting(obj)
        return _span(timezone.now() - (since or obj.created_at))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):  # noqa: PLR0917 (Django's signature)
        if obj is not None:
            # The same card as on the case page, above the letter's fields (its buttons depend on who looks).
            guarantee = selectors.case_guarantees(event=obj.event).get(pk=obj.pk)
            context["card"] = guarantee_card(guarantee, user=request.user)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    # --- pages --------------------------------------------------------------------------------------

    def get_urls(self):
        def view(func, name, route):
            return path(route, self.admin_site.admin_view(func), name=f"guarantees_guarantee_{name}")

        custom = [
            view(self.waiting_view, "waiting", "waiting/"),
            view(self.waiting_count_view, "waiting_count", "waiting/count/"),
            view(self.new_view, "new", "new/<int:assignment_pk>/"),
            view(self.letter_view, "letter", "<int:pk>/letter/"),
            *(view(self.command_view, name, f"<int:pk>/{name}/") for name in COMMAND_TITLES),
        ]
        return custom + super().get_urls()

    def _guarantee(self, pk) -> Guarantee:
        return get_object_or_404(selectors.guarantee_list().select_related("event"), pk=pk)

    def new_view(self, request, assignment_pk):
        """A draft guarantee for a provider on the case, issued at once unless the operator says not to."""
        if not request.user.has_perm("guarantees.add_guarantee"):
            raise PermissionDenied
        assignment = get_object_or_404(
            EventProvider.objects.select_related("event", "provider", "status"), pk=assignment_pk
        )
        event = assignment.event
        form = NewGuaranteeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
            issue_now = data.pop("issue_now", False)
            try:
                guarantee = services.guarantee_create(assignment=assignment, data=data, actor=request.user)
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                if issue_now:
                    self._run(request, guarantee, "issue", ConfirmForm())
                else:
                    self.message_user(request, _("Draft %(number)s written.") % {"number": guarantee.number})
                return redirect("admin:assistances_event_change", event.pk)
        currency = assignment.currency or (event.voucher.currency if event.voucher_id else "")
        return self._page(
            request,
            event,
            _("New guarantee of payment for %(provider)s") % {"provider": assignment.provider.display_name},
            form,
            assignment=assignment,
            currency=currency,
            hints=[hint for hint in (give(assignment, currency) for give in NEW_GUARANTEE_HINTS) if hint],
        )

    def command_view(self, request, pk):
        """One step of a guarantee's life: a page with what it changes, the form, the service's answer."""
        action = request.resolver_match.url_name.removeprefix("guarantees_guarantee_")
        if not request.user.has_perm("guarantees.change_guarantee"):
            raise PermissionDenied
        guarantee = self._guarantee(pk)
        current = guarantee.current_version
        form_class = {"amend": AmendForm, "final": AmendForm, "answer": AnswerForm, "cancel": ReasonForm}.get(
            action, DecisionForm if action == "decide" else ConfirmForm
        )
        kwargs = {"version": current} if form_class is AmendForm else {}
        if form_class is AmendForm and current is None:
            self.message_user(request, _("Issue the guarantee before amending it."), level=messages.ERROR)
            return redirect("admin:assistances_event_change", guarantee.event_id)
        form = form_class(request.POST or None, **kwargs)
        if request.method == "POST" and form.is_valid() and self._run(request, guarantee, action, form):
            return redirect("admin:assistances_event_change", guarantee.event_id)
        card = guarantee_card(selectors.case_guarantees(event=guarantee.event).get(pk=guarantee.pk), user=request.user)
        card["actions"] = []  # this page is one of them
        title = COMMAND_TITLES[action] % {"number": guarantee.number}
        return self._page(request, guarantee.event, title, form, card=card, action=action)

    def _run(self, request, guarantee: Guarantee, action: str, form: forms.Form) -> bool:
        """Call the service for ``action``; True when it went through (the message says where it stands)."""
        data, actor = getattr(form, "cleaned_data", {}), request.user
        try:
            if action == "issue":
                services.guarantee_issue(guarantee=guarantee, actor=actor)
            elif action in ("amend", "final"):
                # A required part left empty keeps the version in force's (only the optional ones clear).
                changed = {
                    name: data[name]
                    for name in form.changed_data
                    if name in services.CONTENT_FIELDS and (data[name] not in (None, "") or name in OPTIONAL_CONTENT)
                }
                services.guarantee_amend(guarantee=guarantee, data=changed, final=action == "final", actor=actor)
            elif action == "send":
                documents.guarantee_send(guarantee=guarantee, actor=actor, base_url=request.build_absolute_uri("/"))
            elif action == "answer":
                services.guarantee_answer(
                    guarantee=guarantee, accept=data["decision"] == "accept", reason=data["reason"], actor=actor
                )
            elif action == "cancel":
                services.guarantee_cancel(guarantee=guarantee, reason=data["reason"], actor=actor)
            elif action == "decide":
                services.guarantee_decide(
                    guarantee=guarantee, approve="approve" in request.POST, note=data["note"], actor=actor
                )
        except ApplicationError as exc:
            if form.is_bound:
                show_refusal(form, exc)
            else:  # issuing right after writing the draft: the draft stays, the case page says why
                self.message_user(request, exc.message, level=messages.ERROR)
            return False
        fresh = Guarantee.objects.select_related("status").get(pk=guarantee.pk)
        pending = fresh.versions.filter(approval=Approval.PENDING).first()
        if pending is not None:
            message = _("%(number)s: version %(version)s waits for approval (%(reasons)s).") % {
                "number": fresh.number,
                "version": pending.number,
                "reasons": pending.approval_reason.replace("\n", " "),
            }
            self.message_user(request, message, level=messages.WARNING)
        else:
            message = _("%(number)s is now %(status)s.") % {"number": fresh.number, "status": fresh.status.name}
            self.message_user(request, message)
        return True

    def _page(self, request, event, title, form, **extra):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "event": event,
            "form": form,
            **extra,
        }
        return TemplateResponse(request, "admin/guarantees/guarantee/command.html", context)

    def letter_view(self, request, pk):
        """The letter's PDF (the version asked for, else the one in force), through a short-lived URL."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        guarantee = self._guarantee(pk)
        try:
            version = selectors.version_for_letter(guarantee=guarantee, number=request.GET.get("version"))
            if version is None:
                raise ApplicationError(_("This guarantee has no such version."))
            url, _expires = stored_file_url(stored=documents.letter_file(version=version))
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return redirect("admin:assistances_event_change", guarantee.event_id)
        return redirect(url)

    def waiting_view(self, request):
        """Guarantees waiting for an approval or for the provider's answer, oldest first, and the turnaround."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = [
            {
                **row,
                "waiting": WAITING_LABELS[row["waiting_for"]],
                "age_text": _span(row["age"]),
                "amount": money(row["version"].amount, row["version"].currency) if row["version"] else "—",
            }
            for row in selectors.waiting_guarantees()
        ]
        this_month = timezone.localdate().replace(day=1)
        previous = (this_month - datetime.timedelta(days=1)).replace(day=1)
        turnaround = [
            {
                "row": row,
                "issue_p50": _minutes_span(row.to_issue_p50_minutes),
                "issue_p90": _minutes_span(row.to_issue_p90_minutes),
                "answer_p50": _minutes_span(row.to_answer_p50_minutes),
                "answer_p90": _minutes_span(row.to_answer_p90_minutes),
            }
            for month in (this_month, previous)
            for row in selectors.turnaround(month=month)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Guarantees waiting"),
            "opts": self.model._meta,
            "rows": rows,
            "turnaround": turnaround,
        }
        return TemplateResponse(request, "admin/guarantees/guarantee/waiting.html", context)

    def waiting_count_view(self, request):
        """The landing page's counter (an htmx fragment, its own query: the case queue's stays one)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(
            request, "admin/guarantees/guarantee/waiting_count.html", {"counts": selectors.waiting_counts()}
        )


# --- delegated authority -----------------------------------------------------------------------------------


class AuthorityForm(forms.ModelForm):
    source_code = any_source_field()

    class Meta:
        model = DelegatedAuthority
        fields = ["group", "source_code", "amount", "currency"]

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            try:
                services.authority_validate(instance=self.instance, data=self.cleaned_data)
            except ApplicationError as exc:
                show_refusal(self, exc)


@admin.register(DelegatedAuthority)
class DelegatedAuthorityAdmin(PerSourceAdminMixin, ServiceModelAdmin):
    """How much each operator group guarantees on its own; administrators edit, operators read
    (their group's permissions say which)."""

    form = AuthorityForm
    list_display = ["group", "source", "limit"]
    list_filter = ["group"]
    list_select_related = ["group"]
    service_create = staticmethod(services.authority_create)
    service_update = staticmethod(services.authority_update)
    service_delete = staticmethod(services.authority_delete)

    @admin.display(description=_("up to"), ordering="amount")
    def limit(self, obj):
        return money(obj.amount, obj.currency)
