"""The guarantee letter as a stored PDF, and the e-mails that take it to the provider.

The letter: one PDF per version, generated the first time it is asked for (sent, downloaded) and kept
in the assists bucket through the shared file layer; versions do not change once in force, so a
letter is never generated twice. A version that was never in force (a draft, one waiting for
approval or refused) has no letter: a PDF that looks like a guarantee must not exist before there is
one (409 ``not_in_force``). Links inside it (the verification URL and its QR code) start with
``PUBLIC_BASE_URL``, never a request's host, so a letter reads the same whoever generated it.

Sending: the guarantee is marked sent (``services.guarantee_mark_sent``) and the e-mail goes out as
the last step of the same transaction. A database write that fails raises before anything is sent;
an SES or SMTP call that fails raises out of the block and rolls the marking back (the operator sees
the error and sends again). What remains is the commit itself failing after the mail left: the
provider then holds a letter the system still calls issued, and the next send repeats it — a
duplicate e-mail at worst, never a guarantee marked sent that nobody received. The row lock held
meanwhile is this guarantee's only, bounded by ``EMAIL_TIMEOUT``. No outbox: a send is one click
answered at once, and a reminder that fails is simply tried again by the next beat run.

The provider's link: ``signing.dumps({"g": guarantee id, "v": version number}, salt="gop-answer")``.
Single-purpose (the salt: no other signed value of the application is accepted here, nor this one
elsewhere) and bound to one version: once a newer version is in force the link says "superseded". It
expires at the end of the version's ``valid_until`` (the operators' time zone), read from the version
itself, so the token needs no timestamp; and it answers only while the guarantee is SENT.

Apps above this one add links to the e-mail through ``MAIL_LINKS`` (callables (guarantee, version,
base_url) -> dict merged into the templates' context): the claims app adds ``bill_url``, the
provider's bill upload link, so this module never imports it (the layers contract).

E-mails are in the letter's language, from per-language templates next to the letter's
(``templates/guarantees/email/{subject,body}_<language>.txt``), rendered without HTML escaping.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.template import Context, Engine
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.assistances.models import NoteKind
from apps.assistances.services import note_create
from apps.audit.crud import audited_file_add
from apps.clients.public_pages import LinkActor, link_ids, link_token, provider_link_actor, public_url
from apps.core.context import Actor, current_actor
from apps.core.exceptions import ApplicationError, ConflictError
from apps.core.files.formats import PDF
from apps.core.files.services import ContentCheck, FileRules
from apps.guarantees import services
from apps.guarantees.letter import LetterContent, format_date, format_money, render_letter
from apps.guarantees.models import Guarantee, GuaranteeLetter, GuaranteeVersion
from apps.masters.models import Source, StatusRole

logger = logging.getLogger(__name__)

ANSWER_SALT = "gop-answer"
# The neutral issuer a letter names: never an operator's e-mail or full name (operators' identities stay
# inside); the first name, when known, gives the hospital's desk someone to ask for on the phone.
ISSUER = "Bigtree Assist"

LETTER_RULES = FileRules(
    model=GuaranteeLetter,
    # Our own bytes, checked like any stored file: a renderer that produced something else is refused.
    check=ContentCheck(
        formats=(PDF,), refusal=gettext_lazy("The letter is not a PDF document."), declared_type_must_agree=False
    ),
    max_bytes_setting="GUARANTEE_LETTER_MAX_BYTES",
    default_name="letter.pdf",
)


# --- The letter -------------------------------------------------------------------------------------


def _rate(version: GuaranteeVersion) -> Decimal | None:
    """Units of the voucher's currency per unit of the letter's: the stored row may be either way round."""
    rate = version.rate
    if rate is None:
        return None
    if rate.from_currency == version.currency:
        return rate.rate
    # The stored precision (10 decimals) is what the conversion itself used.
    return (Decimal(1) / rate.rate).quantize(Decimal("1E-10"))


def issuer_label(version: GuaranteeVersion) -> str:
    first_name = (getattr(version.issued_by, "first_name", "") or "").strip()
    return f"{ISSUER} ({first_name})" if first_name else ISSUER


def letter_content(version: GuaranteeVersion, *, base_url: str | None = None) -> LetterContent:
    """What the letter of ``version`` says, in its guarantee's language."""
    guarantee = version.guarantee
    event, provider = guarantee.event, guarantee.assignment.provider
    address = provider.locations.order_by("id").values_list("address", flat=True).first() or ""
    source = Source.objects.filter(code=event.source_code).first()
    # Catalog names come in Spanish and English; a Portuguese letter takes the Spanish ones.
    with translation.override(guarantee.language):
        country = provider.country.name if provider.country_id else ""
        source_name = source.name if source is not None else event.source_code
    return LetterContent(
        language=guarantee.language,
        case_code=event.code,
        traveller_name=event.traveller_name,
        provider_name=provider.legal_name or provider.display_name,
        provider_address=address,
        provider_country=country,
        amount=version.amount,
        currency=version.currency,
        voucher_amount=version.voucher_amount,
        voucher_currency=version.voucher_currency,
        rate=_rate(version),
        valid_from=version.valid_from,
        valid_until=version.valid_until,
        covered_services=version.covered_services,
        exclusions=version.exclusions,
        deductible=version.deductible,
        version=version.number,
        is_final=version.is_final,
        verification_code=version.verification_code,
        verify_url=public_url(reverse("guarantee-verify", args=[version.verification_code]), base_url),
        issued_by=issuer_label(version),
        issued_at=version.issued_at or version.created_at,
        source_name=source_name,
    )


def letter_file(*, version: GuaranteeVersion, base_url: str | None = None) -> GuaranteeLetter:
    """The PDF of a version that is or was in force, generated and stored the first time (409 otherwise)."""
    existing = GuaranteeLetter.objects.filter(version=version).first()
    if existing is not None:
        return existing
    if version.issued_at is None:
        raise ConflictError(
            _("Version %(n)s was never in force: it has no letter.") % {"n": version.number}, code="not_in_force"
        )
    with transaction.atomic():
        # Two first requests at once: the second waits here and then finds the first one's letter.
        version = (
            GuaranteeVersion.objects.select_for_update()
            .select_related("guarantee__event", "guarantee__assignment__provider__country", "rate", "issued_by")
            .get(pk=version.pk)
        )
        existing = GuaranteeLetter.objects.filter(version=version).first()
        if existing is not None:
            return existing
        guarantee = version.guarantee
        pdf = render_letter(letter_content(version, base_url=base_url))
        letter, _created = audited_file_add(
            rules=LETTER_RULES,
            owner=version,
            upload=ContentFile(pdf, name=f"{guarantee.number}-v{version.number}.pdf"),
            audit={"guarantee": guarantee.number, "version": version.number},
            case_reference=guarantee.event.code,
        )
    return letter


# --- The provider's link ----------------------------------------------------------------------------


def answer_token(version: GuaranteeVersion) -> str:
    return link_token(ANSWER_SALT, g=version.guarantee_id, v=version.number)


def answer_url(version: GuaranteeVersion, base_url: str | None = None) -> str:
    return public_url(reverse("guarantee-answer", args=[answer_token(version)]), base_url)


def read_answer_token(token: str) -> tuple[int, int] | None:
    """(guarantee id, version number) of a genuine link, None for anything else."""
    return link_ids(token, ANSWER_SALT, "g", "v")


@dataclass(frozen=True)
class LinkState:
    """What a provider's link may do now: ``open`` (answer), or why not."""

    state: str  # open | superseded | expired | answered (the guarantee moved on: see its status)
    guarantee: Guarantee
    version: GuaranteeVersion


def link_state(guarantee: Guarantee, version: GuaranteeVersion, *, today=None) -> LinkState:
    today = today or timezone.localdate()
    if guarantee.current_version_id != version.pk:
        state = "superseded"
    elif today > version.valid_until:
        state = "expired"
    elif guarantee.status.role != StatusRole.SENT:
        state = "answered"
    else:
        state = "open"
    return LinkState(state, guarantee, version)


def link_actor(guarantee: Guarantee) -> LinkActor:
    return provider_link_actor(guarantee.assignment.provider)


# --- E-mail -----------------------------------------------------------------------------------------

MAIL_LINKS: list = []


@cache
def _mail_engine() -> Engine:
    # Plain text: nothing is HTML-escaped ("&" in a hospital's name stays "&").
    return Engine(dirs=[Path(__file__).resolve().parent / "templates"], autoescape=False)


def _message(guarantee: Guarantee, letter: GuaranteeLetter, *, reminder: bool, base_url: str | None) -> EmailMessage:
    version = letter.version
    language = guarantee.language
    context = Context(
        {
            "reminder": reminder,
            "number": guarantee.number,
            "case_code": guarantee.event.code,
            "version": version.number,
            "provider_name": guarantee.assignment.provider.display_name,
            "amount": format_money(version.amount, version.currency, language),
            "valid_until": format_date(version.valid_until, language),
            "answer_url": answer_url(version, base_url),
            "verification_code": version.verification_code,
        }
    )
    for links in MAIL_LINKS:
        context.update(links(guarantee, version, base_url))
    engine = _mail_engine()
    subject = engine.get_template(f"guarantees/email/subject_{language}.txt").render(context)
    body = engine.get_template(f"guarantees/email/body_{language}.txt").render(context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[guarantee.recipient_email],
    )
    with letter.file.open("rb") as handle:
        message.attach(letter.original_name, handle.read(), "application/pdf")
    return message


def guarantee_send(*, guarantee: Guarantee, actor: Actor = None, base_url: str | None = None) -> Guarantee:
    """E-mail the letter in force to the guarantee's recipient, with the link to accept or decline it,
    and mark it sent (both or neither: see the module's docstring)."""
    actor = current_actor(actor)
    guarantee = Guarantee.objects.select_related("event", "assignment__provider", "current_version").get(
        pk=guarantee.pk
    )
    if not guarantee.recipient_email:
        # A state of the guarantee (its provider has no e-mail yet), not of the request: a 409.
        raise ConflictError(_("The guarantee has no recipient: set its e-mail first."), code="no_recipient")
    version = guarantee.current_version
    if version is None:
        raise ConflictError(_("No version of this guarantee is in force yet."), code="not_in_force")
    letter = letter_file(version=version, base_url=base_url)
    with transaction.atomic():
        marked = services.guarantee_mark_sent(guarantee=guarantee, recipient=guarantee.recipient_email, actor=actor)
        if marked.current_version_id != version.pk:
            raise ConflictError(_("The guarantee changed meanwhile; send it again."), code="stale_version")
        try:
            _message(guarantee, letter, reminder=False, base_url=base_url).send()
        except Exception as exc:  # every backend fails its own way (smtplib, botocore, OSError)
            logger.exception("guarantee e-mail not sent", extra={"guarantee_id": guarantee.pk})
            # Raised inside the block: the marking is rolled back with it.
            raise ApplicationError(
                _("The e-mail could not be sent, so the guarantee was not marked sent. Try again in a moment."),
                code="mail_not_sent",
                status_code=503,
            ) from exc
    return marked


def guarantees_remind_unanswered(*, now: datetime | None = None, base_url: str | None = None) -> int:
    """Send the letter again, once per sending, for guarantees sent and not answered within
    ``GOP_REMINDER_AFTER_MINUTES``; stamp ``reminded_at`` and leave an internal note on the case.

    Each guarantee in its own transaction, the e-mail last (as in ``guarantee_send``): one that cannot
    be sent (a rejected address) is logged, stays unstamped for the next run, and does not stop the
    others. Returns how many reminders went out.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.GOP_REMINDER_AFTER_MINUTES)
    due = Guarantee.objects.filter(
        status__role=StatusRole.SENT, reminded_at__isnull=True, sent_at__lte=cutoff
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        try:
            with transaction.atomic():
                guarantee = (
                    Guarantee.objects.select_for_update()
                    .select_related("status", "event", "assignment__provider", "current_version")
                    .get(pk=pk)
                )
                if guarantee.status.role != StatusRole.SENT or guarantee.reminded_at or guarantee.sent_at > cutoff:
                    continue  # answered, reminded or sent again since the list was read
                letter = letter_file(version=guarantee.current_version, base_url=base_url)
                Guarantee.objects.filter(pk=pk).update(reminded_at=now)
                note_create(
                    event=guarantee.event,
                    body=_("Reminder sent to %(email)s: guarantee %(number)s is not answered yet.")
                    % {"email": guarantee.recipient_email, "number": guarantee.number},
                    kind=NoteKind.PROVIDER,
                    actor=None,
                )
                _message(guarantee, letter, reminder=True, base_url=base_url).send()
        except Exception:
            logger.exception("guarantee reminder not sent", extra={"guarantee_id": pk})
            continue
        sent += 1
    return sent
