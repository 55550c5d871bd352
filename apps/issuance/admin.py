import json

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdminMixin
from apps.core.files.admin import StoredFileDownloadMixin, StoredFileInline
from apps.issuance.models import IssuanceDocument, IssuanceRecord


class IssuanceDocumentInline(StoredFileInline):
    model = IssuanceDocument
    download_route = "document"


@admin.register(IssuanceRecord)
class IssuanceRecordAdmin(ReadOnlyAdminMixin, StoredFileDownloadMixin, admin.ModelAdmin):
    """Read-only: records are written by the MOK ingestion only."""

    list_display = ["mok_issuance_id", "issued_at", "voucher_count", "times_received", "last_received_at"]
    list_filter = [("last_received_at", admin.DateFieldListFilter)]
    search_fields = ["=mok_issuance_id", "=vouchers__number"]
    show_full_result_count = False
    list_per_page = 50
    fields = [
        "mok_issuance_id",
        "issued_at",
        "payload_sha256",
        "times_received",
        "created_at",
        "last_received_at",
        "voucher_links",
        "payload_pretty",
    ]
    readonly_fields = fields
    inlines = [IssuanceDocumentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(voucher_total=Count("vouchers"))

    @admin.display(description=_("vouchers"), ordering="voucher_total")
    def voucher_count(self, obj):
        return obj.voucher_total

    @admin.display(description=_("vouchers"))
    def voucher_links(self, obj):
        vouchers = obj.vouchers.select_related("status").order_by("id")
        rows = [(reverse("admin:vouchers_voucher_change", args=[v.pk]), v.number, v.status.code) for v in vouchers]
        return format_html_join("\n", '<div><a href="{}">{}</a> ({})</div>', rows) or "—"

    @admin.display(description=_("payload"))
    def payload_pretty(self, obj):
        return format_html(
            '<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto;">{}</pre>',
            json.dumps(obj.payload, indent=2, ensure_ascii=False, sort_keys=True),
        )
