"""Public pages of guarantees, outside the API and without an account.

``/verify/<code>`` lets a hospital confirm a letter is genuine; ``/gop/<token>`` is the provider's
signed link to accept or decline the letter it was sent (see ``documents`` for the token). Both are
limited per client address (``GOP_PUBLIC_PAGES_PER_MINUTE``, a bucket per page in the usage plans'
store: Redis, shared by every worker; in-process without ``REDIS_URL``) and show the traveller's
initials only. They load nothing from elsewhere (the styles are inline), so the token in the address
never reaches a third party through a Referer.

Language: the verification page follows the visitor's (the site's gettext catalogs); the provider's
page is in the letter's language, es, pt or en, whatever the browser says, so its texts are here, per
language, like the letter's templates (the site's catalogs have no Portuguese).
"""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods

from apps.clients.public_pages import private_page, too_many_from_address
from apps.core.exceptions import ConflictError, ValidationFailed
from apps.core.files.selectors import stored_file_url
from apps.guarantees import documents, selectors, services
from apps.guarantees.letter import format_date, format_money
from apps.guarantees.models import Guarantee
from apps.masters.models import in_english

# No monthly cap: the per-minute bucket alone limits (a quota would lock an address out for a month).

LINK_TEXTS = {
    "es": {
        "title": "Garantía de pago",
        "case": "Caso",
        "version": "Versión",
        "amount": "Monto garantizado",
        "validity": "Vigencia",
        "to": "al",
        "covered": "Servicios cubiertos",
        "excluded": "Exclusiones",
        "traveller": "Viajero",
        "download": "Descargar la carta (PDF)",
        "accept": "Aceptar la garantía",
        "decline": "Rechazar la garantía",
        "reason": "Motivo del rechazo",
        "reason_required": "Indique el motivo del rechazo.",
        "superseded": "Esta versión fue reemplazada por una más reciente; use el enlace del último correo recibido.",
        "expired": "La vigencia de esta garantía terminó: ya no puede responderse.",
        "answered": "Esta garantía ya no espera respuesta. Estado actual:",
        "accepted": "aceptada",
        "declined": "rechazada",
    },
    "pt": {
        "title": "Garantia de pagamento",
        "case": "Caso",
        "version": "Versão",
        "amount": "Valor garantido",
        "validity": "Validade",
        "to": "a",
        "covered": "Serviços cobertos",
        "excluded": "Exclusões",
        "traveller": "Viajante",
        "download": "Baixar a carta (PDF)",
        "accept": "Aceitar a garantia",
        "decline": "Recusar a garantia",
        "reason": "Motivo da recusa",
        "reason_required": "Informe o motivo da recusa.",
        "superseded": "Esta versão foi substituída por uma mais recente; use o link do último e-mail recebido.",
        "expired": "A validade desta garantia terminou: ela não pode mais ser respondida.",
        "answered": "Esta garantia não aguarda mais resposta. Situação atual:",
        "accepted": "aceita",
        "declined": "recusada",
    },
    "en": {
        "title": "Guarantee of payment",
        "case": "Case",
        "version": "Version",
        "amount": "Amount guaranteed",
        "validity": "Valid",
        "to": "to",
        "covered": "Covered services",
        "excluded": "Exclusions",
        "traveller": "Traveller",
        "download": "Download the letter (PDF)",
        "accept": "Accept the guarantee",
        "decline": "Decline the guarantee",
        "reason": "Reason for declining",
        "reason_required": "Say why you decline the guarantee.",
        "superseded": "This version was replaced by a newer one; use the link in the latest e-mail you received.",
        "expired": "This guarantee's validity has ended: it can no longer be answered.",
        "answered": "This guarantee no longer waits for an answer. Its current status:",
        "accepted": "accepted",
        "declined": "declined",
    },
}


def _too_many(request, scope: str) -> HttpResponse | None:
    """The 429 page when this address has used its share of ``scope``'s page; None to go ahead."""
    return too_many_from_address(
        request,
        bucket=f"gop-{scope}",
        per_minute=settings.GOP_PUBLIC_PAGES_PER_MINUTE,
        template="guarantees/public/too_many.html",
    )


# --- Verification -----------------------------------------------------------------------------------


