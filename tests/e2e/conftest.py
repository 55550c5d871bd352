"""Fixtures of the end-to-end login tests: the OpenID provider, the live Django server and a browser.

Everything runs on loopback: node's oidc-provider on 127.0.0.1, Django's live server on localhost
(a different host name, so the two keep separate cookies as two real sites would), and Debian's
chromium driven by Playwright (never a downloaded browser).
"""

import shutil
from pathlib import Path

import pytest
import requests

from tests.e2e.oidc_provider import Account, OidcProvider

ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    """One provider process for the run; its client redirects to this run's live server."""
    provider = OidcProvider(
        redirect_uri=f"{live_server.url}/oidc/callback/",
        post_logout_redirect_uri=f"{live_server.url}/admin/login/",
        workdir=tmp_path_factory.mktemp("oidc-provider"),
    ).start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc(oidc_provider, settings):
    """Django pointed at the test provider (settings are process-wide, so the live server sees them)."""
    for name, value in oidc_provider.django_settings().items():
        setattr(settings, name, value)
    settings.ADMIN_PASSWORD_LOGIN = True
    oidc_provider.set_accounts()
    yield oidc_provider
    oidc_provider.set_accounts()


@pytest.fixture
def make_account(oidc):
    """Create provider accounts for this test: ``make_account(email, groups=[...])``."""
    accounts: list[Account] = []

    def make(email: str, groups: list[str], **kwargs) -> Account:
        account = Account(email=email, groups=groups, **kwargs)
        accounts.append(account)
        oidc.set_accounts(*accounts)
        return account

    def update(account: Account, **changes) -> None:
        for name, value in changes.items():
            setattr(account, name, value)
        oidc.set_accounts(*accounts)

    make.update = update
    return make


@pytest.fixture
def http(live_server):
    """A requests session (its own cookie jar: one user agent) for the scripted fast path."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def page(transactional_db, monkeypatch):
    """Chromium with a fresh profile (no cookies), in Spanish like the operators' browsers.

    Started per test on purpose: Playwright's sync API keeps an asyncio loop running in this thread
    while it lives, and Django refuses ORM calls while one runs. Depending on ``transactional_db``
    makes the database set up before, and torn down after, the browser.
    """
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("The end-to-end login tests need Debian's chromium (apt-get install chromium).")
    # Only the test's own synchronous checks run in this thread; the live server has its own threads.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="es-AR", viewport={"width": 1280, "height": 800})
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR
