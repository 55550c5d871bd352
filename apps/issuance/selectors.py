"""Reads of MOK issuance records."""

from django.db.models import Prefetch, QuerySet

from apps.issuance.models import IssuanceDocument, IssuanceRecord
from apps.vouchers.models import Voucher


def issuance_record_detail_queryset() -> QuerySet[IssuanceRecord]:
    """Records with their vouchers (and statuses) and documents: a fixed number of queries."""
    return IssuanceRecord.objects.prefetch_related(
        Prefetch("vouchers", queryset=Voucher.objects.select_related("status").order_by("id")),
        Prefetch("documents", queryset=IssuanceDocument.objects.order_by("id")),
    )


def issuance_record_get(*, issuance_id: str) -> IssuanceRecord | None:
    return issuance_record_detail_queryset().filter(mok_issuance_id=issuance_id).first()
