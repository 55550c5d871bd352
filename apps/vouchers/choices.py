"""Choices and well-known codes of the vouchers app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VoucherSource(models.TextChoices):
    """The channel that issued the voucher."""

    MOK = "MOK", _("MOK (partner issuance)")
    KOM = "KOM", _("KOM (partner API)")
    WEB = "WEB", _("Web")
    PHONE = "PHONE", _("Phone")
    OTHER = "OTHER", _("Other")


class DocumentType(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    NATIONAL_ID = "national_id", _("National identity document")
    OTHER = "other", _("Other")
