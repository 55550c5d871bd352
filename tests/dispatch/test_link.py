"""The provider's dispatch link ``/job/<token>``: signed for one assignment, the job's minimal data in the
provider's language, each step through the dispatch services (audited with the link's actor), proofs
checked by content, expiry read from the assignment, rate-limited per address, and the offer e-mail."""

import datetime
import re

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from apps.assistances import links
from apps.assistances.models import AssignmentProof, EventProvider
from apps.assistances.services import dispatch
from apps.audit.models import AuditLog
from apps.masters.models import StatusRole
from tests.assistances.factories import covered_case
from tests.consultations.factories import make_png
from tests.issuance.factories import make_pdf
from tests.providers.factories import ProviderFactory
from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db

TRAVELLER = "Ana María Pérez"
DOCUMENT = "AAA123"
PHONE = "+34600111222"


@pytest.fixture
def offer():
    event = covered_case(
        source="MOK",
        country=country("ES"),
        traveller_name=TRAVELLER,
        traveller_phone=PHONE,
        address="Calle Mayor 1",
        latitude=40.4203,
        longitude=-3.7058,
    )
    provider = ProviderFactory(
        assistances=[event.assistance], country=country("ES"), email="grua@garage.example", display_name="Grúas Sol"
    )
    return dispatch.provider_offer(event=event, provider=provider)


def _link(assignment) -> str:
    return f"/job/{links.job_token(assignment)}"


