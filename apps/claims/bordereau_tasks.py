"""Bordereau jobs. Thin: each calls one service; generating a month again replaces its files, so a
message delivered twice changes nothing. Imported by ``ClaimsConfig.ready()`` (registered with Celery)."""

import datetime

from apps.claims import bordereau
from apps.core.celery import worker_task


@worker_task("claims.generate_bordereaux")
def generate_bordereaux() -> int:
    """The periodic scan: queue last month's missing bordereaux (one task each: each stays well under
    the task time limit) and retry failed notices."""
    due = bordereau.bordereaux_due()
    for source_code, month in due:
        generate_bordereau.delay(source_code, month.isoformat())
    for bordereau_id in bordereau.bordereaux_unnotified():
        notify_bordereau.delay(bordereau_id)
    return len(due)


@worker_task("claims.generate_bordereau")
def generate_bordereau(source_code: str, month: str) -> int:
    return bordereau.bordereau_generate(source_code=source_code, month=datetime.date.fromisoformat(month)).pk


@worker_task("claims.notify_bordereau")
def notify_bordereau(bordereau_id: int) -> bool:
    return bordereau.bordereau_notify(bordereau_id=bordereau_id)
