from rest_framework import serializers

from apps.core.visibility import VisibleSlugRelatedField
from apps.vouchers.models import UNKNOWN_VOUCHER, Voucher


class VisibleVoucherField(VisibleSlugRelatedField):
    """A voucher by its number, among those the caller may use: another partner's reads like a missing one."""

    default_error_messages = {
        **serializers.SlugRelatedField.default_error_messages,
        "does_not_exist": UNKNOWN_VOUCHER,
        "invalid": UNKNOWN_VOUCHER,
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "number")
        kwargs.setdefault("queryset", Voucher.objects.all())
        super().__init__(**kwargs)