def _post(client: Client, link: str, files=None, **data):
    return client.post(link, {**data, **(files or {}), "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def _browser(link: str) -> Client:
    browser = Client(enforce_csrf_checks=True)
    assert browser.get(link).status_code == 200
    return browser


def _role(assignment) -> str:
    return EventProvider.objects.select_related("status").get(pk=assignment.pk).status.role


def test_the_page_shows_the_minimal_data_in_the_providers_language(offer):
    page = Client().get(_link(offer))
    html = page.content.decode()
    assert page.status_code == 200 and page["X-Robots-Tag"] == "noindex, nofollow"
    assert offer.event.code in html and "Calle Mayor 1" in html and "40.42030, -3.70580" in html
    assert "Ana P." in html and "Aceptar el servicio" in html and "Rechazar el servicio" in html
    assert TRAVELLER not in html and "Pérez" not in html and DOCUMENT not in html
    assert PHONE not in html  # not on an offer: only once accepted
    assert "<script" not in html and "<link" not in html  # nothing loaded from elsewhere


def test_accept_with_an_eta_then_each_step_to_completion(offer):
    link = _link(offer)
    browser = _browser(link)
    assert _post(browser, link, action="accept", eta_minutes="35").status_code == 302
    accepted = EventProvider.objects.select_related("status").get(pk=offer.pk)
    assert accepted.status.code == "ASSIGNED" and accepted.status.role == StatusRole.ACCEPTED
    assert accepted.eta_at is not None and accepted.eta_at - accepted.accepted_at == datetime.timedelta(minutes=35)
    entry = AuditLog.objects.filter(action="status_change", object_id=str(offer.pk)).latest("id")
    assert entry.changes["status"] == ["OFFERED", "ASSIGNED"]
    assert entry.actor_repr == "Provider Grúas Sol (link)"

    html = browser.get(link).content.decode()
    assert PHONE in html and "Estoy en camino" in html and "Aceptar el servicio" not in html

    assert _post(browser, link, action="en_route").status_code == 302
    assert _role(offer) == StatusRole.EN_ROUTE
    assert _post(browser, link, action="completed").status_code == 409  # not started yet
    assert _post(browser, link, action="arrived").status_code == 302
    assert _role(offer) == StatusRole.STARTED
    assert _post(browser, link, action="completed").status_code == 302
    assert _role(offer) == StatusRole.RESOLVED

    done = browser.get(link).content.decode()
    assert "terminado" in done and PHONE not in done and 'value="arrived"' not in done
    refused = _post(browser, link, action="arrived")
    assert refused.status_code == 409 and "terminado" in refused.content.decode()


def test_an_eta_out_of_range_or_missing_is_refused(offer):
    link = _link(offer)
    browser = _browser(link)
    for value in ("", "abc", "0", str(dispatch.MAX_ETA_MINUTES + 1)):
        response = _post(browser, link, action="accept", eta_minutes=value)
        assert response.status_code == 400 and "Indique los minutos para llegar" in response.content.decode()
    assert _role(offer) == StatusRole.OFFERED


def test_decline_needs_a_reason(offer):
    link = _link(offer)
    browser = _browser(link)
    refused = _post(browser, link, action="decline", reason="  ")
    assert refused.status_code == 400 and "Indique el motivo del rechazo." in refused.content.decode()
    assert _role(offer) == StatusRole.OFFERED
    assert _post(browser, link, action="decline", reason="Sin grúa libre").status_code == 302
    declined = EventProvider.objects.get(pk=offer.pk)
    assert declined.status.role == StatusRole.DECLINED and declined.reason == "Sin grúa libre"
    html = browser.get(link).content.decode()
    assert "Este servicio ya no admite acciones" in html and "rechazado" in html


def test_proofs_a_photo_and_a_signed_pdf_checked_by_content(offer):
    link = _link(offer)
    browser = _browser(link)
    png = SimpleUploadedFile("foto.png", make_png(), content_type="image/png")
    assert _post(browser, link, files={"file": png}, action="proof").status_code == 409  # not accepted yet
    dispatch.provider_accept(assignment=offer, eta_minutes=20)

    png = SimpleUploadedFile("foto.png", make_png(), content_type="image/png")
    assert _post(browser, link, files={"file": png}, action="proof").status_code == 302
    pdf = SimpleUploadedFile("firmado.pdf", make_pdf(), content_type="application/pdf")
    response = _post(browser, link, files={"file": pdf}, action="proof")
    assert response.status_code == 302 and response["Location"].endswith("?proof=1")
    assert "Comprobante recibido" in browser.get(response["Location"]).content.decode()
    fake = SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf")
    refused = _post(browser, link, files={"file": fake}, action="proof")
    assert refused.status_code == 400 and "El comprobante debe ser una foto" in refused.content.decode()

    proofs = list(AssignmentProof.objects.filter(assignment=offer).order_by("id"))
    assert [p.content_type for p in proofs] == ["image/png", "application/pdf"]
    assert proofs[0].file.name.startswith(f"assistances/{offer.pk}/")
    entry = AuditLog.objects.filter(action="create", object_type__icontains="assignmentproof").latest("id")
    assert entry.actor_repr == "Provider Grúas Sol (link)"
    # The owner rule: the case's partner sees them, another partner does not.
    rows = AssignmentProof.objects.all()
    assert rows.filter(rows.partner_q("MOK")).count() == 2
    assert rows.filter(rows.partner_q("KOM")).count() == 0


def test_a_tampered_or_foreign_token_is_404(offer):
    token = links.job_token(offer)
    assert Client().get(f"/job/{token[:-2]}xx").status_code == 404
    other_salt = signing.dumps({"a": offer.pk, "p": offer.provider_id}, salt="bill-upload")
    assert Client().get(f"/job/{other_salt}").status_code == 404
    wrong_provider = signing.dumps({"a": offer.pk, "p": offer.provider_id + 1}, salt="dispatch")
    response = Client().get(f"/job/{wrong_provider}")
    assert response.status_code == 404 and "Link not valid" in response.content.decode()


def test_an_expired_offer_shows_expired_and_takes_no_answer(offer):
    EventProvider.objects.filter(pk=offer.pk).update(offer_expires_at=timezone.now() - datetime.timedelta(minutes=1))
    link = _link(offer)
    browser = _browser(link)
    html = browser.get(link).content.decode()
    assert "Este enlace venció" in html and 'value="accept"' not in html
    assert _post(browser, link, action="accept", eta_minutes="10").status_code == 409
    assert _role(offer) == StatusRole.OFFERED


def test_the_link_expires_48_hours_after_acceptance(offer):
    accepted = dispatch.provider_accept(assignment=offer, eta_minutes=20)
    later = accepted.accepted_at + datetime.timedelta(hours=links.LINK_HOURS_AFTER_ACCEPTANCE, minutes=1)
    assert links.job_link_state(accepted).state == "accepted"
    assert links.job_link_state(accepted, now=later).state == "expired"


def test_the_link_is_rate_limited_per_address(offer, settings):
    settings.DISPATCH_LINK_PAGES_PER_MINUTE = 3
    browser = Client(REMOTE_ADDR="203.0.113.90")
    assert [browser.get(_link(offer)).status_code for _ in range(3)] == [200] * 3
    limited = browser.get(_link(offer))
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert Client(REMOTE_ADDR="203.0.113.91").get(_link(offer)).status_code == 200


def test_the_offer_is_emailed_with_the_link_in_the_providers_language(offer):
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["grua@garage.example"] and offer.event.code in message.subject
    assert "Responda antes de" in message.body and "Calle Mayor 1" in message.body
    assert TRAVELLER not in message.body and DOCUMENT not in message.body
    token = re.search(r"http://testserver/job/(\S+)", message.body).group(1)
    assert links.assignment_of(token).pk == offer.pk


def test_the_offer_message_follows_the_providers_languages(offer):
    offer.provider.languages = ["pt"]
    subject, text = links.offer_message(offer, "https://assist.example")
    assert subject.startswith("Oferta de serviço") and "Responda até" in text
    assert f"https://assist.example/job/{links.job_token(offer)}" in text
    offer.provider.languages = ["fr"]
    offer.provider.country = country("US")
    subject, text = links.offer_message(offer)
    assert subject.startswith("Service offer") and "Answer before" in text


def test_a_provider_without_email_gets_no_message():
    event = covered_case(source="MOK", country=country("ES"))
    provider = ProviderFactory(assistances=[event.assistance], country=country("ES"), email="")
    dispatch.provider_offer(event=event, provider=provider)
    assert mail.outbox == []
