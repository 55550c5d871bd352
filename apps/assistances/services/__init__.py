"""Writes of the case workflow. Admin, API and tasks call these; each is one transaction and audited.

One module a concern: ``opening`` (a new case, its coverage and code), ``updates`` (edits under
If-Match versions), ``statuses`` (the status machine and temporary switches), ``providers`` (the
providers on a case and their commitment on the voucher), ``notes``, ``drafts`` and ``sla``;
``_common`` holds what several share. Callers import from here (``from apps.assistances import
services``), so the split stays an internal matter. A test that replaces a service replaces it in
the module that looks it up (``draft_promote`` calls ``opening.event_open``, not this package's name).
"""

from apps.assistances.services.drafts import DRAFT_LIFETIME, draft_attach, draft_promote, draft_save, drafts_expire
from apps.assistances.services.notes import note_create
from apps.assistances.services.opening import (
    OPENING_FIELDS,
    OpenResult,
    event_open,
    event_open_check,
    event_validate_place,
    opening_coverage,
)
from apps.assistances.services.providers import event_provider_assign, event_provider_transition
from apps.assistances.services.sla import sla_due, sla_flag_breaches
from apps.assistances.services.statuses import (
    MAX_SWITCH,
    OpenAssignments,
    event_change_status,
    event_switch_cancel,
    status_switches_revert_due,
)
from apps.assistances.services.updates import UPDATABLE_FIELDS, event_take, event_update

__all__ = [
    "DRAFT_LIFETIME",
    "MAX_SWITCH",
    "OPENING_FIELDS",
    "UPDATABLE_FIELDS",
    "OpenAssignments",
    "OpenResult",
    "draft_attach",
    "draft_promote",
    "draft_save",
    "drafts_expire",
    "event_change_status",
    "event_open",
    "event_open_check",
    "event_provider_assign",
    "event_provider_transition",
    "event_switch_cancel",
    "event_take",
    "event_update",
    "event_validate_place",
    "note_create",
    "opening_coverage",
    "sla_due",
    "sla_flag_breaches",
    "status_switches_revert_due",
]
