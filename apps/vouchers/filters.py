import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.filters import FilterSet
from apps.masters.filters import SourceFilter
from apps.masters.models import VoucherStatus
from apps.vouchers.models import Voucher
from apps.vouchers.selectors import voucher_ids_by_document


class VoucherFilter(FilterSet):
    number = django_filters.CharFilter(field_name="number", help_text=_("Voucher number (exact)."))
    document = django_filters.CharFilter(
        method="filter_document", help_text=_("Document number of the holder or of any traveller (exact).")
    )
    holder = django_filters.CharFilter(
        field_name="holder_name", lookup_expr="icontains", help_text=_("Part of the holder's name.")
    )
    status = django_filters.CharFilter(method="filter_status", help_text=_("Status code (e.g. ACTIVE)."))
    source = SourceFilter(help_text=_("Issuing channel."))
    valid_on = django_filters.DateFilter(method="filter_valid_on", help_text=_("In force on this date (YYYY-MM-DD)."))
    valid_from_after = django_filters.DateFilter(
        field_name="valid_from", lookup_expr="gte", help_text=_("Validity starts on or after this date.")
    )
    valid_to_before = django_filters.DateFilter(
        field_name="valid_to", lookup_expr="lte", help_text=_("Validity ends on or before this date.")
    )

    class Meta:
        model = Voucher
        fields = ["number", "document", "holder", "status", "source", "valid_on", "valid_from_after", "valid_to_before"]

    def filter_document(self, queryset, name, value):
        # Ids first (indexed lookups), so a voucher with two matching travellers appears once and
        # the list query stays a primary-key lookup.
        return queryset.filter(pk__in=voucher_ids_by_document(value))

    def filter_status(self, queryset, name, value):
        # By id, not through a join on the status table (see selectors.voucher_list).
        status_id = VoucherStatus.objects.filter(code=value).values_list("pk", flat=True).first()
        return queryset.filter(status_id=status_id) if status_id is not None else queryset.none()

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(valid_from__lte=value, valid_to__gte=value)
