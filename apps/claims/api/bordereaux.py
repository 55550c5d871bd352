"""Bordereaux through the API: ``/v1/assistances/bordereaux`` (list, one) and a short-lived download link of
each file (``…/{id}/files/{file_format}``, CSV or XLSX). Partners see their own source's only: the
queryset's rule (``source_code``), applied by the base view; another source's bordereau is a 404.

The file's path parameter is ``file_format``, not ``format``: DRF reads a ``format`` URL argument as a
format suffix and would look for a renderer called "csv".
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from apps.claims.bordereau import FILE_RULES
from apps.claims.models import Bordereau, BordereauFile
from apps.core.api import CommandAPIView, ReadOnlyResourceViewSet
from apps.core.files.api import StoredFileURLMixin, download_url_schema
from apps.core.filters import FilterSet

# --- Examples: KOM's March 2026, the case of the cases' story (BT-2026-0001042) among its rows -----------

BORDEREAU_EXAMPLE = {
    "id": 18,
    "source_code": "KOM",
    "month": "2026-03-01",
    "currency": "USD",
    "rows": 1287,
    "totals": {
        "rows": 1287,
        "settlement": {
            "USD": {
                "paid_this_period": "412930.55",
                "paid_to_date": "1093377.10",
                "outstanding_reserve": "688100.00",
                "total_incurred": "1781477.10",
            }
        },
        "original": {"EUR": {"billed": "301200.00", "allowed": "254980.40", "savings": "46219.60"}},
    },
    "files": [
        {
            "format": "csv",
            "content_type": "text/csv",
            "size": 241903,
            "sha256": "3f1c2a9d0b7e64c58a1f2e3d4c5b6a79880716253443526170819fa0b1c2d3e4",
            "created_at": "2026-04-01T00:05:12.118402-03:00",
        },
        {
            "format": "xlsx",
            "content_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "size": 118477,
            "sha256": "9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9",
            "created_at": "2026-04-01T00:05:12.904771-03:00",
        },
    ],
    "generated_at": "2026-04-01T00:05:13.002314-03:00",
    "notified_at": "2026-04-01T00:05:13.411920-03:00",
}
LIST_EXAMPLES = [OpenApiExample("KOM's March 2026", value=BORDEREAU_EXAMPLE, response_only=True)]
FILE_URL_EXAMPLES = [
    OpenApiExample(
        "A link valid for 5 minutes",
        value={"url": "https://assists.s3.amazonaws.com/claims/18/5c1e0a.csv?X-Amz-Signature=…", "expires_in": 300},
        response_only=True,
    )
]

# --- Serializers -----------------------------------------------------------------------------------------


def _amount(help_text: str) -> serializers.CharField:
    # Strings quantised to the currency (as in the files), never floats.
    return serializers.CharField(help_text=help_text)


class SettlementTotalsSerializer(serializers.Serializer):
    paid_this_period = _amount("Payments dated in the month.")
    paid_to_date = _amount("Payments dated up to the month's end.")
    outstanding_reserve = _amount("Reserves as at the month's end, less paid to date (never below zero).")
    total_incurred = _amount("Paid to date + outstanding reserve.")


class OriginalTotalsSerializer(serializers.Serializer):
    billed = _amount("Bills received up to the month's end.")
    allowed = _amount("Their allowed amounts, once reviewed before the month's end.")
    savings = _amount("Billed − allowed, likewise.")


class BordereauTotalsSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    settlement = serializers.DictField(
        child=SettlementTotalsSerializer(), help_text="By settlement currency (ISO 4217 code)."
    )
    original = serializers.DictField(
        child=OriginalTotalsSerializer(),
        help_text="By the bills' currency; cases billed in several currencies are left out (MULTIPLE in the files).",
    )


class BordereauFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = BordereauFile
        fields = ["format", "content_type", "size", "sha256", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=LIST_EXAMPLES)
class BordereauSerializer(serializers.ModelSerializer):
    """A source's monthly claims report: its totals and its files (download them through ``files/{file_format}``)."""

    totals = BordereauTotalsSerializer()
    files = BordereauFileSerializer(many=True)

    class Meta:
        model = Bordereau
        fields = ["id", "source_code", "month", "currency", "rows", "totals", "files", "generated_at", "notified_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=FILE_URL_EXAMPLES)
class BordereauFileURLSerializer(serializers.Serializer):
    """Where to download a bordereau file from, for a short while."""

    url = serializers.URLField(help_text="Short-lived (presigned) download URL.")
    expires_in = serializers.IntegerField(
        allow_null=True, help_text="Seconds the URL stays valid (null where the storage's URLs do not expire)."
    )


# --- Filters and views ------------------------------------------------------------------------------------


MONTH_PATTERN = r"^[2-9][0-9]{3}-(0[1-9]|1[0-2])$"


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2026-03"})
class MonthFilter(django_filters.Filter):
    """``YYYY-MM``: the bordereaux of that month."""

    field_class = forms.RegexField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("regex", MONTH_PATTERN)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        year, month = value.split("-")
        return qs.filter(month__year=int(year), month__month=int(month))


class BordereauFilter(FilterSet):
    source_code = django_filters.CharFilter(help_text=_("One source (partners only ever see their own)."))
    month = MonthFilter(help_text=_("YYYY-MM"))

    class Meta:
        model = Bordereau
        fields = ["source_code", "month"]


def bordereau_list():
    """Generated bordereaux with their files (one query for all the page's files)."""
    return Bordereau.objects.filter(generated_at__isnull=False).prefetch_related("files")


class BordereauViewSet(ReadOnlyResourceViewSet):
    """Monthly claims reports (bordereaux), newest month first."""

    serializer_class = BordereauSerializer
    filterset_class = BordereauFilter
    queryset = Bordereau.objects.none()

    def get_queryset(self):
        return bordereau_list().order_by("-month", "source_code", "id")

    @extend_schema(examples=LIST_EXAMPLES)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(examples=LIST_EXAMPLES)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


_FILE_FORMAT = OpenApiParameter(
    "file_format", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(FILE_RULES), description="csv or xlsx."
)


@download_url_schema(
    summary="Download URL of a bordereau file (CSV or XLSX)", parameters=[_FILE_FORMAT], examples=FILE_URL_EXAMPLES
)
class BordereauFileView(StoredFileURLMixin, CommandAPIView):
    url_serializer_class = BordereauFileURLSerializer
    queryset = Bordereau.objects.none()

    def get_file(self, *, pk: int, file_format: str) -> BordereauFile:
        bordereau = self.get_visible(bordereau_list(), pk=pk)
        stored = next((f for f in bordereau.files.all() if f.format == file_format), None)
        if stored is None:
            raise NotFound(_("This bordereau has no such file."))
        return stored
