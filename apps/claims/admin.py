"""Claims in the console: the case page's "Reserve and bills" section and the large-loss badge, the
bill review page (lines, flags, the guarantee beside it), the bill entry form, the queue of bills
waiting for review, the savings report, and the catalogs (adjustment reasons, initial reserves).

Every write is one call to ``apps.claims.services`` (reserves, payments) or ``apps.claims.bills``
(creating and reviewing bills) with the operator as actor; a refusal comes back as a message (or on
the form that asked), as the guarantees' pages do. Bills are never edited raw: their admin lists and
searches, and a bill's own page is its review page.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.assistances.admin import EventAdmin
from apps.assistances.models import Event, EventProvider
from apps.claims import bills, reports, services
from apps.claims import selectors as claims_selectors
from apps.claims.forms import BillEntryForm, BillLineFormSet, bill_lines
from apps.claims.models import AdjustmentReason, Bill, Reserve, ReserveChange, ReserveEstimate
from apps.core.admin import ServiceModelAdmin, show_refusal
from apps.core.exceptions import ApplicationError
from apps.guarantees.admin import _span as age_text
from apps.guarantees.admin import money
from apps.guarantees.models import Guarantee
from apps.masters.admin import CatalogAdmin, PerSourceAdminMixin, any_source_field, source_list_filter
from apps.masters.models import StatusRole

LARGE_LOSS = _("Large loss")
WAITING = (StatusRole.RECEIVED, StatusRole.IN_REVIEW)
PAYABLE = (StatusRole.APPROVED, StatusRole.PARTIAL, StatusRole.SCHEDULED)
DECISIONS = {"approve": _("approve"), "partial": _("partially approve"), "reject": _("reject")}
DIMENSION_TITLES = {
    "provider": _("By provider"),
    "country": _("By country"),
    "source": _("By source"),
    "month": _("By month (invoice date)"),
}


def _refusal_text(exc: ApplicationError) -> str:
    errors = exc.extra.get("errors") or {}
    details = [f"{field}: {problem}" for field, problems in errors.items() for problem in problems]
    return " ".join([str(exc.message), *details]) if details else str(exc.message)


def _parse_amount(value: str) -> Decimal | None:
    try:
        return Decimal(value.strip().replace(",", ".")) if value and value.strip() else None
    except InvalidOperation:
        return None


# --- The case page: badge and section -----------------------------------------------------------------


def large_loss_badges(events) -> dict[int, list]:
    """The "Large loss" badge of the cases whose reserve is stamped (one query for the whole queue)."""
    stamped = Reserve.objects.filter(event_id__in=[e.pk for e in events], large_loss_at__isnull=False)
    return {pk: [LARGE_LOSS] for pk in stamped.values_list("event_id", flat=True)}


if large_loss_badges not in EventAdmin.case_badges:
    EventAdmin.case_badges.append(large_loss_badges)


class ReserveForm(forms.Form):
    amount = forms.DecimalField(label=_("New reserve"), max_digits=14, decimal_places=4, min_value=0)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=4)
    currency = forms.CharField(label=_("Currency"), max_length=3, widget=forms.TextInput(attrs={"size": 3}))
    reference = forms.CharField(label=_("Reference"), max_length=100)


def _bill_row(bill: Bill, *, user) -> dict:
    paid = bill.paid_total or Decimal(0)
    payable = bill.status.role in PAYABLE and bill.allowed_total is not None and paid < bill.allowed_total
    form = None
    if payable and user.has_perm("claims.add_payment"):
        form = PaymentForm(
            initial={"paid_on": timezone.localdate(), "currency": bill.currency, "amount": bill.allowed_total - paid},
            prefix=f"pay{bill.pk}",
        )
    return {
        "bill": bill,
        "billed": money(bill.billed_total, bill.currency),
        "allowed": money(bill.allowed_total, bill.currency),
        "savings": money(bill.savings, bill.currency),
        "paid": money(paid, bill.currency),
        "flags": len(bill.flags or []) + sum(len(line.flags or []) for line in bill.lines.all()),
        "review_url": reverse("admin:claims_bill_review", args=[bill.pk]),
        "pay_form": form,
        "pay_url": reverse("admin:claims_bill_pay", args=[bill.pk]),
    }


def case_section(request, event) -> str:
    """The case page's "Reserve and bills" section (registered in EventAdmin.case_sections below)."""
    user = request.user
    if not (user.has_perm("claims.view_reserve") or user.has_perm("claims.view_bill")):
        return ""
    figures = services.reserve_figures(event=event)
    reserve = Reserve.objects.filter(event=event).first()
    changes = ReserveChange.objects.filter(reserve__event=event).order_by("-changed_at", "-id")
    case_bills = (
        Bill.objects.filter(event=event)
        .select_related("status", "provider")
        .prefetch_related("lines")
        .annotate(paid_total=Sum("payments__bill_amount"))
        .order_by("received_at", "id")
    )
    new = []
    if user.has_perm("claims.add_bill"):
        for assignment in EventProvider.objects.filter(event=event).select_related("provider"):
            new.append((assignment, reverse("admin:claims_bill_new", args=[assignment.pk])))
    currency = figures.currency if figures else services.settlement_currency(event)
    context = {
        "event": event,
        "reserve": reserve,
        "figures": figures
        and {
            "reserve": money(figures.reserve, currency),
            "paid": money(figures.paid, currency),
            "outstanding": money(figures.outstanding, currency),
            "incurred": money(figures.incurred, currency),
        },
        "currency": currency,
        "changes": [
            {"change": c, "before": money(c.amount_before, currency), "after": money(c.amount_after, currency)}
            for c in changes
        ],
        "reserve_form": ReserveForm(prefix="reserve") if user.has_perm("claims.change_reserve") else None,
        "reserve_url": reverse("admin:claims_bill_reserve", args=[event.pk]),
        "bills": [_bill_row(bill, user=user) for bill in case_bills],
        "new": new,
    }
    return render_to_string("admin/claims/bill/case_section.html", context, request=request)


