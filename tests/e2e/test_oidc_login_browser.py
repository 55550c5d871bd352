"""Admin login through the real OIDC provider in a real browser (Debian's chromium via Playwright).

An operator clicks "Sign in with Cognito" on the admin login page, signs in on the provider's own
form and lands back in the admin; the screenshot of the case list is kept as a test artifact.
"""

import re

import pytest
from django.utils import translation

from apps.accounts.models import User
from apps.accounts.roles import TMO_GROUP

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CASE_LIST = "/admin/assistances/event/"
NO_ACCESS = "Your account has no access to this application. Ask an administrator to add you to a group."


def _sign_in_at_provider(page, account) -> None:
    page.fill("#email", account.email)
    page.fill("#password", account.password)
    page.click("#submit")


def _open_admin_and_click_cognito(page, live_server, path=CASE_LIST) -> None:
    page.goto(f"{live_server.url}{path}")
    # Not signed in: the admin sends the browser to its login page, which offers the OIDC button.
    page.wait_for_url(re.compile(r"/admin/login/"))
    page.click("#oidc-login")


def _log_out_everywhere(page, oidc, live_server) -> None:
    page.click("#logout-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(oidc.discovery["end_session_endpoint"])))
    page.click("button[name=logout][value=yes]")  # the provider's own confirmation
    page.wait_for_url(re.compile(re.escape(f"{live_server.url}/admin/login/")))


def test_operator_logs_in_with_the_cognito_button_and_lands_on_the_case_list(
    oidc, make_account, page, live_server, artifacts_dir
):
    account = make_account("ana@bigtree.test", groups=[TMO_GROUP])

    _open_admin_and_click_cognito(page, live_server)
    page.wait_for_url(re.compile(re.escape(f"{oidc.issuer}/interaction/")))
    _sign_in_at_provider(page, account)
    page.wait_for_url(f"{live_server.url}{CASE_LIST}")

    assert page.locator("body.change-list").count() == 1
    assert page.locator("#user-tools strong").first.text_content() == "Ana"  # the signed-in operator
    page.screenshot(path=str(artifacts_dir / "oidc-login.png"), full_page=True)
    user = User.objects.get(cognito_sub=account.sub)
    assert user.is_staff and set(user.groups.values_list("name", flat=True)) == {TMO_GROUP}


def test_user_without_a_mapped_group_sees_an_error_and_no_admin(oidc, make_account, page, live_server, artifacts_dir):
    account = make_account("stranger@bigtree.test", groups=[])

    _open_admin_and_click_cognito(page, live_server)
    _sign_in_at_provider(page, account)
    page.wait_for_url(re.compile(re.escape(f"{live_server.url}/admin/login/")))

    with translation.override("es"):
        expected = translation.gettext(NO_ACCESS)
    assert page.locator(".messagelist .error").inner_text().strip() == expected
    page.screenshot(path=str(artifacts_dir / "oidc-login-refused.png"))
    page.goto(f"{live_server.url}{CASE_LIST}")
    assert "/admin/login/" in page.url
    assert not User.objects.filter(email="stranger@bigtree.test").exists()


def test_logout_ends_the_provider_session_so_the_next_login_asks_for_credentials(oidc, make_account, page, live_server):
    account = make_account("ana@bigtree.test", groups=[TMO_GROUP])
    _open_admin_and_click_cognito(page, live_server)
    _sign_in_at_provider(page, account)
    page.wait_for_url(f"{live_server.url}{CASE_LIST}")

    _log_out_everywhere(page, oidc, live_server)
    page.click("#oidc-login")

    page.wait_for_url(re.compile(re.escape(f"{oidc.issuer}/interaction/")))
    assert page.locator("#password").is_visible()


def test_group_removed_in_the_provider_means_no_access_at_next_login(oidc, make_account, page, live_server):
    account = make_account("ana@bigtree.test", groups=[TMO_GROUP])
    _open_admin_and_click_cognito(page, live_server)
    _sign_in_at_provider(page, account)
    page.wait_for_url(f"{live_server.url}{CASE_LIST}")
    _log_out_everywhere(page, oidc, live_server)

    make_account.update(account, groups=[])
    page.click("#oidc-login")
    _sign_in_at_provider(page, account)

    page.wait_for_url(re.compile(re.escape(f"{live_server.url}/admin/login/")))
    assert page.locator(".messagelist .error").count() == 1
    page.goto(f"{live_server.url}{CASE_LIST}")
    assert "/admin/login/" in page.url
    user = User.objects.get(cognito_sub=account.sub)
    assert not user.is_staff and not user.groups.exists()
