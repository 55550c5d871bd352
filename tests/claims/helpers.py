"""What the claims console tests share: bills written with the ORM (the bills module's services
create them in the merged code), with lines and flags."""

from decimal import Decimal

from django.utils import timezone

from apps.claims.bills import BILL_MACHINE
from apps.claims.models import Bill, BillLine


def orm_bill(assignment, *, invoice="F-1", role="received", currency="MXN", lines=(("ER", "30000"),), **extra):
    """A bill on ``assignment`` in the status of ``role`` with ``lines`` (description, billed[, allowed])."""
    billed = sum(Decimal(line[1]) for line in lines)
    allowed = [Decimal(line[2]) for line in lines if len(line) > 2]
    bill = Bill.objects.create(
        event=assignment.event,
        assignment=assignment,
        provider=assignment.provider,
        invoice_number=invoice,
        invoice_date=extra.pop("invoice_date", timezone.localdate()),
        currency=currency,
        billed_total=billed,
        allowed_total=sum(allowed) if allowed else None,
        savings=billed - sum(allowed) if allowed else None,
        status=BILL_MACHINE.with_role(role),
        received_via="console",
        received_at=extra.pop("received_at", timezone.now()),
        **extra,
    )
    for position, line in enumerate(lines, start=1):
        BillLine.objects.create(
            bill=bill,
            position=position,
            description=line[0],
            quantity=1,
            unit_price=Decimal(line[1]),
            billed_amount=Decimal(line[1]),
            allowed_amount=Decimal(line[2]) if len(line) > 2 else None,
        )
    return bill
