"""Start and drive the test OpenID provider (tests/e2e/oidc-provider/server.js, node's oidc-provider).

The provider is a real, separate process on loopback. Its accounts live in a JSON file that it
re-reads on every use, so a test changes an operator's Cognito groups by rewriting the file.
"""

import json
import os
import secrets
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import requests

E2E_DIR = Path(__file__).resolve().parent
SERVER_SCRIPT = E2E_DIR / "oidc-provider" / "server.js"
START_TIMEOUT_SECONDS = 30


def ensure_node_modules() -> None:
    """Install the pinned npm packages (package-lock.json) once, when node_modules is missing."""
    if (E2E_DIR / "node_modules" / "oidc-provider" / "package.json").is_file():
        return
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise RuntimeError("The end-to-end login tests need Node.js and npm (Debian: apt-get install nodejs npm).")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=E2E_DIR, check=True, timeout=600)


@dataclass
class Account:
    """One identity in the provider, shaped like a Cognito user (groups end up in the ID token)."""

    email: str
    groups: list[str]
    email_verified: bool = True
    sub: str = field(default_factory=lambda: f"sub-{secrets.token_hex(8)}")
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    given_name: str = "Ana"
    family_name: str = "Operator"

    def as_json(self) -> dict:
        return {
            "sub": self.sub,
            "email": self.email,
            "email_verified": self.email_verified,
            "password": self.password,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "cognito:groups": self.groups,
        }


class OidcProvider:
    """The node process and what the Django side needs to know about it."""

    def __init__(self, *, redirect_uri: str, post_logout_redirect_uri: str, workdir: Path):
        self.client_id = f"bigtree-admin-{secrets.token_hex(4)}"
        self.client_secret = secrets.token_hex(24)  # hex: safe in HTTP Basic without extra encoding
        self.accounts_file = workdir / "accounts.json"
        self.redirect_uri = redirect_uri
        self.post_logout_redirect_uri = post_logout_redirect_uri
        self.process: subprocess.Popen | None = None
        self.issuer = ""
        self.discovery: dict = {}
        self._output: list[str] = []

    def set_accounts(self, *accounts: Account) -> None:
        tmp = self.accounts_file.with_suffix(".tmp")
        tmp.write_text(json.dumps([account.as_json() for account in accounts]))
        tmp.replace(self.accounts_file)  # atomic: the provider never reads a half-written file

    def start(self) -> "OidcProvider":
        ensure_node_modules()
        self.set_accounts()
        env = {
            **os.environ,
            "OP_PORT": "0",
            "OP_CLIENT_ID": self.client_id,
            "OP_CLIENT_SECRET": self.client_secret,
            "OP_REDIRECT_URIS": self.redirect_uri,
            "OP_POST_LOGOUT_REDIRECT_URIS": self.post_logout_redirect_uri,
            "OP_ACCOUNTS_FILE": str(self.accounts_file),
        }
        self.process = subprocess.Popen(
            [shutil.which("node") or "node", str(SERVER_SCRIPT)],
            cwd=E2E_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        ready = threading.Event()
        threading.Thread(target=self._read_output, args=(ready,), daemon=True).start()
        if not ready.wait(START_TIMEOUT_SECONDS):
            self.stop()
            raise RuntimeError("The test OpenID provider did not start:\n" + "".join(self._output))
        self._wait_for_discovery()
        return self

    def _read_output(self, ready: threading.Event) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self._output.append(line)
            if line.startswith("OP_READY "):
                self.issuer = line.split(" ", 1)[1].strip()
                ready.set()

    def _wait_for_discovery(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                response = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2)
                if response.status_code == 200:
                    self.discovery = response.json()
                    return
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("The test OpenID provider never served its discovery document.")
            time.sleep(0.1)

    def django_settings(self) -> dict:
        """The settings that point mozilla-django-oidc at this provider."""
        return {
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.discovery["authorization_endpoint"],
            "OIDC_OP_TOKEN_ENDPOINT": self.discovery["token_endpoint"],
            "OIDC_OP_USER_ENDPOINT": self.discovery["userinfo_endpoint"],
            "OIDC_OP_JWKS_ENDPOINT": self.discovery["jwks_uri"],
            "OIDC_OP_LOGOUT_ENDPOINT": self.discovery["end_session_endpoint"],
            "OIDC_OP_ISSUER": self.discovery["issuer"],
            "OIDC_OP_LOGOUT_URL_METHOD": "apps.accounts.oidc.end_session_logout_url",
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
        }

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


class _FormParser(HTMLParser):
    """Collects the forms of a page: action, method and the named inputs with their values."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "method": attrs.get("method", "get"), "fields": {}})
        elif tag in {"input", "button"} and self.forms and attrs.get("name"):
            self.forms[-1]["fields"].setdefault(attrs["name"], attrs.get("value", ""))


def forms_of(html: str) -> list[dict]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms
