"""Dispatch on timestamps: a provider is offered the job, accepts with an ETA, declines or lets the
offer expire; an accepted provider goes en route, arrives (the service starts) and completes (the
existing resolve). Every step moves the EventProviderStatus machine (found by role), stamps its time,
and is audited; MOK hears the seed's actions only: EVENT_PROVIDER_CREATE when accepted, START on
arrival, RESOLVE on completion.

The cascade: an offer not answered within the time set per assistance type and priority
(``OfferTimeout``) expires, and the next provider of the search is offered, up to ``CASCADE_LIMIT``
offers; then the case is flagged "no provider". A periodic job scans the timestamps (no long ETAs);
operators turn the cascade off per case. A provider arriving after its promised ETA flags the case.
"""

import datetime
from functools import partial

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.assistances.links import offer_notify
from apps.assistances.models import Event, EventProvider, OfferTimeout, Priority
from apps.assistances.scorecards import reliability_counts
from apps.assistances.services._common import lock_event
from apps.assistances.services.providers import PROVIDER_MACHINE, save_step
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.core.context import Actor, current_actor, user_or_none
from apps.core.exceptions import ConflictError, ValidationFailed, coded
from apps.masters.models import StatusRole
from apps.providers.models import Provider
from apps.providers.selectors import RANK_RELIABILITY, LocationQuery, location_search
from apps.providers.services import reliability_replace
from apps.tracking.models import TrackingAction

# How many providers a case is offered before it is flagged "no provider" (the operators take over).
CASCADE_LIMIT = 3
# Without a row for the assistance or every assistance: ten minutes to answer.
DEFAULT_OFFER_MINUTES = 10
# The longest ETA a provider may promise (a tow truck two days away is not an answer).
MAX_ETA_MINUTES = 24 * 60


def offer_minutes(*, assistance_id: int | None, priority: str) -> int:
    """Minutes an offer waits: the assistance's own row first, then every assistance's, then the default."""
    rows = OfferTimeout.objects.filter(priority=priority).filter(Q(assistance_id=assistance_id) | Q(assistance=None))
    row = max(rows, key=lambda r: r.assistance_id is not None, default=None)
    return row.minutes if row else DEFAULT_OFFER_MINUTES


def _lock_assignment(assignment: EventProvider) -> EventProvider:
    return (
        EventProvider.objects.select_for_update()
        .select_related("event", "status", "provider", "commitment")
        .get(pk=assignment.pk)
    )


def _step(
    assignment: EventProvider,
    role: str,
    *,
    actor: Actor,
    now: datetime.datetime,
    stamps: dict,
    reason: str = "",
    tracking: str | None = None,
) -> EventProvider:
    """Move to the status holding ``role`` (409 if the machine does not allow it), stamp, audit, track."""
    target = PROVIDER_MACHINE.with_role(role)
    to_status = PROVIDER_MACHINE.check_transition(from_status=assignment.status, to_code=target.code)
    before = assignment.status.code
    assignment.status = to_status
    for name, value in stamps.items():
        setattr(assignment, name, value)
    if reason:
        assignment.reason = reason
    return save_step(
        assignment,
        actor=actor,
        changes={"status": [before, to_status.code], "reason": reason, "at": now.isoformat()},
        tracking=tracking,
    )


@transaction.atomic
def provider_offer(
    *,
    event: Event,
    provider: Provider,
    location=None,
    currency: str = "",
    actor: Actor = None,
    now: datetime.datetime | None = None,
) -> EventProvider:
    """Offer the case to a provider that serves its assistance; it has until the offer timeout to answer."""
    actor = current_actor(actor)
    event = lock_event(event)
    now = now or timezone.now()
    if event.status.is_final:
        raise ConflictError(_("The case is closed."), code="case_closed")
    if not provider.is_active:
        raise ValidationFailed({"provider": [coded(_("This provider is not active."), "provider_inactive")]})
    if not provider.assistances.filter(pk=event.assistance_id).exists():
        message = _("This provider does not offer %(code)s.") % {"code": event.assistance.code}
        raise ValidationFailed({"provider": [coded(message, "assistance_not_offered")]})
    if location is not None and location.provider_id != provider.pk:
        message = _("This location belongs to another provider.")
        raise ValidationFailed({"location": [coded(message, "another_providers_location")]})
    open_offer = EventProvider.objects.filter(event=event, provider=provider, status__role=StatusRole.OFFERED)
    if open_offer.exists():
        raise ConflictError(_("This provider already has an open offer on the case."), code="offer_open")
    minutes = offer_minutes(assistance_id=event.assistance_id, priority=event.priority)
    rank = EventProvider.objects.filter(event=event, offered_at__isnull=False).count() + 1
    assignment = EventProvider.objects.create(
        event=event,
        provider=provider,
        location=location,
        status=PROVIDER_MACHINE.with_role(StatusRole.OFFERED),
        assigned_at=now,
        offered_at=now,
        offer_expires_at=now + datetime.timedelta(minutes=minutes),
        offer_rank=rank,
        currency=(currency or "").upper() or (event.voucher.currency if event.voucher_id else ""),
        created_by=user_or_none(actor),
        updated_by=user_or_none(actor),
    )
    Event.objects.filter(pk=event.pk).update(version=F("version") + 1, no_provider_at=None)
    audit_record(
        action=AuditAction.CREATE,
        instance=assignment,
        changes={
            "offer": {"provider": provider.pk, "rank": rank, "expires_at": assignment.offer_expires_at.isoformat()}
        },
        actor=actor,
        case_reference=event.code,
    )
    transaction.on_commit(partial(offer_notify, assignment.pk), robust=True)  # the e-mail with the link
    return assignment


