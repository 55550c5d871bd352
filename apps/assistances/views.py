"""The provider's dispatch page, ``/job/<token>`` (see ``links`` for the token, its expiry and what it shows).

Like the guarantee's link page: limited per client address (``DISPATCH_LINK_PAGES_PER_MINUTE``, a bucket
in the usage plans' store), never cached, not indexed, nothing loaded from elsewhere (the styles are
inline; the map link carries no Referer), CSRF-checked, and in the provider's language whatever the
browser says, with its texts here per language. Each button calls the dispatch services with the
link's actor ("Provider <name> (link)" in the audit trail); an action the job's state no longer allows
shows the current state instead (409).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

from apps.assistances import links
from apps.assistances.services import dispatch
from apps.assistances.services.proofs import assignment_proof_add
from apps.clients.public_pages import private_page, too_many_from_address
from apps.core.exceptions import ApplicationError, ConflictError, ValidationFailed
from apps.providers.selectors import provider_language

# No monthly cap: the per-minute bucket alone limits (a quota would lock an address out for a month).

JOB_TEXTS = {
    "es": {
        "title": "Servicio",
        "case": "Caso",
        "assistance": "Asistencia",
        "place": "Lugar",
        "address": "Dirección",
        "point": "Coordenadas",
        "map": "Ver en el mapa",
        "offered": "Ofrecido el",
        "answer_by": "Responder antes de",
        "traveller": "Viajero",
        "phone": "Teléfono del viajero",
        "eta_at": "Llegada prometida",
        "status": "Estado actual",
        "eta": "Minutos para llegar",
        "accept": "Aceptar el servicio",
        "reason": "Motivo del rechazo",
        "decline": "Rechazar el servicio",
        "en_route": "Estoy en camino",
        "arrived": "Llegué",
        "completed": "Servicio terminado",
        "proof": "Comprobante (foto JPEG o PNG, o PDF firmado)",
        "send_proof": "Enviar el comprobante",
        "proofs": "Comprobantes recibidos",
        "eta_invalid": "Indique los minutos para llegar (de 1 a 1440).",
        "reason_required": "Indique el motivo del rechazo.",
        "proof_refused": "El comprobante debe ser una foto (JPEG o PNG) o un PDF.",
        "proof_missing": "Elija el archivo del comprobante.",
        "proof_received": "Comprobante recibido. Gracias.",
        "done": "Hecho. Estado actual:",
        "expired": "Este enlace venció: ya no admite acciones. Contacte a la central de asistencia.",
        "closed": "Este servicio ya no admite acciones. Estado actual:",
        "not_allowed": "Esa acción ya no es posible en el estado actual del servicio.",
    },
    "pt": {
        "title": "Serviço",
        "case": "Caso",
        "assistance": "Assistência",
        "place": "Local",
        "address": "Endereço",
        "point": "Coordenadas",
        "map": "Ver no mapa",
        "offered": "Oferecido em",
        "answer_by": "Responder até",
        "traveller": "Viajante",
        "phone": "Telefone do viajante",
        "eta_at": "Chegada prometida",
        "status": "Situação atual",
        "eta": "Minutos para chegar",
        "accept": "Aceitar o serviço",
        "reason": "Motivo da recusa",
        "decline": "Recusar o serviço",
        "en_route": "Estou a caminho",
        "arrived": "Cheguei",
        "completed": "Serviço concluído",
        "proof": "Comprovante (foto JPEG ou PNG, ou PDF assinado)",
        "send_proof": "Enviar o comprovante",
        "proofs": "Comprovantes recebidos",
        "eta_invalid": "Informe os minutos para chegar (de 1 a 1440).",
        "reason_required": "Informe o motivo da recusa.",
        "proof_refused": "O comprovante deve ser uma foto (JPEG ou PNG) ou um PDF.",
        "proof_missing": "Escolha o arquivo do comprovante.",
        "proof_received": "Comprovante recebido. Obrigado.",
        "done": "Feito. Situação atual:",
        "expired": "Este link venceu: não aceita mais ações. Contate a central de assistência.",
        "closed": "Este serviço não aceita mais ações. Situação atual:",
        "not_allowed": "Essa ação não é mais possível na situação atual do serviço.",
    },
    "en": {
        "title": "Job",
        "case": "Case",
        "assistance": "Assistance",
        "place": "Place",
        "address": "Address",
        "point": "Coordinates",
        "map": "See on the map",
        "offered": "Offered on",
        "answer_by": "Answer before",
        "traveller": "Traveller",
        "phone": "Traveller's phone",
        "eta_at": "Promised arrival",
        "status": "Current status",
        "eta": "Minutes to arrive",
        "accept": "Accept the job",
        "reason": "Reason for declining",
        "decline": "Decline the job",
        "en_route": "On my way",
        "arrived": "Arrived",
        "completed": "Service completed",
        "proof": "Proof (a JPEG or PNG photo, or a signed PDF)",
        "send_proof": "Send the proof",
        "proofs": "Proofs received",
        "eta_invalid": "Give the minutes to arrive (1 to 1440).",
        "reason_required": "Say why you decline the job.",
        "proof_refused": "The proof must be a photo (JPEG or PNG) or a PDF.",
        "proof_missing": "Choose the proof's file.",
        "proof_received": "Proof received. Thank you.",
        "done": "Done. Current status:",
        "expired": "This link has expired: it takes no more actions. Contact the assistance centre.",
        "closed": "This job takes no more actions. Current status:",
        "not_allowed": "That action is no longer possible in the job's current status.",
    },
}
# The status names the provider reads (the catalog's names are Spanish and English only).
STATUS_TEXTS = {
    "es": {
        "offered": "ofrecido",
        "accepted": "aceptado",
        "declined": "rechazado",
        "expired": "oferta vencida",
        "en_route": "en camino",
        "started": "en servicio",
        "resolved": "terminado",
        "cancelled": "cancelado",
    },
    "pt": {
        "offered": "oferecido",
        "accepted": "aceito",
        "declined": "recusado",
        "expired": "oferta vencida",
        "en_route": "a caminho",
        "started": "em atendimento",
        "resolved": "concluído",
        "cancelled": "cancelado",
    },
    "en": {
        "offered": "offered",
        "accepted": "accepted",
        "declined": "declined",
        "expired": "offer expired",
        "en_route": "en route",
        "started": "in service",
        "resolved": "completed",
        "cancelled": "cancelled",
    },
}


def _too_many(request) -> HttpResponse | None:
    """The 429 page when this address has used its share of the job link; None to go ahead."""
    return too_many_from_address(
        request,
        bucket="dispatch-link",
        per_minute=settings.DISPATCH_LINK_PAGES_PER_MINUTE,
        template="assistances/public/too_many.html",
    )


def _page(request, link: links.JobLink, *, error: str = "", notice: str = "", status: int = 200):
    assignment = link.assignment
    event = assignment.event
    language = provider_language(assignment.provider)
    role = assignment.status.role
    place = links.place_parts(assignment, language)
    context = {
        "lang": language,
        "t": JOB_TEXTS[language],
        "state": link.state,
        "actions": link.actions,
        "status_name": STATUS_TEXTS[language].get(role) or assignment.status.code,
        "error": error,
        "notice": notice or (JOB_TEXTS[language]["proof_received"] if request.GET.get("proof") == "1" else ""),
        "case_code": event.code,
        **place,
        "map_url": (
            f"https://www.openstreetmap.org/?mlat={event.latitude}&mlon={event.longitude}#map=17/"
            f"{event.latitude}/{event.longitude}"
            if place["point"]
            else ""
        ),
        "offered_at": links.local_time(assignment.offered_at or assignment.assigned_at),
        "answer_by": links.local_time(assignment.offer_expires_at) if link.state == "offered" else "",
        "eta_at": links.local_time(assignment.eta_at),
        "traveller": links.traveller_short(event.traveller_name),
        "phone": event.traveller_phone if link.state in links.PHONE_STATES else "",
        "proof_count": assignment.proofs.count(),
        "max_eta": dispatch.MAX_ETA_MINUTES,
    }
    return private_page(render(request, "assistances/public/job.html", context, status=status))


def _fresh(link: links.JobLink) -> links.JobLink:
    return links.job_link_state(links.assignment_of(links.job_token(link.assignment)))


@never_cache
@ensure_csrf_cookie  # the forms may appear on any later visit; their POSTs are checked like any other
@require_http_methods(["GET", "POST"])
def job_page(request, token: str):
    """The job's minimal data and the buttons its state allows."""
    if limited := _too_many(request):
        return limited
    assignment = links.assignment_of(token)
    if assignment is None:
        return private_page(render(request, "assistances/public/link_invalid.html", status=404))
    link = links.job_link_state(assignment)
    if request.method == "GET":
        return _page(request, link)
    return _act(request, link)