if case_section not in EventAdmin.case_sections:
    EventAdmin.case_sections.append(case_section)


# --- Bills ----------------------------------------------------------------------------------------------


@admin.register(Bill)
class BillAdmin(ServiceModelAdmin):
    """Bills are entered from the case page (or uploaded by the provider) and reviewed on their review
    page; this list finds them. No raw edit: every change is a service of ``apps.claims.bills``."""

    list_display = [
        "invoice_number",
        "case",
        "provider",
        "coloured_status",
        "billed",
        "allowed",
        "saved",
        "received_at",
    ]
    list_filter = ["status", "received_via", source_list_filter("event__source_code")]
    search_fields = ["invoice_number", "=event__code", "provider__display_name"]
    search_help_text = _("Invoice number, case code, or part of the provider's name.")
    list_select_related = ["event", "provider", "status"]
    show_full_result_count = False
    date_hierarchy = "received_at"

    def has_add_permission(self, request):
        return False  # from the case page, per provider

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:claims_bill_review", object_id)

    @admin.display(description=_("case"), ordering="event__code")
    def case(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:assistances_event_change", args=[obj.event_id]), obj.event.code
        )

    @admin.display(description=_("provider"), ordering="provider__display_name")
    def provider(self, obj):
        return obj.provider.display_name

    @admin.display(description=_("status"), ordering="status__sort_order")
    def coloured_status(self, obj):
        status = obj.status
        return format_html(
            '<span class="case-status" style="--status-colour: {}">{}</span>', status.display_colour, status.name
        )

    @admin.display(description=_("billed"), ordering="billed_total")
    def billed(self, obj):
        return money(obj.billed_total, obj.currency)

    @admin.display(description=_("allowed"), ordering="allowed_total")
    def allowed(self, obj):
        return money(obj.allowed_total, obj.currency)

    @admin.display(description=_("savings"), ordering="savings")
    def saved(self, obj):
        return money(obj.savings, obj.currency)

    # --- pages ----------------------------------------------------------------------------------------

    def get_urls(self):
        def view(func, name, route):
            return path(route, self.admin_site.admin_view(func), name=f"claims_bill_{name}")

        custom = [
            view(self.waiting_view, "waiting", "waiting/"),
            view(self.savings_view, "savings", "savings/"),
            view(self.new_view, "new", "new/<int:assignment_pk>/"),
            view(self.reserve_view, "reserve", "reserve/<int:event_pk>/"),
            view(self.review_view, "review", "<int:pk>/review/"),
            view(self.pay_view, "pay", "<int:pk>/pay/"),
        ]
        return custom + super().get_urls()

    def _context(self, request, title, **extra) -> dict:
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, **extra}

    def _back_to_case(self, event_id: int, anchor: str = "claims"):
        return redirect(reverse("admin:assistances_event_change", args=[event_id]) + f"#{anchor}")

    def reserve_view(self, request, event_pk):
        """The case section's reserve form: services.reserve_set, then back to the case."""
        if request.method != "POST" or not request.user.has_perm("claims.change_reserve"):
            raise PermissionDenied
        event = get_object_or_404(Event.objects.select_related("voucher"), pk=event_pk)
        form = ReserveForm(request.POST, prefix="reserve")
        if not form.is_valid():
            errors = " ".join(str(e) for problems in form.errors.values() for e in problems)
            self.message_user(request, errors, level=messages.ERROR)
            return self._back_to_case(event.pk)
        try:
            reserve = services.reserve_set(
                event=event, amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"], actor=request.user
            )
        except ApplicationError as exc:
            self.message_user(request, _refusal_text(exc), level=messages.ERROR)
        else:
            self.message_user(
                request, _("The reserve is now %(amount)s.") % {"amount": money(reserve.amount, reserve.currency)}
            )
        return self._back_to_case(event.pk)

    def pay_view(self, request, pk):
        """A case section's payment form: services.payment_record, then back to the case."""
        if request.method != "POST" or not request.user.has_perm("claims.add_payment"):
            raise PermissionDenied
        bill = get_object_or_404(Bill, pk=pk)
        form = PaymentForm(request.POST, prefix=f"pay{bill.pk}")
        if not form.is_valid():
            errors = " ".join(str(e) for problems in form.errors.values() for e in problems)
            self.message_user(request, errors, level=messages.ERROR)
            return self._back_to_case(bill.event_id, f"bill-{bill.pk}")
        data = form.cleaned_data
        try:
            payment = services.payment_record(
                bill=bill,
                paid_on=data["paid_on"],
                amount=data["amount"],
                currency=data["currency"],
                reference=data["reference"],
                actor=request.user,
            )
        except ApplicationError as exc:
            self.message_user(request, _refusal_text(exc), level=messages.ERROR)
        else:
            self.message_user(
                request,
                _("Payment %(reference)s of %(amount)s recorded on %(invoice)s.")
                % {
                    "reference": payment.reference,
                    "amount": money(payment.amount, payment.currency),
                    "invoice": bill.invoice_number,
                },
            )
        return self._back_to_case(bill.event_id, f"bill-{bill.pk}")

    def new_view(self, request, assignment_pk):
        """An operator types a provider's bill: invoice data, lines, the PDF if at hand (bills.bill_create)."""
        if not request.user.has_perm("claims.add_bill"):
            raise PermissionDenied
        assignment = get_object_or_404(EventProvider.objects.select_related("event", "provider"), pk=assignment_pk)
        event = assignment.event
        initial = {"currency": assignment.currency or "", "invoice_date": timezone.localdate()}
        form = BillEntryForm(request.POST or None, request.FILES or None, initial=initial)
        lines = BillLineFormSet(request.POST or None, prefix="lines")
        if request.method == "POST" and form.is_valid() and lines.is_valid():
            data = {name: form.cleaned_data[name] for name in ("invoice_number", "invoice_date", "billed_total")}
            data["currency"] = form.cleaned_data["currency"].upper()
            rows = bill_lines(lines)
            try:
                bill = bills.bill_create(
                    assignment=assignment,
                    data=data,
                    lines=rows,
                    file=form.cleaned_data.get("file"),
                    received_via="console",
                    actor=request.user,
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                self.message_user(request, _("Bill %(invoice)s entered.") % {"invoice": bill.invoice_number})
                return redirect("admin:claims_bill_review", bill.pk)
        title = _("New bill from %(provider)s") % {"provider": assignment.provider.display_name}
        context = self._context(request, title, event=event, assignment=assignment, form=form, lines=lines)
        return TemplateResponse(request, "admin/claims/bill/entry.html", context)

    # --- review ----------------------------------------------------------------------------------------

    def _guarantee_card(self, bill: Bill) -> dict | None:
        guarantee = bill.guarantee
        if guarantee is None:
            guarantee = (
                Guarantee.objects.filter(assignment_id=bill.assignment_id, current_version__isnull=False)
                .order_by("-created_at")
                .first()
            )
        if guarantee is None:
            return None
        guarantee = Guarantee.objects.select_related("status", "current_version").get(pk=guarantee.pk)
        version = guarantee.current_version
        return {
            "guarantee": guarantee,
            "version": version,
            "amount": money(version.amount, version.currency) if version else "—",
            "voucher_amount": money(version.voucher_amount, version.voucher_currency) if version else "—",
            "other_currency": bool(version and version.currency != bill.currency),
            "url": reverse("admin:guarantees_guarantee_change", args=[guarantee.pk]),
        }

    def _price_reference(self, bill: Bill) -> dict | None:
        event = bill.event
        found = claims_selectors.price_reference(
            assistance=event.assistance, country=event.country, city=event.city, currency=bill.currency
        )
        if not found.count:
            return None
        return {
            "count": found.count,
            "scope": found.scope,
            "median": money(found.median, bill.currency),
            "p90": money(found.p90, bill.currency),
        }

    @staticmethod
    def _decision(lines) -> str:
        """What the lines as reviewed amount to (the service decides; this is the page's preview)."""
        if not lines or any(line.allowed_amount is None for line in lines):
            return ""
        billed = sum(line.billed_amount for line in lines)
        allowed = sum(line.allowed_amount for line in lines)
        if allowed == 0:
            return "reject"
        return "approve" if allowed >= billed else "partial"

    @staticmethod
    def _typed_reviews(request, lines: list) -> list | str:
        reviews = []
        for line in lines:
            raw = request.POST.get(f"allowed-{line.pk}", "")
            amount = _parse_amount(raw)
            if raw.strip() and amount is None:
                return str(_("Line %(n)s: the allowed amount is not a number.") % {"n": line.position})
            reason = request.POST.get(f"reason-{line.pk}") or None
            stored_reason = line.reason.code if line.reason else None
            if amount is not None and (amount != line.allowed_amount or reason != stored_reason):
                reviews.append((line, amount, reason))
        return reviews

    def _review_action(self, request, bill: Bill, lines: list) -> str | None:
        """Run the POSTed action; an error message when it was refused, None when it went through."""
        action = request.POST.get("action", "save")
        actor = request.user
        by_pk = {str(line.pk): line for line in lines}
        if action in ("decide", "reject"):
            if action == "decide":
                bills.bill_decide(
                    bill=bill,
                    actor=actor,
                    note=request.POST.get("note", "").strip(),
                    acknowledge_flags=bool(request.POST.get("acknowledge_flags")),
                )
            else:
                bills.bill_reject(bill=bill, reason=request.POST.get("reject_reason", "").strip(), actor=actor)
            return None
        if action == "allow_all":
            reviews = [(line, line.billed_amount, None) for line in lines]
        elif action.startswith("allow:") and action[6:] in by_pk:
            line = by_pk[action[6:]]
            reviews = [(line, line.billed_amount, None)]
        else:  # save: the lines whose amount or reason the operator typed or changed
            reviews = self._typed_reviews(request, lines)
            if isinstance(reviews, str):
                return reviews
        if reviews and bill.status.role == StatusRole.RECEIVED:
            bills.bill_start_review(bill, actor)
        for line, amount, reason in reviews:
            bills.bill_line_review(line=line, allowed_amount=amount, reason_code=reason, actor=actor)
        return None

    def review_view(self, request, pk):
        """A bill and its lines, each with an allowed amount and a reason; the guarantee beside it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        bill = get_object_or_404(
            Bill.objects.select_related("event__assistance", "event__country", "event__city", "provider", "status"),
            pk=pk,
        )
        lines = list(bill.lines.select_related("reason").order_by("position"))
        error, status = "", 200
        if request.method == "POST":
            if not request.user.has_perm("claims.change_bill"):
                raise PermissionDenied
            try:
                error = self._review_action(request, bill, lines)
            except ApplicationError as exc:
                error = _refusal_text(exc)
            if not error:
                return redirect("admin:claims_bill_review", bill.pk)
            status = 400
        posted = request.POST if error else {}
        rows = []
        for line in lines:
            allowed = posted.get(f"allowed-{line.pk}") if posted else None
            reason = posted.get(f"reason-{line.pk}") if posted else None
            rows.append(
                {
                    "line": line,
                    "allowed_value": allowed
                    if allowed is not None
                    else ("" if line.allowed_amount is None else line.allowed_amount),
                    "reason_value": reason if reason is not None else (line.reason.code if line.reason else ""),
                    "billed": money(line.billed_amount, bill.currency),
                    "unit_price": money(line.unit_price, bill.currency),
                }
            )
        decision = self._decision(lines)
        editable = bill.status.role in WAITING and request.user.has_perm("claims.change_bill")
        context = self._context(
            request,
            _("Bill %(invoice)s from %(provider)s")
            % {"invoice": bill.invoice_number, "provider": bill.provider.display_name},
            bill=bill,
            event=bill.event,
            rows=rows,
            reasons=AdjustmentReason.objects.filter(is_active=True).order_by("sort_order", "code"),
            billed=money(bill.billed_total, bill.currency),
            allowed=money(bill.allowed_total, bill.currency),
            savings=money(bill.savings, bill.currency),
            lines_allowed=money(sum((line.allowed_amount or 0) for line in lines), bill.currency),
            gop=self._guarantee_card(bill),
            reference=self._price_reference(bill),
            decision=decision,
            decision_label=DECISIONS.get(decision, ""),
            editable=editable,
            error=error,
            files=list(bill.files.all()),
            history=bill.status_history.select_related("from_status", "to_status"),
        )
        return TemplateResponse(request, "admin/claims/bill/review.html", context, status=status)

    # --- lists -----------------------------------------------------------------------------------------

    def waiting_view(self, request):
        """Bills received or in review, oldest first, with how long they have waited."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        waiting = (
            Bill.objects.filter(status__role__in=WAITING)
            .select_related("event", "provider", "status")
            .order_by("received_at", "id")
        )
        rows = [
            {"bill": bill, "age": age_text(now - bill.received_at), "billed": money(bill.billed_total, bill.currency)}
            for bill in waiting
        ]
        return TemplateResponse(
            request, "admin/claims/bill/waiting.html", self._context(request, _("Bills waiting for review"), rows=rows)
        )

    def savings_view(self, request):
        """Billed, allowed, savings and savings rate of decided bills by provider, country, source and month."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = SavingsFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        tables = [
            {
                "name": dimension,
                "title": DIMENSION_TITLES[dimension],
                "rows": [
                    {
                        "row": row,
                        "label": row.label.strftime("%Y-%m") if isinstance(row.label, datetime.date) else row.label,
                        "billed": money(row.billed, row.currency),
                        "allowed": money(row.allowed, row.currency),
                        "savings": money(row.savings, row.currency),
                        "rate": f"{row.rate * 100:.1f} %" if row.rate is not None else "—",
                    }
                    for row in found
                ],
            }
            for dimension, found in reports.savings_report(
                since=filters.get("since"), until=filters.get("until"), source_code=filters.get("source") or ""
            ).items()
        ]
        context = self._context(request, _("Savings report"), tables=tables, form=form)
        return TemplateResponse(request, "admin/claims/bill/savings.html", context)


class SavingsFilterForm(forms.Form):
    since = forms.DateField(label=_("Invoices from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    source = any_source_field()


# --- Catalogs -------------------------------------------------------------------------------------------


@admin.register(AdjustmentReason)
class AdjustmentReasonAdmin(CatalogAdmin):
    list_display = ["code", "x12_code", "name_es", "name_en", "sort_order", "is_active"]


class ReserveEstimateForm(forms.ModelForm):
    source_code = any_source_field()

    class Meta:
        model = ReserveEstimate
        fields = ["source_code", "assistance", "amount", "currency"]


@admin.register(ReserveEstimate)
class ReserveEstimateAdmin(PerSourceAdminMixin, ServiceModelAdmin):
    """The initial reserve of a new case per source and assistance (administrators edit; operators read)."""

    form = ReserveEstimateForm
    list_display = ["assistance", "source", "estimate"]
    list_filter = ["assistance"]
    list_select_related = ["assistance"]
    service_create = staticmethod(services.reserve_estimate_create)
    service_update = staticmethod(services.reserve_estimate_update)
    service_delete = staticmethod(services.reserve_estimate_delete)

    @admin.display(description=_("initial reserve"), ordering="amount")
    def estimate(self, obj):
        return money(obj.amount, obj.currency)
