import django_filters

from apps.assistances.models import Event, Note, Priority
from apps.assistances.selectors import event_search, filter_sla
from apps.core.filters import FilterSet, IdFilter, IsoDateTimeFilter
from apps.masters.filters import SourceFilter


class CodeFilter(django_filters.CharFilter):
    """A catalog code: exact and upper-cased, so the index on the joined code is used (iexact is a LIKE)."""

    def filter(self, qs, value):
        return super().filter(qs, value.strip().upper() if value else value)


class EventFilter(FilterSet):
    status = CodeFilter(field_name="status__code")
    source = SourceFilter(field_name="source_code")
    assistance = CodeFilter(field_name="assistance__code")
    country = CodeFilter(field_name="country__iso2")
    city = django_filters.CharFilter(field_name="city__code")
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    operator = django_filters.CharFilter(method="filter_operator", help_text="Operator e-mail, or 'me'.")
    opened_after = IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")
    sla = django_filters.ChoiceFilter(
        method="filter_sla_state", choices=[("ok", "ok"), ("at_risk", "at_risk"), ("breached", "breached")]
    )
    q = django_filters.CharFilter(
        method="filter_q",
        help_text=(
            "Search: every word must be the case code (whole, without 'BT-', or its number), the external "
            "reference, the voucher number, the traveller's document number or e-mail, or part of the "
            "traveller's name (3 characters or more). Case-insensitive."
        ),
    )

    class Meta:
        model = Event
        fields = ["status", "source", "assistance", "country", "city", "priority"]

    def filter_operator(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assigned_operator_id=getattr(self.request.user, "pk", None))
        return queryset.filter(assigned_operator__email__iexact=value)

    def filter_sla_state(self, queryset, name, value):
        return filter_sla(queryset, value)

    def filter_q(self, queryset, name, value):
        # ``queryset`` is already the caller's cases (and the other filters): the search runs inside it.
        return event_search(queryset, value)


class NoteFilter(FilterSet):
    event = IdFilter(field_name="event_id", help_text="Case id.")
    event_code = django_filters.CharFilter(field_name="event__code")

    class Meta:
        model = Note
        fields = ["event", "event_code", "kind", "visibility"]