def _act(request, link: links.JobLink):
    """The provider's POST: one step through the dispatch services (audited there), then back to the page."""
    assignment = link.assignment
    texts = JOB_TEXTS[provider_language(assignment.provider)]
    action = request.POST.get("action", "")
    if action not in link.actions:
        return _page(request, link, error=texts["not_allowed"] if link.actions else "", status=409)
    actor = links.link_actor(assignment)
    try:
        if action == "accept":
            try:
                eta = int(request.POST.get("eta_minutes", "").strip())
            except ValueError:
                return _page(request, link, error=texts["eta_invalid"], status=400)
            dispatch.provider_accept(assignment=assignment, eta_minutes=eta, actor=actor)
        elif action == "decline":
            reason = request.POST.get("reason", "").strip()[:2000]
            dispatch.provider_decline(assignment=assignment, reason=reason, actor=actor)
        elif action == "en_route":
            dispatch.provider_en_route(assignment=assignment, actor=actor)
        elif action == "arrived":
            dispatch.provider_arrived(assignment=assignment, actor=actor)
        elif action == "completed":
            dispatch.provider_completed(assignment=assignment, actor=actor)
        else:
            return _proof(request, link, texts, actor)
    except ValidationFailed:
        error = texts["reason_required"] if action == "decline" else texts["eta_invalid"]
        return _page(request, link, error=error, status=400)
    except ConflictError:
        # Changed meanwhile (expired, cancelled, answered twice): show what it is now.
        return _page(request, _fresh(link), error=texts["not_allowed"], status=409)
    return redirect(request.path)


def _proof(request, link: links.JobLink, texts: dict, actor):
    upload = request.FILES.get("file")
    if upload is None:
        return _page(request, link, error=texts["proof_missing"], status=400)
    try:
        with translation.override(provider_language(link.assignment.provider)):
            assignment_proof_add(assignment=link.assignment, upload=upload, actor=actor)
    except ConflictError:
        return _page(request, _fresh(link), error=texts["not_allowed"], status=409)
    except (ApplicationError, ValidationError):
        return _page(request, link, error=texts["proof_refused"], status=400)
    return redirect(f"{request.path}?proof=1")
