"""Vouchers: the traveller's coverage certificate, its travellers, benefit limits and their use.

A case is opened against a voucher; the coverage check (``selectors.voucher_check_coverage``)
reads the rows below, and the commitments record what part of a benefit's limit is already
promised to providers.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel, TimeStampedModel, user_reference
from apps.core.money import validate_amount
from apps.core.validators import is_iso_currency
from apps.core.visibility import ScopedQuerySet
from apps.masters.models import SOURCE_CODE_LENGTH, Assistance, Category, Country, ExchangeRate, VoucherStatus
from apps.vouchers.choices import DocumentType

_currency_format = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 currency code (e.g. USD)."))


def validate_currency(value: str) -> None:
    """An ISO 4217 alphabetic code that really exists (USD, EUR, ARS...)."""
    _currency_format(value)
    if not is_iso_currency(value):
        # Well formed (the schema's pattern) but not a currency ISO lists: its own code, so clients (and
        # the fuzzer) can tell it from a malformed value.
        raise ValidationError(
            _("%(code)s is not an ISO 4217 currency code."), params={"code": value}, code="unknown_currency"
        )


# What a partner hears for a voucher number it may not use: the same for another partner's and a missing one.
UNKNOWN_VOUCHER = _("Unknown voucher.")


class VoucherQuerySet(ScopedQuerySet):
    """A voucher belongs to the partner that issued it (its source)."""

    partner_scope = "source"


class VoucherChildQuerySet(ScopedQuerySet):
    """Travellers, benefits, commitments and history belong to their voucher's partner."""

    partner_scope = "voucher__source"


