"""The money after the guarantee: providers' bills reviewed line by line, payments to providers,
each case's reserve, and the monthly claims report (bordereau) partners reconcile.

Currencies: a bill is in the provider's currency (its lines, allowed amounts and savings too);
payments may be in another and keep the rate that turned them into the bill's; reserves and the
bordereau are in the case's settlement currency (the voucher's, else the source's default), and
every payment stores its amount in it with the rate row used, so a month re-run gives the same file.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.files.models import StoredFile
from apps.core.models import BaseModel, TimeStampedModel, user_reference
from apps.core.money import validate_amount
from apps.core.visibility import OperatorsOnlyQuerySet, ScopedQuerySet
from apps.masters.models import SOURCE_CODE_LENGTH, CatalogEntry, StatusChange

_MONEY = {"max_digits": 14, "decimal_places": 4}


def _amount_errors(instance, pairs) -> dict:
    errors = {}
    for name, currency in pairs:
        try:
            validate_amount(getattr(instance, name), currency, field=name)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    return errors


class CaseChildQuerySet(ScopedQuerySet):
    partner_scope = "event__source_code"


class BillChildQuerySet(ScopedQuerySet):
    partner_scope = "bill__event__source_code"


class ReserveChildQuerySet(ScopedQuerySet):
    partner_scope = "reserve__event__source_code"


class AdjustmentReason(CatalogEntry):
    """Why an allowed amount differs from the billed one; modelled on X12 claim-adjustment reason codes."""

    x12_code = models.CharField(_("X12 CARC"), max_length=8, blank=True, help_text=_("The X12 reason code it maps to."))

    class Meta(CatalogEntry.Meta):
        verbose_name = _("adjustment reason")
        verbose_name_plural = _("adjustment reasons")


class BillSource(models.TextChoices):
    CONSOLE = "console", _("entered by an operator")
    LINK = "link", _("uploaded by the provider")


class Bill(BaseModel):
    """A provider's invoice for its service on a case."""

    event = models.ForeignKey(
        "assistances.Event", verbose_name=_("case"), on_delete=models.CASCADE, related_name="bills"
    )
    assignment = models.ForeignKey(
        "assistances.EventProvider", verbose_name=_("case provider"), on_delete=models.CASCADE, related_name="bills"
    )
    # Kept beside the assignment: the duplicate rule is per provider and invoice number.
    provider = models.ForeignKey(
        "providers.Provider", verbose_name=_("provider"), on_delete=models.PROTECT, related_name="bills"
    )
    guarantee = models.ForeignKey(
        "guarantees.Guarantee",
        verbose_name=_("guarantee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bills",
    )
    invoice_number = models.CharField(_("invoice number"), max_length=60)
    invoice_date = models.DateField(_("invoice date"))
    currency = models.CharField(_("currency"), max_length=3)
    billed_total = models.DecimalField(_("billed"), **_MONEY)
    allowed_total = models.DecimalField(_("allowed"), **_MONEY, null=True, blank=True)
    savings = models.DecimalField(_("savings"), **_MONEY, null=True, blank=True)
    status = models.ForeignKey(
        "masters.BillStatus", verbose_name=_("status"), on_delete=models.PROTECT, related_name="+"
    )
    received_via = models.CharField(_("received via"), max_length=10, choices=BillSource.choices)
    received_at = models.DateTimeField(_("received at"))
    # What the checks found before approval: [{"code", "message", "line": position|None, "data": {...}}].
    flags = models.JSONField(_("flags"), default=list, blank=True)
    reviewed_by = user_reference(_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "invoice_number"], name="bill_provider_invoice_uniq")
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="bill_status_received_idx")]

    def __str__(self) -> str:
        return f"{self.invoice_number} ({self.provider_id})"

    def clean(self) -> None:
        pairs = [("billed_total", self.currency), ("allowed_total", self.currency), ("savings", self.currency)]
        if errors := _amount_errors(self, pairs):
            raise ValidationError(errors)


