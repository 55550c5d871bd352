"""The admin's login page and logout with OIDC, the password switch, and the session refresh middleware."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from apps.accounts.oidc import cognito_logout_url
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

OIDC_BACKEND = "apps.accounts.oidc.OperatorOIDCBackend"
COGNITO = "https://bigtree-test.auth.us-east-2.amazoncognito.com"


@pytest.fixture
def cognito(settings):
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{COGNITO}/oauth2/authorize"
    settings.OIDC_OP_LOGOUT_ENDPOINT = f"{COGNITO}/logout"
    settings.OIDC_RP_CLIENT_ID = "bigtree-admin"
    settings.OIDC_OP_LOGOUT_URL_METHOD = "apps.accounts.oidc.cognito_logout_url"
    return settings


def oidc_login(client, user, *, token_expires_in: float = 600):
    """A session as the OIDC callback leaves it (the flow itself runs in tests/e2e)."""
    client.force_login(user, backend=OIDC_BACKEND)
    session = client.session
    session["oidc_id_token_expiration"] = time.time() + token_expires_in
    session["oidc_id_token"] = "header.payload.signature"
    session.save()


# --- Login page -------------------------------------------------------------------------------


def test_login_page_offers_cognito_and_keeps_next(client, cognito):
    response = client.get("/admin/login/", {"next": "/admin/assistances/event/"})

    assert response.status_code == 200
    assert 'id="oidc-login" href="/oidc/authenticate/?next=/admin/assistances/event/"' in response.content.decode()
    assert 'id="login-form"' in response.content.decode()  # password form on (test default)


def test_login_page_without_a_provider_shows_only_the_password_form(client, settings):
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = ""

    content = client.get("/admin/login/").content.decode()

    assert 'id="oidc-login"' not in content and 'id="login-form"' in content


def test_cognito_button_starts_the_flow_with_pkce_state_and_nonce(client, cognito):
    response = client.get("/oidc/authenticate/", {"next": "/admin/"})

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{COGNITO}/oauth2/authorize"
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert query["client_id"] == "bigtree-admin"
    assert query["redirect_uri"] == "http://testserver/oidc/callback/"
    assert query["scope"] == "openid email profile"
    assert query["code_challenge_method"] == "S256"
    assert query["state"] in client.session["oidc_states"]
    assert client.session["oidc_states"][query["state"]]["nonce"] == query["nonce"]


def test_password_login_switched_off_refuses_posted_passwords(client, cognito):
    cognito.ADMIN_PASSWORD_LOGIN = False
    UserFactory(email="ana@bigtree.test", is_staff=True)

    page = client.get("/admin/login/").content.decode()
    response = client.post("/admin/login/", {"username": "ana@bigtree.test", "password": "a-long-test-password"})

    assert 'id="oidc-login"' in page and 'id="login-form"' not in page
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert not client.login(username="ana@bigtree.test", password="a-long-test-password")
    assert client.get("/admin/").status_code == 302


def test_password_login_switched_on_still_works(client, settings):
    settings.ADMIN_PASSWORD_LOGIN = True
    UserFactory(email="ana@bigtree.test", is_staff=True)

    response = client.post("/admin/login/", {"username": "ana@bigtree.test", "password": "a-long-test-password"})

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


# --- Logout -----------------------------------------------------------------------------------


def test_admin_logout_of_an_oidc_session_goes_to_cognito_logout(client, cognito, operator):
    oidc_login(client, operator)

    response = client.post("/admin/logout/")

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{COGNITO}/logout"
    assert parse_qs(location.query) == {
        "client_id": ["bigtree-admin"],
        "logout_uri": ["http://testserver/admin/login/"],
    }
    assert "_auth_user_id" not in client.session


def test_end_session_logout_sends_the_id_token_hint(client, cognito, operator):
    cognito.OIDC_OP_LOGOUT_URL_METHOD = "apps.accounts.oidc.end_session_logout_url"
    oidc_login(client, operator)

    query = parse_qs(urlsplit(client.post("/admin/logout/")["Location"]).query)

    assert query["id_token_hint"] == ["header.payload.signature"]
    assert query["post_logout_redirect_uri"] == ["http://testserver/admin/login/"]


def test_admin_logout_of_a_password_session_stays_local(client, cognito, operator):
    client.force_login(operator)

    response = client.post("/admin/logout/")

    assert response["Location"] == "/admin/login/"
    assert client.get("/admin/").status_code == 302


def test_logout_url_without_an_oidc_session_is_the_login_page(rf, cognito, operator):
    request = rf.get("/")
    request.session = {}
    assert cognito_logout_url(request) == "/admin/login/"


# --- Session refresh ----------------------------------------------------------------------------


def test_expired_oidc_session_is_refreshed_silently(client, cognito, operator):
    oidc_login(client, operator, token_expires_in=-1)

    response = client.get("/admin/assistances/event/")

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{COGNITO}/oauth2/authorize"
    assert parse_qs(location.query)["prompt"] == ["none"]
    assert client.session["oidc_login_next"] == "/admin/assistances/event/"


def test_fresh_oidc_session_is_not_refreshed(client, cognito, operator):
    oidc_login(client, operator)

    assert client.get("/admin/").status_code == 200


def test_password_sessions_are_never_sent_to_the_provider(client, cognito, operator):
    client.force_login(operator)  # no oidc_id_token_expiration at all

    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Mode": "cors"}, {"X-Requested-With": "XMLHttpRequest"}])
def test_api_calls_from_scripts_get_a_problem_not_a_redirect(client, cognito, operator, headers):
    oidc_login(client, operator, token_expires_in=-1)

    response = client.get("/v1/masters/categories", headers=headers)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "session_refresh_required"
    assert body["refresh_url"].startswith(f"{COGNITO}/oauth2/authorize?")


def test_writes_are_not_interrupted_by_the_refresh(client, cognito, operator):
    oidc_login(client, operator, token_expires_in=-1)

    # Only GETs are refreshed: a POST reaches the view (here the logout) as usual.
    assert client.post("/admin/logout/")["Location"].startswith(f"{COGNITO}/logout?")


# --- Admin display ----------------------------------------------------------------------------


def test_user_admin_shows_the_cognito_subject(admin_browser):
    linked = UserFactory(email="linked@bigtree.test", cognito_sub="0f9e-sub")

    change = admin_browser.get(f"/admin/accounts/user/{linked.pk}/change/").content.decode()
    search = admin_browser.get("/admin/accounts/user/", {"q": "0f9e-sub"}).content.decode()

    assert 'name="cognito_sub"' in change and 'value="0f9e-sub"' in change
    assert "linked@bigtree.test" in search


# --- The callback acts only on a sign-in this session started (no logout CSRF) ----------------------


@pytest.mark.parametrize(
    "query",
    [{"error": "access_denied"}, {}, {"error": "login_required", "state": "forged"}, {"code": "x", "state": "forged"}],
)
def test_a_callback_without_a_pending_state_changes_nothing(client, cognito, query):
    user = UserFactory(is_staff=True)
    oidc_login(client, user)
    response = client.get("/oidc/callback/", query)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200  # still signed in
    assert "_auth_user_id" in client.session


def test_a_refused_refresh_with_its_pending_state_still_signs_out(client, cognito):
    user = UserFactory(is_staff=True)
    oidc_login(client, user)
    session = client.session
    session["oidc_states"] = {"pending-state": {"nonce": "n", "code_verifier": None, "added_on": time.time()}}
    session.save()
    response = client.get("/oidc/callback/", {"error": "login_required", "state": "pending-state"})
    assert response.status_code == 302 and response["Location"] == "/admin/login/"
    assert "_auth_user_id" not in client.session