class Voucher(BaseModel):
    """A coverage certificate: who is covered, where, when, for which benefits, and in which status."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    product_code = models.CharField(_("product code"), max_length=40)
    product_name = models.CharField(_("product name"), max_length=150)
    # The issuing channel, a code of masters.Source (checked by the services; see masters.Source).
    source = models.CharField(_("source"), max_length=SOURCE_CODE_LENGTH)
    holder_name = models.CharField(_("holder name"), max_length=200)
    holder_document_type = models.CharField(
        _("holder document type"), max_length=16, choices=DocumentType.choices, default=DocumentType.PASSPORT
    )
    holder_document_number = models.CharField(_("holder document number"), max_length=40)
    holder_email = models.EmailField(_("holder e-mail"), blank=True)
    holder_phone = models.CharField(_("holder phone"), max_length=40, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    worldwide = models.BooleanField(
        _("worldwide"), default=False, help_text=_("Covered in every country except the residence country.")
    )
    destinations = models.ManyToManyField(
        Country, verbose_name=_("destinations"), blank=True, related_name="destination_vouchers"
    )
    residence_country = models.ForeignKey(
        Country,
        verbose_name=_("residence country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resident_vouchers",
        help_text=_("Coverage never applies in the traveller's country of residence."),
    )
    status = models.ForeignKey(VoucherStatus, verbose_name=_("status"), on_delete=models.PROTECT, related_name="+")
    external_reference = models.CharField(
        _("external reference"),
        max_length=100,
        blank=True,
        db_index=True,
        help_text=_("The issuer's own reference (e.g. MOK's issuance id)."),
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    # Every benefit limit and every commitment of the voucher is in this currency.
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])

    objects = VoucherQuerySet.as_manager()

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")),
                name="voucher_valid_to_after_valid_from",
                violation_error_message=_("The end of validity cannot be before its start."),
            ),
        ]
        indexes = [
            models.Index(fields=["holder_document_number"], name="voucher_holder_doc_idx"),
            models.Index(fields=["valid_from", "valid_to"], name="voucher_validity_idx"),
            models.Index(fields=["valid_to"], name="voucher_valid_to_idx"),
            # Covers "status X, in force on day D" (list filters, counts) without reading the rows.
            models.Index(fields=["status", "valid_to", "valid_from"], name="voucher_status_validity_idx"),
            models.Index(fields=["source", "valid_from"], name="voucher_source_valid_from_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class VoucherTraveller(models.Model):
    """A person covered by a voucher (the holder is usually one of them)."""

    voucher = models.ForeignKey(Voucher, verbose_name=_("voucher"), on_delete=models.CASCADE, related_name="travellers")
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    document_type = models.CharField(
        _("document type"), max_length=16, choices=DocumentType.choices, default=DocumentType.PASSPORT
    )
    document_number = models.CharField(_("document number"), max_length=40, db_index=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    is_holder = models.BooleanField(_("holder"), default=False)

    objects = VoucherChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("traveller")
        verbose_name_plural = _("travellers")
        ordering = ["voucher_id", "-is_holder", "id"]
        indexes = [models.Index(fields=["last_name", "first_name"], name="voucher_traveller_name_idx")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class VoucherBenefit(models.Model):
    """A benefit limit of a voucher, for one assistance type or for a whole category.

    The limit is an amount (with its currency), a number of uses, or both. A benefit for an
    assistance type is more specific than, and so applies before, one for its category. At most
    one benefit per voucher and assistance (or category): enforced by the services, because
    MySQL has no conditional unique constraints.
    """

    voucher = models.ForeignKey(Voucher, verbose_name=_("voucher"), on_delete=models.CASCADE, related_name="benefits")
    assistance = models.ForeignKey(
        Assistance, verbose_name=_("assistance type"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    limit_amount = models.DecimalField(
        _("limit amount"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[validate_currency])
    limit_count = models.PositiveIntegerField(_("limit (number of uses)"), null=True, blank=True)

    objects = VoucherChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        ordering = ["voucher_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(assistance__isnull=False, category__isnull=True)
                    | Q(assistance__isnull=True, category__isnull=False)
                ),
                name="voucher_benefit_assistance_xor_category",
                violation_error_message=_("A benefit is for an assistance type or for a category, not both."),
            ),
            models.CheckConstraint(
                condition=Q(limit_amount__isnull=False) | Q(limit_count__isnull=False),
                name="voucher_benefit_has_a_limit",
                violation_error_message=_("A benefit needs a limit amount, a number of uses, or both."),
            ),
            models.CheckConstraint(
                condition=Q(limit_amount__isnull=True) | ~Q(currency=""),
                name="voucher_benefit_amount_has_currency",
                violation_error_message=_("A limit amount needs its currency."),
            ),
        ]

    def __str__(self) -> str:
        target = self.assistance or self.category
        return f"{self.voucher} · {getattr(target, 'code', '?')}"

    def clean(self) -> None:
        validate_amount(self.limit_amount, self.currency, field="limit_amount")

    @property
    def target_code(self) -> str:
        target = self.assistance if self.assistance_id else self.category
        return target.code if target else ""


class VoucherStatusHistory(models.Model):
    """One status change of a voucher (append-only; written by the services on issue and on every transition)."""

    voucher = models.ForeignKey(
        Voucher, verbose_name=_("voucher"), on_delete=models.CASCADE, related_name="status_history"
    )
    from_status = models.ForeignKey(
        VoucherStatus, verbose_name=_("from status"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_status = models.ForeignKey(
        VoucherStatus, verbose_name=_("to status"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    actor = user_reference(_("user"))
    actor_repr = models.CharField(_("actor"), max_length=255, blank=True)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    objects = VoucherChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ["voucher_id", "changed_at", "id"]

    def __str__(self) -> str:
        before = self.from_status.code if self.from_status_id else "—"
        return f"{self.voucher} {before} → {self.to_status.code}"


class BenefitCommitment(TimeStampedModel):
    """A part of a benefit's limit promised to a case (released when the promise is withdrawn).

    The unreleased commitments of a benefit are what "already committed" means in the coverage
    check; ``reference`` is the case's code.
    """

    voucher = models.ForeignKey(
        Voucher, verbose_name=_("voucher"), on_delete=models.CASCADE, related_name="commitments"
    )
    benefit = models.ForeignKey(
        VoucherBenefit, verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="commitments"
    )
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    count = models.PositiveIntegerField(_("uses"), default=1)
    # When the guarantee was in another currency than the voucher's: what was guaranteed, and the rate
    # row that turned it into ``amount`` (kept, so a report re-run later gives the same totals).
    original_amount = models.DecimalField(_("original amount"), max_digits=14, decimal_places=4, null=True, blank=True)
    original_currency = models.CharField(_("original currency"), max_length=3, blank=True)
    rate = models.ForeignKey(
        ExchangeRate,
        verbose_name=_("exchange rate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
    )
    reference = models.CharField(_("reference"), max_length=64, db_index=True, help_text=_("The case's code."))
    released = models.BooleanField(_("released"), default=False)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    objects = VoucherChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("benefit commitment")
        verbose_name_plural = _("benefit commitments")
        ordering = ["voucher_id", "id"]
        indexes = [models.Index(fields=["benefit", "released"], name="voucher_commit_benefit_idx")]

    def __str__(self) -> str:
        return f"{self.reference} · {self.benefit}"

    def clean(self) -> None:
        if self.benefit_id is not None:
            validate_amount(self.amount, self.benefit.currency, field="amount")
        validate_amount(self.original_amount, self.original_currency, field="original_amount")
