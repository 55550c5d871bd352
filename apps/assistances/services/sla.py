"""The case's SLA: the due time (the assistance type's default minutes scaled by the priority) and
the periodic stamp of the open cases that passed it."""

from datetime import datetime, timedelta

from django.utils import timezone

from apps.assistances.models import SLA_FACTOR, Event
from apps.masters.models import Assistance


def sla_due(*, opened_at: datetime, assistance: Assistance, priority: str) -> datetime:
    minutes = assistance.default_sla_minutes * SLA_FACTOR.get(priority, 1.0)
    return opened_at + timedelta(minutes=minutes)


def sla_flag_breaches(*, now: datetime | None = None) -> int:
    """Stamp open cases whose SLA has passed (periodic task); each case is flagged once."""
    now = now or timezone.now()
    breached = Event.objects.filter(closed_at__isnull=True, sla_due_at__lte=now, sla_breached_at__isnull=True)
    return breached.update(sla_breached_at=now)
