"""API clients and keys in the admin: writes through the services, a key's plaintext shown once."""

import hashlib
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.clients.models import ApiClient, ApiKey
from tests.clients.factories import audit_entries, make_partner
from tests.clients.support import READ, WRITE

pytestmark = pytest.mark.django_db

KEY_IN_MESSAGE = re.compile(r"(bta_[A-Za-z0-9_-]{40,})")
INLINE = {"api_keys-TOTAL_FORMS": "0", "api_keys-INITIAL_FORMS": "0", "api_keys-MAX_NUM_FORMS": "1000"}


def _shown_keys(response) -> list[str]:
    return [m for message in get_messages(response.wsgi_request) for m in KEY_IN_MESSAGE.findall(str(message))]


def test_creating_a_client(admin_browser, admin_user):
    response = admin_browser.post(
        reverse("admin:clients_apiclient_add"),
        {
            "name": "KOM production",
            "source_code": "KOM",
            "cognito_client_id": "3n4b5urk1ft4fl3mg5e62d9ado",
            "allowed_scopes": [WRITE, READ],
            "is_active": "on",
            "rate_per_second": "10",
            "burst": "20",
            "monthly_quota": "10000",
            "notes": "",
            **INLINE,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client = ApiClient.objects.get()
    assert client.allowed_scopes == [READ, WRITE] and client.created_by == admin_user
    assert audit_entries(action="create", object_type="clients.apiclient", actor_id=str(admin_user.pk))


def test_an_unknown_scope_cannot_be_chosen(admin_browser):
    response = admin_browser.post(
        reverse("admin:clients_apiclient_add"),
        {
            "name": "X",
            "source_code": "KOM",
            "cognito_client_id": "x",
            "allowed_scopes": ["admin/everything"],
            "rate_per_second": "10",
            "burst": "20",
            "monthly_quota": "10000",
            **INLINE,
        },
    )
    assert response.status_code == 200 and not ApiClient.objects.exists()


def test_adding_a_key_shows_its_plaintext_once(admin_browser, admin_user):
    partner = make_partner()
    response = admin_browser.post(reverse("admin:clients_apikey_add"), {"client": partner.client.pk, "label": "prod"})
    assert response.status_code == 302
    (shown,) = _shown_keys(response)
    key = ApiKey.objects.get(label="prod")
    assert key.key_hash == hashlib.sha256(shown.encode()).hexdigest() and key.created_by == admin_user

    # The page the admin goes to next shows it (the one display), and no page ever shows it again:
    # not the key's page, the list, nor the client's page.
    assert admin_browser.get(response["Location"]).content.decode().count(shown) == 1
    for url in (
        reverse("admin:clients_apikey_change", args=[key.pk]),
        reverse("admin:clients_apikey_changelist"),
        reverse("admin:clients_apiclient_change", args=[partner.client.pk]),
    ):
        page = admin_browser.get(url)
        assert page.status_code == 200
        body = page.content.decode()
        assert shown not in body and key.key_hash not in body and partner.key not in body
        assert key.prefix in body


def test_issue_key_action_on_clients(admin_browser):
    first, second = make_partner(source="KOM", name="a"), make_partner(source="MOK", name="b")
    response = admin_browser.post(
        reverse("admin:clients_apiclient_changelist"),
        {"action": "issue_key", "_selected_action": [first.client.pk, second.client.pk]},
    )
    assert response.status_code == 302
    shown = _shown_keys(response)
    assert len(shown) == 2
    hashes = {hashlib.sha256(k.encode()).hexdigest() for k in shown}
    assert hashes <= set(ApiKey.objects.values_list("key_hash", flat=True))


def test_revoke_and_rotate_actions(admin_browser):
    partner = make_partner()
    key = ApiKey.objects.get()
    rotated = admin_browser.post(
        reverse("admin:clients_apikey_changelist"), {"action": "rotate", "_selected_action": [key.pk]}
    )
    (successor,) = _shown_keys(rotated)
    key.refresh_from_db()
    assert key.revoked_at is not None and key.is_usable()  # 24 hours of overlap
    assert ApiKey.objects.filter(key_hash=hashlib.sha256(successor.encode()).hexdigest(), client=partner.client)

    admin_browser.post(
        reverse("admin:clients_apikey_changelist"), {"action": "revoke_now", "_selected_action": [key.pk]}
    )
    key.refresh_from_db()
    assert not key.is_usable()


def test_keys_are_not_edited_nor_deleted(admin_browser):
    partner, other = make_partner(), make_partner(source="MOK", name="other")
    key = ApiKey.objects.get(client=partner.client)
    assert admin_browser.get(reverse("admin:clients_apikey_delete", args=[key.pk])).status_code == 403
    admin_browser.post(
        reverse("admin:clients_apikey_change", args=[key.pk]), {"label": "changed", "client": other.client.pk}
    )
    key.refresh_from_db()
    assert (key.label, key.client_id) == ("", partner.client.pk)


def test_operators_do_not_manage_api_clients(client, operator):
    client.force_login(operator)
    assert client.get(reverse("admin:clients_apiclient_changelist")).status_code == 403
    assert client.get(reverse("admin:clients_apikey_changelist")).status_code == 403


def test_a_new_keys_plaintext_never_travels_in_a_cookie(admin_browser):
    """Messages live in the session (server side): the signed, not encrypted, messages cookie would
    carry the key to the browser's storage and every later request."""
    partner = make_partner()
    response = admin_browser.post(reverse("admin:clients_apikey_add"), {"client": partner.client.pk, "label": "c"})
    assert response.status_code == 302
    page = admin_browser.get(response["Location"])
    (shown,) = KEY_IN_MESSAGE.findall(page.content.decode())  # shown once, on the page after the redirect
    for cookie in [*response.cookies.values(), *page.cookies.values(), *admin_browser.cookies.values()]:
        assert cookie.key != "messages"
        assert shown not in cookie.value and shown[4:20] not in cookie.value, cookie.key
    assert shown not in admin_browser.get(response["Location"]).content.decode()  # and only once
