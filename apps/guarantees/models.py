"""Guarantees of payment (GOP): the letter a hospital or tow company acts on, with a life and versions.

A guarantee belongs to a provider's assignment on a case. What it promises is in its versions: the
first is written as a draft, issuing puts it in force; amending or finalising writes the next one,
which supersedes the previous (kept, readable, verifiable as superseded). Each version in force
commits its amount on the voucher (in the voucher's currency, at the rate the source's policy
picks, the rate row kept) and releases its predecessor's commitment.

A version above the issuing operator's delegated authority, or above what the voucher has left,
waits for approval (an assistances-admin in the console, or the partner through the API) before it
is in force; approval is a property of the version, the letter's status does not move meanwhile.
"""

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.files.models import StoredFile
from apps.core.models import BaseModel, TimeStampedModel, user_reference
from apps.core.money import validate_amount
from apps.core.visibility import OperatorsOnlyQuerySet, ScopedQuerySet
from apps.masters.models import SOURCE_CODE_LENGTH, StatusChange

LETTER_LANGUAGES = [("es", _("Spanish")), ("pt", _("Portuguese")), ("en", _("English"))]

# Unambiguous characters for a code read over the phone or typed from paper (no 0/O, 1/I/L).
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_verification_code() -> str:
    """Twelve characters of a 31-letter alphabet (~59 bits): not guessable at the page's rate limit."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class GuaranteeQuerySet(ScopedQuerySet):
    """A guarantee belongs to its case's partner."""

    partner_scope = "event__source_code"


class VersionQuerySet(ScopedQuerySet):
    partner_scope = "guarantee__event__source_code"


