"""Phone consultations (the seed's PhoneConsultationService): calls with travellers, partners or
providers, optionally linked to a case, and their files (recordings, PDFs, images).

Files live in the private "assists" storage under random keys and are served through
short-lived presigned URLs only.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.consultations.choices import Direction, FileKind, Outcome
from apps.consultations.validators import PHONE_MAX_LENGTH, phone_digits, validate_phone_number
from apps.core.files.models import StoredFile
from apps.core.models import BaseModel, user_reference
from apps.core.visibility import ScopedQuerySet

MAX_DURATION_SECONDS = 24 * 60 * 60


class ConsultationQuerySet(ScopedQuerySet):
    """A call belongs to the partner of its linked case; calls without a case are operators' only."""

    partner_scope = "event__source_code"


class PhoneConsultation(BaseModel):
    """One phone call handled by an operator: who called (or was called), why, and how it ended.

    ``event`` links the call to a case when there is one (partners see only consultations of
    their own cases). ``phone_digits`` is the number without formatting, kept for searching.
    """

    caller_name = models.CharField(_("caller"), max_length=200)
    phone_number = models.CharField(_("phone number"), max_length=PHONE_MAX_LENGTH, validators=[validate_phone_number])
    phone_digits = models.CharField(_("phone digits"), max_length=PHONE_MAX_LENGTH, editable=False, db_index=True)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(_("started at"))
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_DURATION_SECONDS)],
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    event = models.ForeignKey(
        "assistances.Event",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="phone_consultations",
    )
    operator = user_reference(_("operator"), related_name="phone_consultations")

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("phone consultation")
        verbose_name_plural = _("phone consultations")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["-started_at", "-id"], name="consult_recent_idx"),
            models.Index(fields=["event", "-started_at"], name="consult_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.caller_name} · {self.phone_number}"

    def save(self, *args, **kwargs):
        self.phone_digits = phone_digits(self.phone_number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_digits"}
        super().save(*args, **kwargs)


class PhoneConsultationFile(StoredFile):
    """A file attached to a consultation (a call recording, a PDF or an image), checked by its content."""

    storage_bucket = "assists"
    owner_field = "consultation"

    consultation = models.ForeignKey(
        PhoneConsultation, verbose_name=_("phone consultation"), on_delete=models.PROTECT, related_name="files"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FileKind.choices)

    class Meta:
        verbose_name = _("phone consultation file")
        verbose_name_plural = _("phone consultation files")
        ordering = ["consultation_id", "id"]
        indexes = [models.Index(fields=["consultation", "sha256"], name="consult_file_sha_idx")]
