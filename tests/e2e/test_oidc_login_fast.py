"""Admin login through the real OIDC provider, scripted with requests (no browser): the fast path.

The provider (node's oidc-provider) checks PKCE, the client secret and the redirect URI itself;
Django's side checks state, nonce and the ID token's signature against the provider's JWKS.
"""

import secrets

import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from apps.accounts.models import User
from apps.accounts.oidc import OperatorOIDCBackend
from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP
from tests.accounts.factories import UserFactory
from tests.e2e.flows import (
    authorization_request,
    django_session,
    expire_id_token,
    login,
    start_login,
    stored_id_token_claims,
    submit_credentials,
)
from tests.e2e.oidc_provider import forms_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NO_ACCESS = "Your account has no access to this application. Ask an administrator to add you to a group."


def _spanish(text: str) -> str:
    # The admin answers in Spanish by default; the message appears translated once the catalog has it.
    with translation.override("es"):
        return translation.gettext(text)


def _group_names(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_operator_signs_in_and_groups_come_from_the_id_token(oidc, make_account, http, live_server, monkeypatch):
    userinfo_answers = []
    real_get_userinfo = OperatorOIDCBackend.get_userinfo

    def recording_get_userinfo(self, access_token, id_token, payload):
        answer = real_get_userinfo(self, access_token, id_token, payload)
        userinfo_answers.append(answer)
        return answer

    monkeypatch.setattr(OperatorOIDCBackend, "get_userinfo", recording_get_userinfo)
    account = make_account("ana@bigtree.test", groups=[TMO_GROUP])

    provider_page = start_login(http, live_server.url, next_path="/admin/assistances/event/")
    auth_request = authorization_request(provider_page, oidc.discovery["authorization_endpoint"])
    assert auth_request["code_challenge_method"] == "S256" and len(auth_request["code_challenge"]) == 43
    assert auth_request["nonce"] and auth_request["state"]
    assert auth_request["scope"] == "openid email profile"

    response = submit_credentials(http, provider_page, account)

    assert response.status_code == 200
    assert response.url == f"{live_server.url}/admin/assistances/event/"
    user = User.objects.get(cognito_sub=account.sub)
    assert (user.email, user.first_name, user.is_staff, user.is_superuser) == ("ana@bigtree.test", "Ana", True, False)
    assert _group_names(user) == {TMO_GROUP}
    assert not user.has_usable_password()
    # Cognito's shape: groups in the (verified) ID token, not in the userinfo answer.
    assert stored_id_token_claims(django_session(http))["cognito:groups"] == [TMO_GROUP]
    assert userinfo_answers and all("cognito:groups" not in answer for answer in userinfo_answers)
    assert userinfo_answers[0]["email"] == "ana@bigtree.test"


def test_second_login_matches_by_sub_even_after_an_email_change(oidc, make_account, http, live_server):
    account = make_account("old@bigtree.test", groups=[TMO_GROUP])
    assert login(http, live_server.url, account).url == f"{live_server.url}/admin/"
    first = User.objects.get(cognito_sub=account.sub)

    make_account.update(account, email="new@bigtree.test")
    http.cookies.clear()
    assert login(http, live_server.url, account).url == f"{live_server.url}/admin/"

    assert User.objects.filter(cognito_sub=account.sub).count() == 1
    assert User.objects.get(pk=first.pk).email == "new@bigtree.test"


def test_user_in_no_mapped_group_is_refused(oidc, make_account, http, live_server):
    account = make_account("stranger@bigtree.test", groups=["some-other-group"])

    response = login(http, live_server.url, account)

    assert response.url.startswith(f"{live_server.url}/admin/login/")
    assert _spanish(NO_ACCESS) in response.text
    assert not User.objects.filter(email="stranger@bigtree.test").exists()
    assert http.get(f"{live_server.url}/admin/", allow_redirects=False).status_code == 302


def test_wrong_pkce_verifier_is_rejected_by_the_provider(oidc, make_account, http, live_server):
    account = make_account("ana@bigtree.test", groups=[TMO_GROUP])
    provider_page = start_login(http, live_server.url)
    session = django_session(http)
    states = session["oidc_states"]
    assert len(states) == 1
    state = next(iter(states))
    # Only the verifier changes: the provider must refuse to exchange the code.
    states[state]["code_verifier"] = secrets.token_urlsafe(48)
    session["oidc_states"] = states
    session.save()

    response = submit_credentials(http, provider_page, account)

    assert response.url.startswith(f"{live_server.url}/admin/login/")
    assert not User.objects.filter(cognito_sub=account.sub).exists()


def test_replayed_callback_is_refused(oidc, make_account, http, live_server):
    account = make_account("ana@bigtree.test", groups=[TMO_GROUP])
    response = login(http, live_server.url, account)
    callback = next(hop for hop in response.history if "/oidc/callback/" in hop.url)

    replay = http.get(callback.url, allow_redirects=False)

    # The state was used up: the callback acts on nothing (no second code exchange, no sign-out) and
    # sends the operator, still signed in, back to the admin.
    assert replay.status_code == 302 and replay.headers["Location"] == "/admin/"
    assert http.get(f"{live_server.url}/admin/", allow_redirects=False).status_code == 200


def test_wrong_password_at_the_provider_keeps_the_user_out(oidc, make_account, http, live_server):
    account = make_account("ana@bigtree.test", groups=[TMO_GROUP])
    provider_page = start_login(http, live_server.url)

    response = submit_credentials(http, provider_page, account, password="not-the-password")

    assert response.url.startswith(oidc.issuer) and "Incorrect e-mail or password." in response.text
    assert not User.objects.filter(cognito_sub=account.sub).exists()


@pytest.mark.parametrize("verified", [True, False])
def test_existing_account_is_linked_only_with_a_verified_email(oidc, make_account, http, live_server, verified):
    existing = UserFactory(email="ana@bigtree.test", is_staff=True)
    account = make_account("ana@bigtree.test", groups=[TMO_GROUP], email_verified=verified)

    response = login(http, live_server.url, account)

    existing.refresh_from_db()
    if verified:
        assert response.url == f"{live_server.url}/admin/"
        assert existing.cognito_sub == account.sub
    else:
        assert response.url.startswith(f"{live_server.url}/admin/login/")
        assert existing.cognito_sub is None
    assert User.objects.filter(email__iexact="ana@bigtree.test").count() == 1


def test_session_refresh_resyncs_groups_and_removes_access(oidc, make_account, http, live_server):
    account = make_account("ana@bigtree.test", groups=[TMO_GROUP])
    login(http, live_server.url, account)
    user = User.objects.get(cognito_sub=account.sub)

    # Promoted in Cognito: the silent refresh (prompt=none, no form) brings the new group.
    make_account.update(account, groups=[ADMIN_GROUP])
    expire_id_token(django_session(http))
    response = http.get(f"{live_server.url}/admin/")
    assert authorization_request(response, oidc.discovery["authorization_endpoint"])["prompt"] == "none"
    assert response.url == f"{live_server.url}/admin/"
    assert _group_names(user) == {ADMIN_GROUP}

    # Removed from every group: the next refresh ends the session and demotes the user.
    make_account.update(account, groups=[])
    expire_id_token(django_session(http))
    response = http.get(f"{live_server.url}/admin/")
    assert response.url.startswith(f"{live_server.url}/admin/login/")
    assert _spanish(NO_ACCESS) in response.text
    user.refresh_from_db()
    assert not user.is_staff and _group_names(user) == set()
    assert http.get(f"{live_server.url}/admin/", allow_redirects=False).status_code == 302


def test_manually_granted_groups_survive_the_sync(oidc, make_account, http, live_server):
    account = make_account("ana@bigtree.test", groups=[TMO_GROUP])
    login(http, live_server.url, account)
    user = User.objects.get(cognito_sub=account.sub)
    extra = Group.objects.create(name="night-shift")
    user.groups.add(extra)

    make_account.update(account, groups=[ADMIN_GROUP])
    expire_id_token(django_session(http))
    http.get(f"{live_server.url}/admin/")

    assert _group_names(user) == {ADMIN_GROUP, "night-shift"}


def test_background_requests_get_a_problem_instead_of_a_redirect(oidc, make_account, http, live_server):
    account = make_account("ana@bigtree.test", groups=[TMO_GROUP])
    login(http, live_server.url, account)
    expire_id_token(django_session(http))
    url = f"{live_server.url}/v1/masters/categories"

    fetch = http.get(url, headers={"Sec-Fetch-Mode": "cors"}, allow_redirects=False)
    assert fetch.status_code == 401
    assert fetch.headers["Content-Type"] == "application/problem+json"
    assert fetch.json()["code"] == "session_refresh_required"
    assert fetch.json()["refresh_url"].startswith(oidc.discovery["authorization_endpoint"])

    navigation = http.get(url, headers={"Sec-Fetch-Mode": "navigate"}, allow_redirects=False)
    assert navigation.status_code == 302
    assert navigation.headers["Location"].startswith(oidc.discovery["authorization_endpoint"])


def test_logout_ends_the_provider_session(oidc, make_account, http, live_server):
    account = make_account("ana@bigtree.test", groups=[TMO_GROUP])
    login(http, live_server.url, account)

    # While the provider's session lives, signing in again needs no password (single sign-on) ...
    for cookie in [cookie for cookie in http.cookies if cookie.name in {"sessionid", "csrftoken"}]:
        http.cookies.clear(cookie.domain, cookie.path, cookie.name)
    response = start_login(http, live_server.url)
    assert response.url == f"{live_server.url}/admin/"

    # ... and the admin's logout button ends it too.
    admin_page = http.get(f"{live_server.url}/admin/")
    logout_form = next(form for form in forms_of(admin_page.text) if form["action"].endswith("/admin/logout/"))
    response = http.post(f"{live_server.url}/admin/logout/", data=logout_form["fields"])
    assert response.url.startswith(oidc.discovery["end_session_endpoint"])
    confirm = next(form for form in forms_of(response.text) if "xsrf" in form["fields"])
    response = http.post(confirm["action"], data={**confirm["fields"], "logout": "yes"})
    assert response.url.startswith(f"{live_server.url}/admin/login/")
    assert http.get(f"{live_server.url}/admin/", allow_redirects=False).status_code == 302

    response = start_login(http, live_server.url)
    assert "/interaction/" in response.url and 'name="password"' in response.text