class Guarantee(BaseModel):
    """A guarantee of payment to a provider on a case; its content is in its versions."""

    event = models.ForeignKey(
        "assistances.Event", verbose_name=_("case"), on_delete=models.CASCADE, related_name="guarantees"
    )
    assignment = models.ForeignKey(
        "assistances.EventProvider",
        verbose_name=_("case provider"),
        on_delete=models.CASCADE,
        related_name="guarantees",
    )
    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    status = models.ForeignKey(
        "masters.GuaranteeStatus", verbose_name=_("status"), on_delete=models.PROTECT, related_name="+"
    )
    # The version the provider holds (none while the first is a draft or waits for approval).
    current_version = models.ForeignKey(
        "GuaranteeVersion",
        verbose_name=_("version in force"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(_("letter language"), max_length=2, choices=LETTER_LANGUAGES)
    recipient_email = models.EmailField(_("sent to"), blank=True)
    # The turnaround is measured on these (assignment -> first issue, sent -> answer).
    first_issued_at = models.DateTimeField(_("first issued at"), null=True, blank=True)
    first_sent_at = models.DateTimeField(_("first sent at"), null=True, blank=True)
    first_answered_at = models.DateTimeField(_("first answered at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_reason = models.TextField(_("provider's reason"), blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    objects = GuaranteeQuerySet.as_manager()

    class Meta:
        verbose_name = _("guarantee of payment")
        verbose_name_plural = _("guarantees of payment")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "sent_at"], name="gop_status_sent_idx")]

    def __str__(self) -> str:
        return self.number


class Approval(models.TextChoices):
    NOT_NEEDED = "not_needed", _("not needed")
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")


class GuaranteeVersion(TimeStampedModel):
    """One version of a guarantee's letter: what it promises, at which rate, and whether it is in force."""

    guarantee = models.ForeignKey(
        Guarantee, verbose_name=_("guarantee"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    is_final = models.BooleanField(_("final"), default=False)
    # In the provider's currency.
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3)
    deductible = models.DecimalField(
        _("deductible or co-payment"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    # Its equivalent in the voucher's currency, at the rate the source's policy picked (kept).
    voucher_amount = models.DecimalField(
        _("amount in the voucher's currency"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    voucher_currency = models.CharField(_("voucher currency"), max_length=3, blank=True)
    rate = models.ForeignKey(
        "masters.ExchangeRate",
        verbose_name=_("exchange rate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    covered_services = models.TextField(_("covered services"))
    exclusions = models.TextField(_("exclusions"), blank=True)
    verification_code = models.CharField(
        _("verification code"), max_length=14, unique=True, default=new_verification_code, editable=False
    )
    approval = models.CharField(_("approval"), max_length=10, choices=Approval.choices, default=Approval.NOT_NEEDED)
    approval_reason = models.TextField(_("why approval is needed"), blank=True)
    approved_by_repr = models.CharField(_("approved or refused by"), max_length=255, blank=True)
    approved_at = models.DateTimeField(_("approved or refused at"), null=True, blank=True)
    decision_note = models.TextField(_("approval note"), blank=True)
    commitment = models.ForeignKey(
        "vouchers.BenefitCommitment",
        verbose_name=_("commitment on the voucher"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("in force since"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    issued_by = user_reference(_("issued by"))
    issued_by_repr = models.CharField(_("issued by"), max_length=255, blank=True)

    objects = VersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("guarantee version")
        verbose_name_plural = _("guarantee versions")
        ordering = ["guarantee", "number"]
        constraints = [models.UniqueConstraint(fields=["guarantee", "number"], name="gop_version_number_uniq")]
        indexes = [models.Index(fields=["approval", "created_at"], name="gop_version_approval_idx")]

    def __str__(self) -> str:
        return f"{self.guarantee_id} v{self.number}"

    def clean(self) -> None:
        errors = {}
        for name, currency in (
            ("amount", self.currency),
            ("deductible", self.currency),
            ("voucher_amount", self.voucher_currency),
        ):
            try:
                validate_amount(getattr(self, name), currency, field=name)
            except ValidationError as exc:
                errors.update(exc.error_dict)
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors.setdefault("valid_until", []).append(_("The validity cannot end before it starts."))
        if errors:
            raise ValidationError(errors)


class GuaranteeLetter(StoredFile):
    """The PDF of one version, generated when it is first sent or previewed."""

    storage_bucket = "assists"
    owner_field = "version"

    version = models.OneToOneField(
        GuaranteeVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="letter"
    )

    class Meta:
        verbose_name = _("guarantee letter")
        verbose_name_plural = _("guarantee letters")


class GuaranteeStatusHistory(StatusChange):
    """Every move of a guarantee's status, who made it and why (the other machines' history shape)."""

    subject_field = "guarantee"

    guarantee = models.ForeignKey(
        Guarantee, verbose_name=_("guarantee"), on_delete=models.CASCADE, related_name="status_history"
    )
    from_status = models.ForeignKey(
        "masters.GuaranteeStatus",
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_status = models.ForeignKey(
        "masters.GuaranteeStatus", verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )

    objects = VersionQuerySet.as_manager()

    class Meta(StatusChange.Meta):
        verbose_name = _("guarantee status change")
        verbose_name_plural = _("guarantee status changes")


class DelegatedAuthority(BaseModel):
    """How much an operator group may guarantee on its own, per source (empty: every source).

    The amount is in a reference currency; a guarantee in another is converted at the day's rate.
    An operator's authority is the highest of their groups' for the case's source; without one, every
    guarantee waits for approval (fail closed).
    """

    group = models.ForeignKey("auth.Group", verbose_name=_("operator group"), on_delete=models.CASCADE)
    source_code = models.CharField(_("source"), max_length=SOURCE_CODE_LENGTH, blank=True)
    amount = models.DecimalField(_("up to"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="USD")

    objects = OperatorsOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("delegated authority")
        verbose_name_plural = _("delegated authorities")
        constraints = [models.UniqueConstraint(fields=["group", "source_code"], name="authority_group_source_uniq")]

    def __str__(self) -> str:
        return f"{self.group} · {self.source_code or '*'} · {self.currency} {self.amount}"
