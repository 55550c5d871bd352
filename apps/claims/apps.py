"""Claims hooks into the apps below it (which never import it: the layers contract).

- Every new case gets its reserve (``services.reserve_open``, from the estimate table) once the case
  is committed: a ``post_save`` receiver on Event queues it with ``transaction.on_commit``. After the
  commit, because the case's public code is written last inside ``event_open`` (the reserve's history
  and audit entry name the case by it) and because opening must never fail for the reserve's sake: a
  reserve that cannot be set (no exchange rate for the estimate) is logged, and the case gets it
  lazily (the case page's section, the first reserve change or payment, or
  ``manage.py open_missing_reserves`` for cases opened before this or loaded in bulk).
- The guarantee e-mail carries the provider's bill upload link (``links.mail_links``).
- The case page's "Reserve and bills" section and the large-loss badge register from ``admin``.
"""

import logging

from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def _open_reserve(event_id: int) -> None:
    from apps.assistances.models import Event
    from apps.claims.services import reserve_open
    from apps.core.exceptions import ApplicationError

    event = Event.objects.select_related("voucher").filter(pk=event_id).first()
    if event is None:
        return
    try:
        reserve_open(event=event)
    except ApplicationError:
        logger.warning("reserve not opened for case %s; opened lazily later", event.code, exc_info=True)


def case_opened(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        event_id = instance.pk
        transaction.on_commit(lambda: _open_reserve(event_id), robust=True)


def price_hint(assignment, currency: str) -> str | None:
    """The price reference beside a new guarantee: what was allowed so far for the assistance there."""
    from apps.claims.selectors import price_reference
    from apps.core.money import quantize

    event = assignment.event
    if not currency:
        return None
    found = price_reference(assistance=event.assistance, country=event.country, city=event.city, currency=currency)
    if not found.count:
        return None
    return _(
        "Price reference: %(count)s amounts allowed so far for this assistance here, median %(median)s, "
        "90th percentile %(p90)s %(currency)s."
    ) % {
        "count": found.count,
        "median": quantize(found.median, currency),
        "p90": quantize(found.p90, currency),
        "currency": currency,
    }


class ClaimsConfig(AppConfig):
    name = "apps.claims"
    verbose_name = _("Bills, reserves and bordereaux")

    def ready(self) -> None:
        from apps.assistances.models import Event
        from apps.claims import links
        from apps.guarantees import documents

        post_save.connect(case_opened, sender=Event, dispatch_uid="claims-reserve-on-opening")
        if links.mail_links not in documents.MAIL_LINKS:
            documents.MAIL_LINKS.append(links.mail_links)
        from apps.guarantees import admin as guarantees_admin

        if price_hint not in guarantees_admin.NEW_GUARANTEE_HINTS:
            guarantees_admin.NEW_GUARANTEE_HINTS.append(price_hint)
        # Modules of their own (not tasks.py / admin.py, which others' work owns): imported here so
        # Celery registers the bordereau tasks and the admin its page.
        from apps.claims import admin_bordereau, bordereau_tasks  # noqa: F401
