"""The provider's dispatch link, ``/job/<token>``: the job's minimal data and its steps, without an account.

The token: ``signing.dumps({"a": assignment id, "p": provider id}, salt="dispatch")``. Single-purpose
(the salt: no other signed value of the application is accepted here, nor this one elsewhere) and
bound to one assignment (one provider on one case). It carries no timestamp: how long it works is read
from the assignment itself, so it follows what happened to the job:

- an open offer: until ``offer_expires_at`` (even before the periodic job marks it expired);
- accepted, en route or started: until ``LINK_HOURS_AFTER_ACCEPTANCE`` (48 h) after the acceptance;
- completed: the steps end at completion; a proof (the signed PDF, a photo) may still be attached for
  ``PROOF_GRACE_AFTER_COMPLETION`` (2 h) after it, then the link is expired;
- declined, expired, cancelled, or the case closed before completion: the link shows the status only.

What the page shows is the least the provider needs to do the job: the assistance, the place (city,
country, the address and the point: it has to get there), the time offered, the case code and the
traveller's first name and the initial of the surname. Never the traveller's document or e-mail; the
traveller's phone only once the job is accepted and until it is completed (the provider may have to
call to find the traveller), never on an offer that any of several providers may receive.

Language: the provider's (``apps.providers.selectors.provider_language``: es, pt or en, else its
country's), whatever the browser says; the texts are per language (the site's catalogs have no
Portuguese), the page's in ``views.JOB_TEXTS``, the offer message's here.

The offer message (``offer_message``) is short, plain text, ready for an e-mail or an SMS; it goes by
e-mail to the provider's address once the offer is committed (``offer_notify``, registered by
``dispatch.provider_offer`` through ``transaction.on_commit``). A provider without an e-mail gets no
message (the operator phones it); a failed send is logged, never undoes the offer (the cascade's
timeout covers a provider that never heard of it).
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation

from apps.assistances.models import EventProvider
from apps.clients.public_pages import LinkActor, link_ids, link_token, provider_link_actor, public_url
from apps.masters.models import StatusRole
from apps.providers.selectors import provider_language

logger = logging.getLogger(__name__)

DISPATCH_SALT = "dispatch"
LINK_HOURS_AFTER_ACCEPTANCE = 48
PROOF_GRACE_AFTER_COMPLETION = datetime.timedelta(hours=2)

# The link's states (from the assignment's status role and its clock) and the actions each allows.
ACTIONS = {
    "offered": ("accept", "decline"),
    "accepted": ("en_route", "arrived", "proof"),
    "en_route": ("arrived", "proof"),
    "started": ("completed", "proof"),
    "completed": ("proof",),
    "expired": (),
    "closed": (),
}
_STATE_OF_ROLE = {
    StatusRole.OFFERED: "offered",
    StatusRole.ACCEPTED: "accepted",
    StatusRole.EN_ROUTE: "en_route",
    StatusRole.STARTED: "started",
    StatusRole.RESOLVED: "completed",
}
# The traveller's phone is shown in these states only.
PHONE_STATES = {"accepted", "en_route", "started"}


def job_token(assignment: EventProvider) -> str:
    return link_token(DISPATCH_SALT, a=assignment.pk, p=assignment.provider_id)


def job_url(assignment: EventProvider, base_url: str | None = None) -> str:
    return public_url(reverse("dispatch-job", args=[job_token(assignment)]), base_url)


def assignment_of(token: str) -> EventProvider | None:
    """The assignment of a genuine link still bound to its provider; None for anything else."""
    if (ids := link_ids(token, DISPATCH_SALT, "a", "p")) is None:
        return None
    assignment_id, provider_id = ids
    assignment = (
        EventProvider.objects.select_related(
            "status", "provider__country", "event__status", "event__assistance", "event__country", "event__city"
        )
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None or assignment.provider_id != provider_id:
        return None
    return assignment


@dataclass(frozen=True)
class JobLink:
    state: str  # a key of ACTIONS
    assignment: EventProvider
    expires_at: datetime.datetime | None

    @property
    def actions(self) -> tuple[str, ...]:
        return ACTIONS[self.state]


def job_link_state(assignment: EventProvider, *, now: datetime.datetime | None = None) -> JobLink:
    """What the link allows now (see the module's docstring for the expiry rules)."""
    now = now or timezone.now()
    state = _STATE_OF_ROLE.get(assignment.status.role, "closed")
    expires_at = None
    if state == "offered":
        expires_at = assignment.offer_expires_at
    elif state == "completed":
        expires_at = assignment.resolved_at + PROOF_GRACE_AFTER_COMPLETION if assignment.resolved_at else None
    elif state != "closed":
        accepted = assignment.accepted_at or assignment.assigned_at
        expires_at = accepted + datetime.timedelta(hours=LINK_HOURS_AFTER_ACCEPTANCE)
        if assignment.event.status.is_final:
            state = "closed"
    if expires_at is not None and now > expires_at:
        state = "expired"
    return JobLink(state, assignment, expires_at)


def link_actor(assignment: EventProvider) -> LinkActor:
    return provider_link_actor(assignment.provider)


def traveller_short(name: str) -> str:
    """The first name and the initial of the last word ("Ana María López" -> "Ana L."); nothing more."""
    words = (name or "").split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return f"{words[0]} {words[-1][0].upper()}."


def local_time(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local:%d/%m/%Y %H:%M} ({local.tzname()})"


def place_parts(assignment: EventProvider, language: str) -> dict:
    """The place, in the provider's language where the catalogs have one (Portuguese reads the Spanish)."""
    event = assignment.event
    with translation.override("en" if language == "en" else "es"):
        assistance = event.assistance.name
        country = event.country.name
    point = ""
    if event.latitude is not None and event.longitude is not None:
        point = f"{event.latitude:.5f}, {event.longitude:.5f}"
    return {
        "assistance": assistance,
        "city": event.city.name if event.city_id else "",
        "country": country,
        "address": event.address,
        "point": point,
    }


MESSAGE_TEXTS = {
    "es": {
        "subject": "Oferta de servicio {assistance} – caso {case}",
        "body": (
            "Bigtree Assist le ofrece un servicio: {assistance}, caso {case}.\n"
            "Lugar: {place}\n"
            "Responda antes de las {expires}: {url}\n"
            "En el enlace puede aceptar con su tiempo de llegada o rechazar, y luego informar cada paso."
        ),
    },
    "pt": {
        "subject": "Oferta de serviço {assistance} – caso {case}",
        "body": (
            "A Bigtree Assist oferece um serviço: {assistance}, caso {case}.\n"
            "Local: {place}\n"
            "Responda até {expires}: {url}\n"
            "No link você pode aceitar com seu tempo de chegada ou recusar, e depois informar cada etapa."
        ),
    },
    "en": {
        "subject": "Service offer {assistance} – case {case}",
        "body": (
            "Bigtree Assist offers you a job: {assistance}, case {case}.\n"
            "Place: {place}\n"
            "Answer before {expires}: {url}\n"
            "Through the link you accept with your time to arrive or decline, then report each step."
        ),
    },
}


def offer_message(assignment: EventProvider, base_url: str | None = None) -> tuple[str, str]:
    """The offer's subject and text in the provider's language, with the link (for an e-mail or an SMS)."""
    language = provider_language(assignment.provider)
    texts = MESSAGE_TEXTS[language]
    parts = place_parts(assignment, language)
    place = ", ".join(p for p in (parts["address"], parts["city"], parts["country"]) if p)
    values = {
        "assistance": parts["assistance"],
        "case": assignment.event.code,
        "place": place,
        "expires": local_time(assignment.offer_expires_at),
        "url": job_url(assignment, base_url),
    }
    return texts["subject"].format(**values), texts["body"].format(**values)


def offer_notify(assignment_id: int, base_url: str | None = None) -> bool:
    """E-mail the offer to the provider's address (after the offer's commit); False when none was sent."""
    assignment = (
        EventProvider.objects.select_related(
            "provider__country", "event__assistance", "event__country", "event__city", "status"
        )
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None or assignment.status.role != StatusRole.OFFERED or not assignment.provider.email:
        return False
    subject, body = offer_message(assignment, base_url)
    try:
        EmailMessage(
            subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[assignment.provider.email]
        ).send()
    except Exception:  # every backend fails its own way; the offer stands (its timeout cascades)
        logger.exception("dispatch offer e-mail not sent", extra={"assignment_id": assignment_id})
        return False
    return True