@transaction.atomic
def provider_accept(
    *,
    assignment: EventProvider,
    eta_minutes: int,
    actor: Actor = None,
    now: datetime.datetime | None = None,
) -> EventProvider:
    """The provider takes the job and promises to be there in ``eta_minutes`` (told to MOK as CREATE)."""
    actor = current_actor(actor)
    assignment = _lock_assignment(assignment)
    now = now or timezone.now()
    if not isinstance(eta_minutes, int) or not 1 <= eta_minutes <= MAX_ETA_MINUTES:
        message = _("Give the minutes to arrive, from 1 to %(max)s.") % {"max": MAX_ETA_MINUTES}
        raise ValidationFailed({"eta_minutes": [coded(message, "out_of_range")]})
    if (
        assignment.status.role == StatusRole.OFFERED
        and assignment.offer_expires_at
        and now > assignment.offer_expires_at
    ):
        raise ConflictError(_("The offer expired before it was accepted."), code="offer_expired")
    return _step(
        assignment,
        StatusRole.ACCEPTED,
        actor=actor,
        now=now,
        stamps={"accepted_at": now, "eta_at": now + datetime.timedelta(minutes=eta_minutes)},
        tracking=TrackingAction.EVENT_PROVIDER_CREATE,
    )


@transaction.atomic
def provider_decline(
    *, assignment: EventProvider, reason: str, actor: Actor = None, now: datetime.datetime | None = None
) -> EventProvider:
    """The provider says no (with a reason); the cascade offers the next one."""
    actor = current_actor(actor)
    assignment = _lock_assignment(assignment)
    now = now or timezone.now()
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [_("Say why the offer is declined.")]})
    assignment = _step(
        assignment, StatusRole.DECLINED, actor=actor, now=now, stamps={"declined_at": now}, reason=reason
    )
    _cascade(assignment.event, actor=actor, now=now)
    return assignment


@transaction.atomic
def provider_en_route(*, assignment: EventProvider, actor: Actor = None, now=None) -> EventProvider:
    actor = current_actor(actor)
    assignment = _lock_assignment(assignment)
    now = now or timezone.now()
    return _step(assignment, StatusRole.EN_ROUTE, actor=actor, now=now, stamps={"en_route_at": now})


@transaction.atomic
def provider_arrived(*, assignment: EventProvider, actor: Actor = None, now=None) -> EventProvider:
    """On site: the service starts (told to MOK as START); later than the ETA flags the case."""
    actor = current_actor(actor)
    assignment = _lock_assignment(assignment)
    now = now or timezone.now()
    late = assignment.eta_at is not None and now > assignment.eta_at
    stamps = {"started_at": now, **({"eta_breached_at": now} if late else {})}
    assignment = _step(
        assignment,
        StatusRole.STARTED,
        actor=actor,
        now=now,
        stamps=stamps,
        tracking=TrackingAction.EVENT_PROVIDER_START,
    )
    if late:
        Event.objects.filter(pk=assignment.event_id, eta_breached_at__isnull=True).update(eta_breached_at=now)
    return assignment


@transaction.atomic
def provider_completed(*, assignment: EventProvider, actor: Actor = None, now=None) -> EventProvider:
    """The service is done (the existing resolve, told to MOK as RESOLVE)."""
    actor = current_actor(actor)
    assignment = _lock_assignment(assignment)
    now = now or timezone.now()
    return _step(
        assignment,
        StatusRole.RESOLVED,
        actor=actor,
        now=now,
        stamps={"resolved_at": now},
        tracking=TrackingAction.EVENT_PROVIDER_RESOLVE,
    )


