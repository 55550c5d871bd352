"""Writes to providers' bills: the BillStatus machine (catalog data, found by role) and its moves.

Received → in review → approved | partially approved | rejected → scheduled → paid. Creating a bill,
its checks (duplicates, anomalies) and the review of its lines live here too.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.claims.models import Bill, BillStatusHistory
from apps.core.context import Actor, user_or_none
from apps.masters.models import BillStatus, StatusRole
from apps.masters.services import StatusMachine

BILL_MACHINE = StatusMachine(
    BillStatus, history=BillStatusHistory, subject="bill", user="changed_by", nobody="Bigtree Assist"
)


def bill_move(bill: Bill, role: str, *, actor: Actor, reason: str = "", now: datetime.datetime) -> None:
    """Move the bill to the status holding ``role`` if the machine allows it (409 otherwise)."""
    target = BILL_MACHINE.with_role(role)
    before = bill.status
    if before.pk == target.pk:
        return
    to_status = BILL_MACHINE.check_transition(from_status=before, to_code=target.code)
    bill.status = to_status
    bill.updated_by = user_or_none(actor) or bill.updated_by
    bill.save(update_fields=["status", "updated_by", "updated_at"])
    BILL_MACHINE.record(subject=bill, from_status=before, to_status=to_status, actor=actor, reason=reason, at=now)
    audit_record(
        action=AuditAction.STATUS_CHANGE,
        instance=bill,
        changes={"status": [before.code, to_status.code], "reason": reason},
        actor=actor,
        case_reference=bill.event.code,
    )


def bill_after_payment(*, bill: Bill, paid: Decimal, actor: Actor, now: datetime.datetime | None = None) -> None:
    """A bill with a payment is scheduled; once the approved total is paid, it is paid."""
    now = now or timezone.now()
    if bill.status.role in (StatusRole.APPROVED, StatusRole.PARTIAL):
        bill_move(bill, StatusRole.SCHEDULED, actor=actor, now=now)
    if paid >= bill.allowed_total:
        bill_move(bill, StatusRole.PAID, actor=actor, now=now)
