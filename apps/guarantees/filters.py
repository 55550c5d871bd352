import django_filters

from apps.assistances.filters import CodeFilter
from apps.core.filters import FilterSet, IdFilter
from apps.guarantees.models import Approval, Guarantee


class GuaranteeFilter(FilterSet):
    event = IdFilter(field_name="event_id", help_text="Case id.")
    status = CodeFilter(field_name="status__code")
    approval = django_filters.ChoiceFilter(
        field_name="versions__approval",
        distinct=True,
        choices=[(Approval.PENDING, Approval.PENDING)],
        help_text="pending: a version waits for approval (a partner's to decide on its own cases).",
    )

    class Meta:
        model = Guarantee
        fields = ["event", "status", "approval"]
