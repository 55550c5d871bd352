"""Issuance records received from partner MOK (the raw payload, as received) and their documents.

Ingestion is idempotent on MOK's own identifier: a record per ``mok_issuance_id``, the vouchers
it created or updated, and the PDF documents MOK attached to it (in the private "issuance"
storage, served through short-lived presigned URLs).
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel
from apps.core.visibility import ScopedQuerySet
from apps.issuance.storage import get_issuance_storage
from apps.vouchers.models import Voucher

# Issuance is MOK's feed: every record and document belongs to MOK.
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


def document_path(instance: "IssuanceDocument", filename: str) -> str:
    # The key never contains the caller's file name or MOK's id: both are free text.
    return f"mok/{instance.record_id}/{uuid.uuid4().hex}.pdf"


class IssuanceDocument(BaseModel):
    """A PDF MOK attached to an issuance (checked to really be a PDF before it is stored)."""

    record = models.ForeignKey(
        IssuanceRecord, verbose_name=_("issuance record"), on_delete=models.PROTECT, related_name="documents"
    )
    file = models.FileField(_("file"), storage=get_issuance_storage, upload_to=document_path, max_length=255)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    objects = IssuanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("MOK issuance document")
        verbose_name_plural = _("MOK issuance documents")
        ordering = ["record_id", "id"]
        indexes = [models.Index(fields=["record", "sha256"], name="issuance_doc_sha_idx")]

    def __str__(self) -> str:
        return self.original_name
