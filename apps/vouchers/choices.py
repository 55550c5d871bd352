"""Choices and well-known codes of the vouchers app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentType(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    NATIONAL_ID = "national_id", _("National identity document")
    OTHER = "other", _("Other")
