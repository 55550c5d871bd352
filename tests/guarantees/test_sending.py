"""Sending a guarantee by e-mail, the provider's signed link, the public verification page, the
reminder and the expiry jobs."""

import datetime
import re
import subprocess
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client, override_settings
from django.utils import timezone

from apps.assistances.models import Note
from apps.audit.models import AuditLog
from apps.core.exceptions import ConflictError
from apps.guarantees import documents, tasks
from apps.guarantees.models import Guarantee, GuaranteeVersion
from tests.guarantees.helpers import api_as_operator, make_world, remaining_benefit
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

world = pytest.fixture(make_world)

GOP_EMAIL = "admisiones@hospital.example"


class FailingBackend(BaseEmailBackend):
    """A mail service that refuses every message (SES throttling, a rejected address...)."""

    def send_messages(self, messages):
        raise ConnectionError("mail service unavailable")


def _issued(world, *, amount="10000.00", recipient=GOP_EMAIL) -> tuple:
    """A guarantee within the operator's authority (MXN 10,000 = USD 500), issued; its API path."""
    tmo = api_as_operator(world.tmo)
    base = f"/v1/assistances/events/{world.event.pk}/guarantees"
    data = {"assignment": world.assignment.pk, "amount": amount, "covered_services": "Emergency room."}
    if recipient:
        data["recipient_email"] = recipient
    gop = tmo.post(base, data, format="json").json()
    one = f"{base}/{gop['id']}"
    assert tmo.post(f"{one}/issue").json()["status"] == "ISSUED"
    return tmo, one, Guarantee.objects.get(pk=gop["id"])


def _sent(world, **kwargs) -> tuple:
    tmo, one, guarantee = _issued(world, **kwargs)
    response = tmo.post(f"{one}/send")
    assert response.status_code == 200, response.content.decode()
    link = re.search(r"http://testserver(/gop/\S+)", mail.outbox[-1].body).group(1)
    return tmo, one, guarantee, link


