import django_filters
from django.db.models import Q

from apps.consultations.choices import Direction, Outcome
from apps.consultations.models import PhoneConsultation
from apps.consultations.validators import phone_digits
from apps.core.filters import FilterSet, IdFilter, IsoDateTimeFilter

# A query with at least this many digits is also matched against the number's digits, so
# "+54 11 5555-0000" finds "541155550000" whatever the formatting.
_MIN_SEARCH_DIGITS = 4


class PhoneConsultationFilter(FilterSet):
    event = IdFilter(field_name="event_id", help_text="Case id.")
    event_code = django_filters.CharFilter(field_name="event__code", lookup_expr="iexact", help_text="Case code.")
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)
    started_after = IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = IsoDateTimeFilter(field_name="started_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="filter_q", help_text="Part of the caller's name or of the phone number.")

    class Meta:
        model = PhoneConsultation
        fields = ["event", "event_code", "direction", "outcome", "started_after", "started_before", "q"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        match = Q(caller_name__icontains=value) | Q(phone_number__icontains=value)
        digits = phone_digits(value)
        if len(digits) >= _MIN_SEARCH_DIGITS:
            match |= Q(phone_digits__contains=digits)
        return queryset.filter(match)
