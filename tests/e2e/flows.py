"""The admin login flow scripted with requests (the fast path, no browser) and session helpers."""

import html
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
from django.contrib.sessions.backends.db import SessionStore

from tests.e2e.oidc_provider import Account, forms_of


def start_login(http, base_url: str, next_path: str = "/admin/"):
    """Open the admin login page and follow its "Sign in with Cognito" button to the provider."""
    login_page = http.get(f"{base_url}/admin/login/", params={"next": next_path})
    assert login_page.status_code == 200, login_page.text[:500]
    match = re.search(r'id="oidc-login" href="([^"]+)"', login_page.text)
    assert match, "the admin login page offers no OIDC sign-in"
    return http.get(urljoin(base_url, html.unescape(match.group(1))))


def submit_credentials(http, provider_page, account: Account, password: str | None = None):
    """Fill the provider's sign-in form; requests follows the redirects back to Django."""
    form = next(form for form in forms_of(provider_page.text) if "email" in form["fields"])
    data = {"email": account.email, "password": password or account.password}
    return http.post(urljoin(provider_page.url, form["action"]), data=data)


def login(http, base_url: str, account: Account, next_path: str = "/admin/"):
    provider_page = start_login(http, base_url, next_path)
    assert "/interaction/" in provider_page.url, provider_page.url
    return submit_credentials(http, provider_page, account)


def authorization_request(response, authorization_endpoint: str) -> dict:
    """The query of the redirect to the provider's authorization endpoint found in ``response``'s history."""
    for hop in [*response.history, response]:
        location = hop.headers.get("Location", "")
        if location.startswith(authorization_endpoint):
            return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
    raise AssertionError("no redirect to the authorization endpoint")


def django_session(http) -> SessionStore:
    session_key = http.cookies.get("sessionid")
    assert session_key, "no Django session cookie"
    return SessionStore(session_key=session_key)


def expire_id_token(session: SessionStore) -> None:
    """Make the session due for the silent refresh, as if OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS had passed."""
    session["oidc_id_token_expiration"] = 0
    session.save()


def stored_id_token_claims(session: SessionStore) -> dict:
    # Already verified by the backend at sign-in; here only read back.
    return jwt.decode(session["oidc_id_token"], options={"verify_signature": False})