def _post(client: Client, link: str, **data):
    return client.post(link, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "sent.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    return " ".join(out.decode().split())


def test_send_mails_the_letter_and_the_provider_accepts_through_the_link(world, tmp_path):
    tmo, one, guarantee, link = _sent(world)
    guarantee.refresh_from_db()
    assert guarantee.status.code == "SENT" and guarantee.sent_at is not None

    [message] = mail.outbox
    assert message.to == [GOP_EMAIL] and guarantee.number in message.subject
    assert message.subject.startswith("Garantía de pago")  # the letter's language
    [(name, pdf, content_type)] = message.attachments
    assert (name, content_type) == (f"{guarantee.number}-v1.pdf", "application/pdf")
    text = _pdf_text(pdf, tmp_path)
    assert "MXN 10.000,00" in text and "diez mil pesos mexicanos con 00/100" in text
    assert "http://testserver/verify/" in text
    # Generated once: the stored letter is the one attached, and the API's download gives it too.
    assert guarantee.current_version.letter.size == len(pdf)
    assert tmo.get(f"{one}/letter").status_code == 200

    hospital = Client(enforce_csrf_checks=True)
    page = hospital.get(link)
    html = page.content.decode()
    assert page.status_code == 200 and guarantee.number in html and "Ł. Ż." in html
    assert "Łukasz" not in html and "Żółć" not in html
    assert "Aceptar la garantía" in html

    assert _post(hospital, link, decision="accept").status_code == 302
    guarantee.refresh_from_db()
    assert guarantee.status.code == "ACCEPTED" and guarantee.answered_at is not None
    entry = AuditLog.objects.filter(action="status_change", object_id=str(guarantee.pk)).latest("id")
    assert entry.changes["status"] == ["SENT", "ACCEPTED"]
    assert entry.actor_repr == f"Provider {world.assignment.provider.display_name} (link)"
    assert guarantee.status_history.latest("id").actor_repr == entry.actor_repr

    # Answered: the link shows the state and answers nothing more.
    assert "aceptada" in hospital.get(link).content.decode()
    assert _post(hospital, link, decision="decline", reason="x").status_code == 409
    # The PDF stays downloadable from the link.
    assert hospital.get(f"{link}/letter").status_code == 302


def test_decline_needs_a_reason(world):
    _tmo, _one, guarantee, link = _sent(world)
    hospital = Client(enforce_csrf_checks=True)
    hospital.get(link)
    refused = _post(hospital, link, decision="decline", reason="  ")
    assert refused.status_code == 400 and "Indique el motivo" in refused.content.decode()
    guarantee.refresh_from_db()
    assert guarantee.status.code == "SENT"
    assert _post(hospital, link, decision="decline", reason="No beds available.").status_code == 302
    guarantee.refresh_from_db()
    assert (guarantee.status.code, guarantee.answer_reason) == ("DECLINED", "No beds available.")


def test_the_link_needs_csrf_and_a_genuine_token(world):
    _tmo, _one, guarantee, link = _sent(world)
    assert Client(enforce_csrf_checks=True).post(link, {"decision": "accept"}).status_code == 403
    token = link.rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert Client().get(f"/gop/{tampered}").status_code == 404
    # Signed with another salt (another feature's signature) is not a link either.
    other = signing.dumps({"g": guarantee.pk, "v": 1}, salt="something-else")
    assert Client().get(f"/gop/{other}").status_code == 404
    guarantee.refresh_from_db()
    assert guarantee.status.code == "SENT"


def test_an_expired_link_is_refused(world):
    _tmo, _one, guarantee, link = _sent(world)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    GuaranteeVersion.objects.filter(guarantee=guarantee).update(
        valid_from=yesterday - datetime.timedelta(days=3), valid_until=yesterday
    )
    hospital = Client(enforce_csrf_checks=True)
    assert "La vigencia de esta garantía terminó" in hospital.get(link).content.decode()
    assert _post(hospital, link, decision="accept").status_code == 409
    guarantee.refresh_from_db()
    assert guarantee.status.code == "SENT"


def test_a_superseded_versions_link_says_so(world):
    tmo, one, guarantee, link = _sent(world)
    assert tmo.post(f"{one}/amend", {"amount": "12000"}, format="json").json()["status"] == "AMENDED"
    hospital = Client(enforce_csrf_checks=True)
    assert "fue reemplazada" in hospital.get(link).content.decode()
    assert _post(hospital, link, decision="accept").status_code == 409
    # The new version is sent with a link of its own, which answers it.
    tmo.post(f"{one}/send")
    new_link = re.search(r"http://testserver(/gop/\S+)", mail.outbox[-1].body).group(1)
    assert new_link != link
    hospital.get(new_link)
    assert _post(hospital, new_link, decision="accept").status_code == 302
    guarantee.refresh_from_db()
    assert guarantee.status.code == "ACCEPTED" and guarantee.current_version.number == 2


def test_sending_without_a_recipient_or_a_version_in_force_is_refused(world):
    tmo, one, _guarantee = _issued(world, recipient="")
    assert_problem(tmo.post(f"{one}/send"), 409, "no_recipient")
    draft = tmo.post(
        f"/v1/assistances/events/{world.event.pk}/guarantees",
        {"assignment": world.assignment.pk, "amount": "100", "covered_services": "X", "recipient_email": GOP_EMAIL},
        format="json",
    ).json()
    assert_problem(tmo.post(f"/v1/assistances/events/{world.event.pk}/guarantees/{draft['id']}/send"), 409)
    # A version never in force has no letter (no PDF that looks like a guarantee before there is one).
    with pytest.raises(ConflictError):
        documents.letter_file(version=GuaranteeVersion.objects.get(guarantee_id=draft["id"]))
    assert_problem(tmo.get(f"/v1/assistances/events/{world.event.pk}/guarantees/{draft['id']}/letter"), 404)
    assert mail.outbox == []


def test_a_failed_mail_leaves_the_guarantee_unsent(world):
    tmo, one, guarantee = _issued(world)
    with override_settings(EMAIL_BACKEND="tests.guarantees.test_sending.FailingBackend"):
        assert_problem(tmo.post(f"{one}/send"), 503, "mail_not_sent")
    guarantee.refresh_from_db()
    assert guarantee.status.code == "ISSUED" and guarantee.sent_at is None
    assert tmo.post(f"{one}/send").json()["status"] == "SENT"


# --- verification ---------------------------------------------------------------------------------------


def test_verification_page_valid_superseded_cancelled_and_initials_only(world):
    tmo, one, guarantee = _issued(world)
    v1 = guarantee.versions.get(number=1).verification_code
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    page = Client().get(f"/verify/{v1}", **english)
    html = page.content.decode()
    assert page.status_code == 200 and "Valid: this letter is genuine" in html
    assert "MXN 10,000.00" in html and world.assignment.provider.legal_name in html
    assert "Ł. Ż." in html and "Łukasz" not in html and "Żółć" not in html
    assert world.event.code not in html and guarantee.number not in html  # nothing else
    # Case-insensitive, dashes optional; the form sends the code to its page.
    assert Client().get(f"/verify/{v1.lower().replace('-', '')}").status_code == 200
    assert Client().get("/verify/", {"code": v1.lower()}).url == f"/verify/{v1}"

    tmo.post(f"{one}/amend", {"amount": "12000"}, format="json")
    assert "Superseded" in Client().get(f"/verify/{v1}", **english).content.decode()
    v2 = guarantee.versions.get(number=2).verification_code
    assert "Valid: this letter is genuine" in Client().get(f"/verify/{v2}", **english).content.decode()
    tmo.post(f"{one}/cancel", {"reason": "Traveller flew home."}, format="json")
    assert "Cancelled" in Client().get(f"/verify/{v2}", **english).content.decode()
    assert Client().get("/verify/ABCD-EFGH-JKMN").status_code == 404


def test_verification_page_is_rate_limited_per_address(world, settings):
    settings.GOP_PUBLIC_PAGES_PER_MINUTE = 5
    browser = Client(REMOTE_ADDR="203.0.113.77")
    assert [browser.get("/verify/ABCD-EFGH-JKMN").status_code for _ in range(5)] == [404] * 5
    limited = browser.get("/verify/ABCD-EFGH-JKMN")
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert Client(REMOTE_ADDR="203.0.113.78").get("/verify/").status_code == 200  # another address


# --- periodic jobs ----------------------------------------------------------------------------------------


def test_reminder_goes_once_per_sending_and_leaves_a_note(world, settings):
    settings.GOP_REMINDER_AFTER_MINUTES = 60
    _tmo, _one, guarantee, _link = _sent(world)
    assert documents.guarantees_remind_unanswered() == 0  # not due yet
    later = timezone.now() + datetime.timedelta(minutes=61)
    assert documents.guarantees_remind_unanswered(now=later) == 1
    reminder = mail.outbox[-1]
    assert len(mail.outbox) == 2 and reminder.subject.startswith("Recordatorio") and reminder.attachments
    guarantee.refresh_from_db()
    assert guarantee.reminded_at == later
    assert Note.objects.filter(event=world.event, body__contains=GOP_EMAIL, visibility="internal").exists()
    assert documents.guarantees_remind_unanswered(now=later + datetime.timedelta(hours=2)) == 0
    assert tasks.remind_unanswered() == 0 and len(mail.outbox) == 2


def test_expire_job_expires_past_validity_and_releases_the_commitment(world):
    _tmo, _one, guarantee = _issued(world)
    assert remaining_benefit(world) == Decimal("4500.00")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    GuaranteeVersion.objects.filter(guarantee=guarantee).update(
        valid_from=yesterday - datetime.timedelta(days=3), valid_until=yesterday
    )
    assert tasks.expire() == 1
    guarantee.refresh_from_db()
    assert guarantee.status.code == "EXPIRED" and remaining_benefit(world) == Decimal("5000.00")
    code = guarantee.current_version.verification_code
    assert "Expired" in Client().get(f"/verify/{code}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert tasks.expire() == 0
