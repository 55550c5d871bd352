import django_filters
from django.db.models import Q

from apps.assistances.models import Event, EventSource, Note, Priority
from apps.assistances.selectors import filter_sla
from apps.core.filters import FilterSet


class EventFilter(FilterSet):
    status = django_filters.CharFilter(field_name="status__code", lookup_expr="iexact")
    source = django_filters.ChoiceFilter(field_name="source_code", choices=EventSource.choices)
    assistance = django_filters.CharFilter(field_name="assistance__code", lookup_expr="iexact")
    country = django_filters.CharFilter(field_name="country__iso2", lookup_expr="iexact")
    city = django_filters.CharFilter(field_name="city__code")
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    operator = django_filters.CharFilter(method="filter_operator", help_text="Operator e-mail, or 'me'.")
    opened_after = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")
    sla = django_filters.ChoiceFilter(
        method="filter_sla_state", choices=[("ok", "ok"), ("at_risk", "at_risk"), ("breached", "breached")]
    )
    q = django_filters.CharFilter(
        method="filter_q", help_text="Case code, traveller document, voucher number or external reference."
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
        value = value.strip()
        return queryset.filter(
            Q(code__iexact=value)
            | Q(traveller_document_number=value)
            | Q(voucher__number=value)
            | Q(external_reference=value)
        )


class NoteFilter(FilterSet):
    event = django_filters.NumberFilter(field_name="event_id")
    event_code = django_filters.CharFilter(field_name="event__code")

    class Meta:
        model = Note
        fields = ["event", "event_code", "kind", "visibility"]
