"""Issuance records received from partner MOK (the raw payload, as received) and their documents.

Ingestion is idempotent on MOK's own identifier: a record per ``mok_issuance_id``, the vouchers
it created or updated, and the PDF documents MOK attached to it (in the private "issuance"
storage, served through short-lived presigned URLs).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.files.models import StoredFile
from apps.core.models import BaseModel
from apps.core.visibility import ScopedQuerySet
from apps.vouchers.models import Voucher

# Issuance is MOK's feed (its payload, its ids): every record and document, and every voucher it
# issues, belongs to MOK, a code of masters.Source.
ISSUANCE_SOURCE = "MOK"


class IssuanceQuerySet(ScopedQuerySet):
    """Issuance records and their documents are MOK's alone: other partners see none of them."""

    partner_scope = "__mok__"

    def partner_q(self, source: str) -> Q:
        return Q() if source == ISSUANCE_SOURCE else Q(pk__in=[])


class IssuanceRecord(BaseModel):
    """One MOK issuance (a policy with one or more vouchers), as last received."""

    mok_issuance_id = models.CharField(_("MOK issuance id"), max_length=100, unique=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    payload = models.JSONField(_("payload"), help_text=_("The body as last received from MOK."))
    payload_sha256 = models.CharField(_("payload SHA-256"), max_length=64)
    times_received = models.PositiveIntegerField(_("times received"), default=1)
    last_received_at = models.DateTimeField(_("last received at"), default=timezone.now)
    vouchers = models.ManyToManyField(Voucher, verbose_name=_("vouchers"), blank=True, related_name="issuance_records")

    objects = IssuanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("MOK issuance record")
        verbose_name_plural = _("MOK issuance records")
        ordering = ["-id"]
        indexes = [models.Index(fields=["last_received_at"], name="issuance_last_received_idx")]

    def __str__(self) -> str:
        return self.mok_issuance_id


class IssuanceDocument(StoredFile):
    """A PDF MOK attached to an issuance (checked to really be a PDF before it is stored)."""

    storage_bucket = "issuance"
    storage_folder = "mok"  # not the app's label: the keys already stored begin with it
    owner_field = "record"

    record = models.ForeignKey(
        IssuanceRecord, verbose_name=_("issuance record"), on_delete=models.PROTECT, related_name="documents"
    )

    class Meta:
        verbose_name = _("MOK issuance document")
        verbose_name_plural = _("MOK issuance documents")
        ordering = ["record_id", "id"]
        indexes = [models.Index(fields=["record", "sha256"], name="issuance_doc_sha_idx")]
