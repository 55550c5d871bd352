"""The provider's bill upload link: ``/bill/<token>``, no account.

``signing.dumps({"g": guarantee id, "p": provider id}, salt="bill-upload")``: single-purpose (no other
signed value of the application is accepted here, nor this one elsewhere) and bound to the guarantee
and the provider it was issued to (a guarantee moved to another provider refuses it). It carries no
timestamp: it is valid until ``BILL_LINK_DAYS`` after the end of the validity of the guarantee's
version in force, read from the version itself, and only once the provider has accepted the guarantee
(before that there is nothing to bill; declined or cancelled, nothing either).

It goes to the provider in the guarantee's e-mail (``apps.guarantees.documents.MAIL_LINKS``, registered
in ``ClaimsConfig.ready``), below the link to accept it: the one e-mail the provider keeps.
"""

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from apps.clients.public_pages import link_ids, link_token, public_url
from apps.guarantees.models import Guarantee
from apps.masters.models import StatusRole

BILL_SALT = "bill-upload"
BILL_LINK_DAYS = 90
# The guarantee's statuses a bill may come in: accepted, and what may follow (amended, final, closed, expired).
BILLABLE = {StatusRole.ACCEPTED, StatusRole.AMENDED, StatusRole.FINAL, StatusRole.CLOSED, StatusRole.EXPIRED}
NOT_YET = {StatusRole.DRAFT, StatusRole.ISSUED, StatusRole.SENT}


def bill_token(guarantee: Guarantee) -> str:
    return link_token(BILL_SALT, g=guarantee.pk, p=guarantee.assignment.provider_id)


def bill_url(guarantee: Guarantee, base_url: str | None = None) -> str:
    return public_url(reverse("bill-upload", args=[bill_token(guarantee)]), base_url)


def mail_links(guarantee: Guarantee, _version, base_url: str | None) -> dict:
    """The guarantee e-mail's ``bill_url`` (see ``apps.guarantees.documents.MAIL_LINKS``)."""
    return {"bill_url": bill_url(guarantee, base_url)}


def guarantee_of(token: str) -> Guarantee | None:
    """The guarantee of a genuine link still bound to its provider, None for anything else."""
    if (ids := link_ids(token, BILL_SALT, "g", "p")) is None:
        return None
    guarantee_id, provider_id = ids
    guarantee = (
        Guarantee.objects.select_related("status", "event", "assignment__provider", "current_version")
        .filter(pk=guarantee_id)
        .first()
    )
    if guarantee is None or guarantee.assignment.provider_id != provider_id:
        return None
    return guarantee


@dataclass(frozen=True)
class BillLink:
    state: str  # open | not_yet (not accepted yet) | expired | closed (declined, cancelled)
    guarantee: Guarantee
    until: datetime.date | None


def bill_link_state(guarantee: Guarantee, *, today: datetime.date | None = None) -> BillLink:
    today = today or timezone.localdate()
    version = guarantee.current_version
    until = version.valid_until + datetime.timedelta(days=BILL_LINK_DAYS) if version else None
    role = guarantee.status.role
    if role in NOT_YET:
        state = "not_yet"
    elif role not in BILLABLE or until is None:
        state = "closed"
    elif today > until:
        state = "expired"
    else:
        state = "open"
    return BillLink(state, guarantee, until)
