from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved on the call")
    CASE_OPENED = "case_opened", _("Case opened")
    CALLBACK_NEEDED = "callback_needed", _("Callback needed")
    TRANSFERRED = "transferred", _("Transferred")
    NO_ANSWER = "no_answer", _("No answer")
    OTHER = "other", _("Other")


class FileKind(models.TextChoices):
    RECORDING = "recording", _("Call recording")
    PDF = "pdf", _("PDF document")
    IMAGE = "image", _("Image")
