"""What several case services share: the case's status machine, the case's row lock and the version claim.

Private to the package; callers import the services from ``apps.assistances.services``.
"""

from django.db.models import F
from django.utils.translation import gettext as _

from apps.assistances.models import Event, EventStatusHistory
from apps.core.exceptions import ConflictError
from apps.masters.models import EventStatus
from apps.masters.services import StatusMachine

# Every history row also says what kind of change it was: record(..., kind=StatusChangeKind.X).
EVENT_MACHINE = StatusMachine(EventStatus, history=EventStatusHistory, subject="event", user="changed_by")


def lock_event(event: Event) -> Event:
    return Event.objects.select_for_update().select_related("status").get(pk=event.pk)


def bump_version(event: Event, expected_version: int | None) -> None:
    """Claim the next version; fails if someone else saved the case since ``expected_version``."""
    expected = event.version if expected_version is None else expected_version
    updated = Event.objects.filter(pk=event.pk, version=expected).update(version=F("version") + 1)
    if not updated:
        raise ConflictError(
            _("The case was changed by someone else; reload it and try again."),
            code="stale_version",
            extra={"current_version": Event.objects.filter(pk=event.pk).values_list("version", flat=True).first()},
        )
    event.version = expected + 1
