"""An outside integrator's view: a Python client generated from the served /v1/schema/ with
openapi-python-client, and a partner scenario written only against that client (no raw HTTP), run
against a live server. If the schema says less or other than the server does, this breaks.

    openapi-python-client generate --url http://127.0.0.1:8000/v1/schema/?format=json --meta none \\
        --output-path bigtree_client                     # (the README's partner section)
"""

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from apps.clients.models import ApiClient
from apps.clients.scopes import ALL_SCOPES
from tests.clients.factories import make_partner
from tests.providers.factories import LocationFactory, ProviderFactory
from tests.vouchers.factories import BenefitFactory, VoucherFactory, assistance, country

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PACKAGE = "bigtree_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_setup, django_db_blocker):
    """The client package, generated once from the schema the application serves."""
    with django_db_blocker.unblock():
        schema = Client().get("/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    folder = tmp_path_factory.mktemp("generated")
    (folder / "openapi.json").write_text(json.dumps(schema))
    tool = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert tool, "openapi-python-client is missing: make install (requirements/local.txt)"
    result = subprocess.run(
        [tool, "generate", "--path", "openapi.json", "--meta", "none", "--output-path", PACKAGE],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Generated cleanly: the tool warns about every operation or schema it could not express.
    warnings = [line for line in result.stdout.splitlines() if "Unable to" in line or "Cannot" in line]
    assert not warnings, result.stdout
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _api(generated, name: str):
    group = name.split("_", maxsplit=1)[0]
    return importlib.import_module(f"{PACKAGE}.api.{group}.{name}")


def _model(generated, name: str):
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


@pytest.fixture
def world(db):
    es = country("ES")
    country("AR")
    voucher = VoucherFactory(source="KOM", worldwide=True, residence_country=country("AR"), number="KOM-GEN-1")
    BenefitFactory(voucher=voucher, assistance=assistance("MED_EMERGENCY"))
    provider = ProviderFactory(assistances=[assistance("MED_EMERGENCY")], country=es)
    LocationFactory(provider=provider, latitude=40.4168, longitude=-3.7038, country=es)
    partner = make_partner(source="KOM", scopes=ALL_SCOPES)
    return {"voucher": voucher, "partner": partner}


@pytest.fixture
def client(generated, world, live_server, token_for):
    partner = world["partner"]
    token = token_for(partner, scopes=ALL_SCOPES)
    return generated.AuthenticatedClient(
        base_url=live_server.url, token=token, headers={"x-api-key": partner.key, "Accept-Language": "en"}
    )


def test_a_partner_scenario_with_the_generated_client(generated, client, world):
    problem = _model(generated, "ProblemDetails")

    # Catalogs and the provider network.
    categories = _api(generated, "masters_categories_list").sync(client=client)
    assert "MEDICAL" in {c.code for c in categories.results}
    hits = _api(generated, "providers_searchs_retrieve").sync(
        client=client, lat=40.42, lng=-3.70, radius_km=50, assistance="MED_EMERGENCY"
    )
    assert hits.count >= 1

    # Open a case with an Idempotency-Key, then replay it: the same case, marked as replayed.
    create = _api(generated, "assistances_events_create")
    body = _model(generated, "EventCreateRequest")(
        source_code=_model(generated, "SourceCodeEnum").KOM,
        external_reference="GEN-1",
        voucher=world["voucher"].number,
        traveller_name="Ana Pérez",
        assistance="MED_EMERGENCY",
        country="ES",
    )
    first = create.sync_detailed(client=client, body=body, idempotency_key="gen-key-1")
    assert first.status_code == 201, first.content
    case = first.parsed
    again = create.sync_detailed(client=client, body=body, idempotency_key="gen-key-1")
    assert again.parsed.id == case.id and again.headers["Idempotent-Replayed"] == "true"
    assert case.coverage.covered is True  # typed, not a bare dict

    # Read it back; a conditional GET of what the client has is a 304.
    retrieve = _api(generated, "assistances_events_retrieve")
    read = retrieve.sync_detailed(case.id, client=client)
    assert read.parsed.code == case.code
    assert retrieve.sync_detailed(case.id, client=client, if_none_match=read.headers["ETag"]).status_code == 304

    # Notes across cursor pages.
    note_create = _api(generated, "assistances_notes_create")
    for n in range(3):
        note = _model(generated, "NoteRequest")(event=case.id, body=f"Update {n}")
        assert note_create.sync_detailed(client=client, body=note).status_code == 201
    notes_list = _api(generated, "assistances_notes_list")
    page = notes_list.sync(client=client, event=case.id, page_size=2)
    seen = [n.body for n in page.results]
    cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]
    seen += [n.body for n in notes_list.sync(client=client, event=case.id, page_size=2, cursor=cursor).results]
    assert sorted(seen) == ["Update 0", "Update 1", "Update 2"]

    # The voucher's coverage.
    coverage = _api(generated, "vouchers_coverage_retrieve").sync(
        world["voucher"].pk, client=client, assistance="MED_EMERGENCY", country="ES"
    )
    assert coverage.covered is True

    # Errors arrive as parsed problem details.
    missing = retrieve.sync(999_999_999, client=client)
    assert isinstance(missing, problem) and missing.code == "not_found" and missing.status == 404
    other = _model(generated, "EventCreateRequest").from_dict({**body.to_dict(), "external_reference": "GEN-2"})
    reused = create.sync(client=client, body=other, idempotency_key="gen-key-1")
    assert isinstance(reused, problem) and reused.code == "idempotency_key_reused"
    patch = _api(generated, "assistances_events_partial_update")
    stale = patch.sync(
        case.id, client=client, body=_model(generated, "PatchedEventUpdateRequest")(description="x"), if_match='"0"'
    )
    assert isinstance(stale, problem) and stale.status == 412 and stale.code == "precondition_failed"

    # Over the plan: 429 with Retry-After, parsed too.
    ApiClient.objects.filter(pk=world["partner"].client.pk).update(rate_per_second=0.001, burst=1)
    answers = [_api(generated, "masters_categories_list").sync_detailed(client=client) for _ in range(3)]
    throttled = answers[-1]
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert isinstance(throttled.parsed, problem) and throttled.parsed.code == "throttled"