@transaction.atomic
def cascade_set(*, event: Event, enabled: bool, actor: Actor = None) -> Event:
    """An operator turns the automatic cascade on or off for a case."""
    actor = current_actor(actor)
    event = lock_event(event)
    if event.cascade_enabled != enabled:
        Event.objects.filter(pk=event.pk).update(cascade_enabled=enabled, version=F("version") + 1)
        audit_record(
            action=AuditAction.UPDATE,
            instance=event,
            changes={"cascade_enabled": [event.cascade_enabled, enabled]},
            actor=actor,
            case_reference=event.code,
        )
        event.cascade_enabled = enabled
    return event


def next_candidates(*, event: Event, exclude: set[int], limit: int = 5, now: datetime.datetime | None = None) -> list:
    """The next providers to offer: the search around the case (its point, else its city or country)
    for its assistance, ranked by reliability (distance, acceptance, punctuality, open at ``now``:
    ``apps.providers.selectors.reliability_score``), without those already offered."""
    query = LocationQuery(
        lat=event.latitude,
        lng=event.longitude,
        assistance=event.assistance,
        country=None if event.latitude is not None else event.country,
        city=None if event.latitude is not None else event.city,
        limit=limit + len(exclude),
        rank=RANK_RELIABILITY,
        at=now or timezone.now(),
    )
    return [hit for hit in location_search(query) if hit.provider.id not in exclude][:limit]


def _cascade(event: Event, *, actor: Actor, now: datetime.datetime) -> EventProvider | None:
    """Offer the next provider if the case has no live offer or accepted provider; flag it past the limit."""
    event = Event.objects.select_related("status", "assistance", "country", "city", "voucher").get(pk=event.pk)
    if not event.cascade_enabled or event.status.is_final:
        return None
    live = EventProvider.objects.filter(event=event).exclude(
        status__role__in=[StatusRole.DECLINED, StatusRole.EXPIRED, StatusRole.CANCELLED]
    )
    if live.exists():
        return None
    offered = set(
        EventProvider.objects.filter(event=event, offered_at__isnull=False).values_list("provider_id", flat=True)
    )
    if len(offered) >= CASCADE_LIMIT:
        Event.objects.filter(pk=event.pk, no_provider_at__isnull=True).update(no_provider_at=now)
        return None
    candidates = next_candidates(event=event, exclude=offered, limit=1, now=now)
    if not candidates:
        Event.objects.filter(pk=event.pk, no_provider_at__isnull=True).update(no_provider_at=now)
        return None
    provider = Provider.objects.get(pk=candidates[0].provider.id)
    return provider_offer(event=event, provider=provider, actor=actor, now=now)


def offers_expire_due(*, now: datetime.datetime | None = None) -> int:
    """Expire every offer past its time and cascade to the next provider (each case in its own transaction)."""
    now = now or timezone.now()
    due = EventProvider.objects.filter(status__role=StatusRole.OFFERED, offer_expires_at__lte=now).values_list(
        "pk", flat=True
    )
    count = 0
    for pk in list(due):
        with transaction.atomic():
            assignment = _lock_assignment(EventProvider(pk=pk))
            if assignment.status.role != StatusRole.OFFERED or assignment.offer_expires_at > now:
                continue
            _step(assignment, StatusRole.EXPIRED, actor=None, now=now, stamps={"expired_at": now})
            _cascade(assignment.event, actor=None, now=now)
            count += 1
    return count


def eta_breaches_flag(*, now: datetime.datetime | None = None) -> int:
    """Flag the cases whose accepted provider is not there yet and its promised arrival has passed."""
    now = now or timezone.now()
    late = EventProvider.objects.filter(
        status__role__in=[StatusRole.ACCEPTED, StatusRole.EN_ROUTE], eta_at__lt=now, eta_breached_at__isnull=True
    )
    event_ids = set(late.values_list("event_id", flat=True))
    late.update(eta_breached_at=now)
    return Event.objects.filter(pk__in=event_ids, eta_breached_at__isnull=True).update(eta_breached_at=now)


def reliability_refresh(*, now: datetime.datetime | None = None) -> int:
    """Rewrite the providers' reliability rows (the search's ranking) from the last 90 days of offers:
    one grouped query, one bulk upsert. Idempotent; the hourly beat job runs it."""
    return reliability_replace(counts=reliability_counts(now=now))


__all__ = [
    "CASCADE_LIMIT",
    "Priority",
    "cascade_set",
    "eta_breaches_flag",
    "next_candidates",
    "offer_minutes",
    "offers_expire_due",
    "provider_accept",
    "provider_arrived",
    "provider_completed",
    "provider_decline",
    "provider_en_route",
    "provider_offer",
    "reliability_refresh",
]
