"""The provider's bill upload page, ``/bill/<token>`` (see ``links`` for the token), without an account.

Like the guarantee's link page: limited per client address (the same per-minute bucket setting,
its own "bill" bucket), never cached, not indexed, nothing loaded from elsewhere, and in the
guarantee's language (es, pt or en) whatever the browser says, with its texts here per language.
The provider types the invoice (number, date, currency, total) and its lines and attaches the PDF,
which is required here and checked by content through the shared file layer before anything is
written; ``bills.bill_create(received_via="link")`` does the rest (duplicates, checks, storage).
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

from apps.claims import bills, links
from apps.claims.forms import BillEntryForm, BillLineForm, bill_lines
from apps.clients.public_pages import private_page, too_many_from_address
from apps.core.exceptions import ApplicationError
from apps.core.files.formats import PDF
from apps.core.files.services import ContentCheck
from apps.guarantees.documents import link_actor
from apps.guarantees.letter import format_date

# Rows offered for lines (the empty ones are ignored).
LineFormSet = forms.formset_factory(BillLineForm, extra=8, min_num=1, validate_min=True)
PDF_ONLY = ContentCheck(formats=(PDF,), refusal=gettext_lazy("The bill must be a PDF document."))

UPLOAD_TEXTS = {
    "es": {
        "title": "Enviar una factura",
        "intro": "Factura de sus servicios bajo la garantía de pago",
        "case": "Caso",
        "until": "Este enlace recibe facturas hasta el",
        "invoice_number": "Número de factura",
        "invoice_date": "Fecha de la factura",
        "currency": "Moneda (código ISO, p. ej. MXN)",
        "billed_total": "Total facturado",
        "lines": "Detalle",
        "description": "Descripción",
        "code": "Código",
        "quantity": "Cantidad",
        "unit_price": "Precio unitario",
        "billed_amount": "Importe",
        "file": "La factura (PDF)",
        "send": "Enviar la factura",
        "check": "Revise los campos marcados.",
        "not_pdf": "El archivo debe ser un PDF.",
        "received": "Factura recibida. Gracias: la revisaremos y les avisaremos.",
        "not_yet": "Esta garantía aún no fue aceptada: acéptela primero con el enlace del correo.",
        "expired": "El plazo para enviar facturas con este enlace terminó. Contacte a la central de asistencia.",
        "closed": "Esta garantía no admite facturas (fue rechazada o cancelada).",
    },
    "pt": {
        "title": "Enviar uma fatura",
        "intro": "Fatura dos seus serviços sob a garantia de pagamento",
        "case": "Caso",
        "until": "Este link recebe faturas até",
        "invoice_number": "Número da fatura",
        "invoice_date": "Data da fatura",
        "currency": "Moeda (código ISO, p. ex. BRL)",
        "billed_total": "Total faturado",
        "lines": "Detalhamento",
        "description": "Descrição",
        "code": "Código",
        "quantity": "Quantidade",
        "unit_price": "Preço unitário",
        "billed_amount": "Valor",
        "file": "A fatura (PDF)",
        "send": "Enviar a fatura",
        "check": "Verifique os campos marcados.",
        "not_pdf": "O arquivo deve ser um PDF.",
        "received": "Fatura recebida. Obrigado: vamos analisá-la e avisaremos.",
        "not_yet": "Esta garantia ainda não foi aceita: aceite-a primeiro pelo link do e-mail.",
        "expired": "O prazo para enviar faturas por este link terminou. Contate a central de assistência.",
        "closed": "Esta garantia não aceita faturas (foi recusada ou cancelada).",
    },
    "en": {
        "title": "Send a bill",
        "intro": "The bill for your services under guarantee of payment",
        "case": "Case",
        "until": "This link takes bills until",
        "invoice_number": "Invoice number",
        "invoice_date": "Invoice date",
        "currency": "Currency (ISO code, e.g. USD)",
        "billed_total": "Total billed",
        "lines": "Lines",
        "description": "Description",
        "code": "Code",
        "quantity": "Quantity",
        "unit_price": "Unit price",
        "billed_amount": "Amount",
        "file": "The bill (PDF)",
        "send": "Send the bill",
        "check": "Check the fields marked.",
        "not_pdf": "The file must be a PDF.",
        "received": "Bill received. Thank you: we will review it and let you know.",
        "not_yet": "This guarantee has not been accepted yet: accept it first with the link in the e-mail.",
        "expired": "The time to send bills through this link is over. Contact the assistance centre.",
        "closed": "This guarantee takes no bills (it was declined or cancelled).",
    },
}


def _page(request, link: links.BillLink, form, lines, *, error: str = "", status: int = 200):
    guarantee = link.guarantee
    language = guarantee.language if guarantee.language in UPLOAD_TEXTS else "en"
    context = {
        "lang": language,
        "t": UPLOAD_TEXTS[language],
        "state": link.state,
        "number": guarantee.number,
        "case_code": guarantee.event.code,
        "provider": guarantee.assignment.provider.display_name,
        "until": format_date(link.until, language) if link.until else "",
        "form": form,
        "lines": lines,
        "error": error,
        "received": request.GET.get("received") == "1",
    }
    return private_page(render(request, "claims/public/upload.html", context, status=status))


@never_cache
@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def upload_page(request, token: str):
    """The provider's bill: invoice data, lines and the PDF, while the link is open."""
    limited = too_many_from_address(
        request,
        bucket="gop-bill",
        per_minute=settings.GOP_PUBLIC_PAGES_PER_MINUTE,
        template="guarantees/public/too_many.html",
    )
    if limited:
        return limited
    guarantee = links.guarantee_of(token)
    if guarantee is None:
        return private_page(render(request, "guarantees/public/link_invalid.html", status=404))
    link = links.bill_link_state(guarantee)
    version = guarantee.current_version
    initial = {"currency": guarantee.assignment.currency or (version.currency if version else "")}
    if request.method == "GET" or link.state != "open":
        status = 200 if request.method == "GET" else 409
        return _page(request, link, BillEntryForm(initial=initial), LineFormSet(prefix="lines"), status=status)
    return _upload(request, link)


def _upload(request, link: links.BillLink):
    """The provider's POST: the PDF checked by content, then bills.bill_create, then back to the page."""
    guarantee = link.guarantee
    texts = UPLOAD_TEXTS[guarantee.language if guarantee.language in UPLOAD_TEXTS else "en"]
    form = BillEntryForm(request.POST, request.FILES)
    form.fields["file"].required = True
    lines = LineFormSet(request.POST, prefix="lines")
    if not (form.is_valid() and lines.is_valid()):
        return _page(request, link, form, lines, error=texts["check"], status=400)
    upload = form.cleaned_data["file"]
    try:
        PDF_ONLY(upload)
    except (ApplicationError, ValidationError):
        form.add_error("file", texts["not_pdf"])
        return _page(request, link, form, lines, error=texts["not_pdf"], status=400)
    data = {name: form.cleaned_data[name] for name in ("invoice_number", "invoice_date", "billed_total")}
    data["currency"] = form.cleaned_data["currency"].upper()
    try:
        with translation.override(guarantee.language):
            bills.bill_create(
                assignment=guarantee.assignment,
                data=data,
                lines=bill_lines(lines),
                file=upload,
                received_via="link",
                actor=link_actor(guarantee),
            )
    except ApplicationError as exc:
        with translation.override(guarantee.language):
            message = str(exc.message)
        return _page(request, link, form, lines, error=message, status=exc.status_code)
    return redirect(request.path + "?received=1")