class BillLine(models.Model):
    """One line of a bill and its review."""

    bill = models.ForeignKey(Bill, verbose_name=_("bill"), on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("line"))
    description = models.CharField(_("description"), max_length=500)
    code = models.CharField(_("code"), max_length=40, blank=True, help_text=_("The provider's service code, if any."))
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=3, default=1)
    unit_price = models.DecimalField(_("unit price"), **_MONEY)
    billed_amount = models.DecimalField(_("billed"), **_MONEY)
    allowed_amount = models.DecimalField(_("allowed"), **_MONEY, null=True, blank=True)
    reason = models.ForeignKey(
        AdjustmentReason, verbose_name=_("reason"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    flags = models.JSONField(_("flags"), default=list, blank=True)
    reviewed_by = user_reference(_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = BillChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        ordering = ["bill", "position"]
        constraints = [models.UniqueConstraint(fields=["bill", "position"], name="bill_line_position_uniq")]

    def __str__(self) -> str:
        return f"{self.bill_id}/{self.position}"


class BillFile(StoredFile):
    """The bill's PDF (content-checked)."""

    storage_bucket = "assists"
    owner_field = "bill"

    bill = models.ForeignKey(Bill, verbose_name=_("bill"), on_delete=models.CASCADE, related_name="files")

    class Meta:
        verbose_name = _("bill file")
        verbose_name_plural = _("bill files")


class BillStatusHistory(StatusChange):
    """One move of a bill's status."""

    subject_field = "bill"

    bill = models.ForeignKey(Bill, verbose_name=_("bill"), on_delete=models.CASCADE, related_name="status_history")
    from_status = models.ForeignKey(
        "masters.BillStatus", verbose_name=_("from"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_status = models.ForeignKey(
        "masters.BillStatus", verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )

    objects = BillChildQuerySet.as_manager()

    class Meta(StatusChange.Meta):
        verbose_name = _("bill status change")
        verbose_name_plural = _("bill status changes")


class Payment(BaseModel):
    """A payment to a provider against a bill, recorded (never executed here)."""

    event = models.ForeignKey(
        "assistances.Event", verbose_name=_("case"), on_delete=models.CASCADE, related_name="payments"
    )
    bill = models.ForeignKey(Bill, verbose_name=_("bill"), on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField(_("paid on"), db_index=True)
    amount = models.DecimalField(_("amount"), **_MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    # The same payment in the bill's currency (checked against the approved total) and in the case's
    # settlement currency (the reserve and the bordereau), each with the rate row used (None: same currency).
    bill_amount = models.DecimalField(_("amount in the bill's currency"), **_MONEY)
    bill_rate = models.ForeignKey(
        "masters.ExchangeRate",
        verbose_name=_("rate to the bill's currency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    settlement_amount = models.DecimalField(_("amount in the settlement currency"), **_MONEY)
    settlement_currency = models.CharField(_("settlement currency"), max_length=3)
    settlement_rate = models.ForeignKey(
        "masters.ExchangeRate",
        verbose_name=_("rate to the settlement currency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reference = models.CharField(
        _("reference"), max_length=100, help_text=_("The bank transfer's or cheque's reference.")
    )

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_on", "id"]

    def __str__(self) -> str:
        return f"{self.currency} {self.amount} ({self.reference})"

    def clean(self) -> None:
        pairs = [
            ("amount", self.currency),
            ("bill_amount", self.bill.currency if self.bill_id else ""),
            ("settlement_amount", self.settlement_currency),
        ]
        if errors := _amount_errors(self, pairs):
            raise ValidationError(errors)


class Reserve(TimeStampedModel):
    """What a case is expected to cost in total, in its settlement currency.

    Outstanding = reserve − paid (never below zero); incurred = paid + outstanding.
    """

    event = models.OneToOneField(
        "assistances.Event", verbose_name=_("case"), on_delete=models.CASCADE, related_name="reserve"
    )
    amount = models.DecimalField(_("reserve"), **_MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    first_set_at = models.DateTimeField(_("first set at"))
    large_loss_at = models.DateTimeField(_("large loss reported at"), null=True, blank=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("reserve")
        verbose_name_plural = _("reserves")

    def __str__(self) -> str:
        return f"{self.currency} {self.amount}"


class ReserveChange(models.Model):
    """Every change of a case's reserve: from, to, why, who, when."""

    reserve = models.ForeignKey(Reserve, verbose_name=_("reserve"), on_delete=models.CASCADE, related_name="changes")
    amount_before = models.DecimalField(_("before"), **_MONEY, null=True, blank=True)
    amount_after = models.DecimalField(_("after"), **_MONEY)
    reason = models.TextField(_("reason"))
    changed_by = user_reference(_("changed by"))
    actor_repr = models.CharField(_("by"), max_length=255, blank=True)
    changed_at = models.DateTimeField(_("changed at"), db_index=True)

    objects = ReserveChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("reserve change")
        verbose_name_plural = _("reserve changes")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.amount_before} → {self.amount_after}"


class ReserveEstimate(BaseModel):
    """The initial reserve of a new case, per source and assistance type (the most specific row wins:
    source + assistance, then assistance for every source)."""

    source_code = models.CharField(_("source"), max_length=SOURCE_CODE_LENGTH, blank=True)
    assistance = models.ForeignKey("masters.Assistance", verbose_name=_("assistance"), on_delete=models.CASCADE)
    amount = models.DecimalField(_("initial reserve"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="USD")

    objects = OperatorsOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("initial reserve")
        verbose_name_plural = _("initial reserves")
        constraints = [models.UniqueConstraint(fields=["source_code", "assistance"], name="reserve_estimate_uniq")]

    def __str__(self) -> str:
        return f"{self.source_code or '*'} · {self.assistance_id} · {self.currency} {self.amount}"


class BordereauQuerySet(ScopedQuerySet):
    partner_scope = "source_code"


class Bordereau(TimeStampedModel):
    """The monthly claims report of one source (generated on the 1st for the month before, or on demand)."""

    source_code = models.CharField(_("source"), max_length=SOURCE_CODE_LENGTH, db_index=True)
    month = models.DateField(_("month"), help_text=_("The first day of the month it reports."))
    currency = models.CharField(_("settlement currency"), max_length=3)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    # The report's own totals (paid this period, paid to date, outstanding, incurred...), as strings.
    totals = models.JSONField(_("totals"), default=dict, blank=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("partner notified at"), null=True, blank=True)

    objects = BordereauQuerySet.as_manager()

    class Meta:
        verbose_name = _("bordereau")
        verbose_name_plural = _("bordereaux")
        ordering = ["-month", "source_code"]
        constraints = [models.UniqueConstraint(fields=["source_code", "month"], name="bordereau_source_month_uniq")]

    def __str__(self) -> str:
        return f"{self.source_code} {self.month:%Y-%m}"


class BordereauFile(StoredFile):
    """One format of a bordereau (CSV or XLSX)."""

    storage_bucket = "assists"
    owner_field = "bordereau"

    bordereau = models.ForeignKey(
        Bordereau, verbose_name=_("bordereau"), on_delete=models.CASCADE, related_name="files"
    )
    format = models.CharField(_("format"), max_length=4, choices=[("csv", "CSV"), ("xlsx", "XLSX")])

    class Meta:
        verbose_name = _("bordereau file")
        verbose_name_plural = _("bordereau files")
        constraints = [models.UniqueConstraint(fields=["bordereau", "format"], name="bordereau_file_format_uniq")]
