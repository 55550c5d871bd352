"""The schema-wide partner isolation check against a real gunicorn running the production settings.

Same requests and rules as ``test_isolation_schema`` (every operation of the schema, foreign and
missing objects answered alike, nothing of the owner's shown), sent over HTTP to gunicorn started
with ``config.settings.production``: MySQL with its own user and password, Redis usage plans, the
audit publisher on moto's SQS, S3-signed document URLs, no browsable renderer, TLS redirect on
(the requests carry the ALB's ``X-Forwarded-Proto``). The data is committed, so the server sees it.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.aws.server import free_port
from tests.clients.isolation import Scenario, check_isolation, owned_rows
from tests.clients.support import READ, WRITE, access_claims, sign
from tests.clients.usage_support import REDIS_TEST_URL, delete_prefix, redis_or_fail, unique_prefix
from tests.workers.harness import create_sqs_setup

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]
DB_USER = "bigtree_isolation"


class _Answer:
    """What ``check_isolation`` reads of an answer: status, raw content, JSON."""

    def __init__(self, response: requests.Response):
        self.status_code = response.status_code
        self.content = response.content
        self._response = response

    def json(self):
        return self._response.json()


class HttpPartner:
    """An API client over real HTTP with a partner's token and key, speaking like DRF's test client."""

    def __init__(self, base: str, token: str, key: str):
        self.base = base
        self.session = requests.Session()
        self.session.headers.update(
            {"Authorization": f"Bearer {token}", "x-api-key": key, "X-Forwarded-Proto": "https"}
        )

    def _send(self, method: str, path: str, data=None, format: str | None = None):
        if method == "GET":
            response = self.session.get(self.base + path, params=data or {}, allow_redirects=False, timeout=30)
        elif format == "multipart":
            files = {name: (getattr(f, "name", name), f.read(), "application/pdf") for name, f in data.items()}
            response = self.session.request(method, self.base + path, files=files, allow_redirects=False, timeout=30)
        else:
            response = self.session.request(method, self.base + path, json=data, allow_redirects=False, timeout=30)
        return _Answer(response)

    def get(self, path, data=None, **_):
        return self._send("GET", path, data)

    def post(self, path, data=None, format=None):
        return self._send("POST", path, data, format)

    def patch(self, path, data=None, format=None):
        return self._send("PATCH", path, data, format)

    def delete(self, path, data=None, format=None):
        return self._send("DELETE", path, data, format)


@pytest.fixture
def database_user():
    """A MySQL user with a password (production settings require one) on the test database only."""
    password = uuid.uuid4().hex
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE USER IF NOT EXISTS '{DB_USER}'@'127.0.0.1' IDENTIFIED BY %s", [password])
        cursor.execute(f"ALTER USER '{DB_USER}'@'127.0.0.1' IDENTIFIED BY %s", [password])
        cursor.execute(f"GRANT ALL PRIVILEGES ON `{name}`.* TO '{DB_USER}'@'127.0.0.1'")
    yield name, password
    with connection.cursor() as cursor:
        cursor.execute(f"DROP USER IF EXISTS '{DB_USER}'@'127.0.0.1'")


@pytest.fixture
def production_server(tmp_path, database_user, issuer, aws):
    redis_or_fail()
    name, password = database_user
    setup = create_sqs_setup(aws)
    prefix = unique_prefix()
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "S3_", "TEST_"))}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PUBLIC_BASE_URL": "https://assist.example.com",
        "DEFAULT_FROM_EMAIL": "guarantees@assist.example.com",
        "DATABASE_HOST": "127.0.0.1",
        "DATABASE_NAME": name,
        "DATABASE_USER": DB_USER,
        "DATABASE_PASSWORD": password,
        "DATABASE_TLS": "false",
        "S3_FILE_BUCKET": "file",
        "S3_DATASOURCE_BUCKET": "datasourcemaster",
        "S3_ASSISTS_BUCKET": "assists",
        "S3_ISSUANCE_BUCKET": "issuance-mok-docs",
        "COGNITO_DOMAIN": "https://auth.assist.example.com",
        "COGNITO_USER_POOL_ID": "us-east-2_Isolation",
        "COGNITO_ISSUER": issuer,
        "OIDC_RP_CLIENT_ID": "isolation-admin-client",
        "OIDC_RP_CLIENT_SECRET": uuid.uuid4().hex,
        "CELERY_BROKER_URL": setup.broker_url,
        "SQS_QUEUE_URL_BASE": setup.url_base,
        "REDIS_URL": REDIS_TEST_URL,
        "USAGE_PLAN_KEY_PREFIX": prefix,
        "AWS_ENDPOINT_URL": aws.endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-2",
        "AWS_DEFAULT_REGION": "us-east-2",
    }
    log = tmp_path / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "config.wsgi:application"], cwd=ROOT, env=env, stdout=output, stderr=output
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "gunicorn did not answer in time\n" + log.read_text()
            try:
                if requests.get(base + "/health/live", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        yield base, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        delete_prefix(redis_or_fail(), prefix)


@pytest.mark.parametrize(("owner", "intruder"), [("MOK", "KOM"), ("KOM", "MOK")])
def test_isolation_holds_under_production_settings(
    production_server, isolation_world, isolation_partners, signing_keys, issuer, owner, intruder
):
    base, log = production_server
    sides, shared = isolation_world
    partner = isolation_partners[intruder]
    token = sign(access_claims(issuer=issuer, client_id=partner.client_id, scopes=(READ, WRITE)), signing_keys["a"])
    api = HttpPartner(base, token, partner.key)
    document = requests.get(
        base + "/v1/schema/",
        headers={"Accept": "application/vnd.oai.openapi+json", "X-Forwarded-Proto": "https"},
        timeout=30,
    ).json()
    before = owned_rows(owner)
    problems, compared = check_isolation(
        api, document, Scenario(owner=owner, intruder=intruder, shared=shared), sides[owner]
    )
    assert not problems, "\n".join(problems) + "\n" + log.read_text()[-3000:]
    assert owned_rows(owner) == before
    assert compared > 40
    # The partner's own data is served as usual.
    mine = sides[intruder]
    assert api.get(f"/v1/assistances/events/{mine.case_id}").status_code == 200