@never_cache
@require_GET
def verify_form(request):
    """A form to type a code; the code typed goes to its own page."""
    if limited := _too_many(request, "verify"):
        return limited
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("guarantee-verify", code=selectors.normalize_code(code) or code[:40])
    return private_page(render(request, "guarantees/public/verify.html", {"form_only": True}))


@never_cache
@require_GET
def verify_page(request, code: str):
    if limited := _too_many(request, "verify"):
        return limited
    found = selectors.verification_lookup(code=code)
    context = {"code": code[:40], "found": found}
    if found is not None:
        language = "en" if in_english() else "es"
        context.update(
            amount=format_money(found.amount, found.currency, language),
            valid_from=format_date(found.valid_from, language),
            valid_until=format_date(found.valid_until, language),
        )
    return private_page(render(request, "guarantees/public/verify.html", context, status=200 if found else 404))


# --- The provider's link ----------------------------------------------------------------------------


def _from_token(token: str) -> tuple[Guarantee, object] | None:
    ids = documents.read_answer_token(token)
    if ids is None:
        return None
    guarantee = (
        Guarantee.objects.select_related("status", "event", "assignment__provider", "current_version")
        .filter(pk=ids[0])
        .first()
    )
    version = guarantee.versions.filter(number=ids[1]).first() if guarantee is not None else None
    return (guarantee, version) if version is not None else None


def _link_page(request, token: str, link: documents.LinkState, *, error: str = "", status: int = 200):
    guarantee, version = link.guarantee, link.version
    language = guarantee.language
    texts = LINK_TEXTS[language]
    role = guarantee.status.role
    with translation.override(language):
        status_name = texts.get(role) or guarantee.status.name
    context = {
        "lang": language,
        "t": texts,
        "state": link.state,
        "status_name": status_name,
        "error": error,
        "number": guarantee.number,
        "case_code": guarantee.event.code,
        "version": version.number,
        "amount": format_money(version.amount, version.currency, language),
        "valid_from": format_date(version.valid_from, language),
        "valid_until": format_date(version.valid_until, language),
        "covered_services": version.covered_services,
        "exclusions": version.exclusions,
        "traveller": selectors.initials(guarantee.event.traveller_name),
        "download_url": reverse("guarantee-answer-letter", args=[token]),
    }
    return private_page(render(request, "guarantees/public/answer.html", context, status=status))


@never_cache
@ensure_csrf_cookie  # the form may appear on any later visit; its POST is checked like any other
@require_http_methods(["GET", "POST"])
def answer_page(request, token: str):
    """The letter's minimal data, and accept / decline with a reason while the guarantee waits for an answer."""
    if limited := _too_many(request, "link"):
        return limited
    found = _from_token(token)
    if found is None:
        return private_page(render(request, "guarantees/public/link_invalid.html", status=404))
    link = documents.link_state(*found)
    if request.method == "GET":
        return _link_page(request, token, link)
    return _answer(request, token, link)


def _answer(request, token: str, link: documents.LinkState):
    """The provider's POST: the answer through the service (audited there), then back to the page."""
    guarantee = link.guarantee
    decision = request.POST.get("decision")
    if link.state != "open" or decision not in ("accept", "decline"):
        return _link_page(request, token, link, status=409 if link.state != "open" else 400)
    try:
        services.guarantee_answer(
            guarantee=guarantee,
            accept=decision == "accept",
            reason=request.POST.get("reason", "").strip(),
            actor=documents.link_actor(guarantee),
        )
    except ValidationFailed:
        return _link_page(request, token, link, error=LINK_TEXTS[guarantee.language]["reason_required"], status=400)
    except ConflictError:
        # Answered (or changed) meanwhile: show what it is now.
        return _link_page(request, token, documents.link_state(*_from_token(token)), status=409)
    return redirect("guarantee-answer", token=token)


@never_cache
@require_GET
def answer_letter(request, token: str):
    """The link's letter (PDF), through the file layer's short-lived URL."""
    if limited := _too_many(request, "link"):
        return limited
    found = _from_token(token)
    if found is None or found[1].issued_at is None:
        return private_page(render(request, "guarantees/public/link_invalid.html", status=404))
    url, _expires_in = stored_file_url(stored=documents.letter_file(version=found[1]))
    return redirect(url)
