"""Schema-wide partner isolation: every operation of /v1/schema/, called by one partner about another's data.

For each operation the schema lists (so a new endpoint is covered the day it is added; an operation
missing from ``REQUESTS`` fails the test), the intruder sends the same request twice: once naming the
owner's object (case, note, call, file, voucher, issuance, document, or a filter value such as the
owner's case id, voucher number or a traveller's document) and once naming an object that does not
exist. The two answers must be the same (status and body, apart from the request id), no answer may
contain anything of the owner's (its travellers, references, notes, vouchers) or an operator's
e-mail address, and the owner's rows must be unchanged afterwards. Both directions are run
(KOM against MOK's data, MOK against KOM's), since MOK alone owns issuance.
"""

import re

import pytest

from tests.clients.isolation import (
    CONSULTATIONS,
    EVENTS,
    REQUESTS,
    Scenario,
    check_isolation,
    operators,
    owned_rows,
    schema_operations,
)
from tests.clients.support import READ, WRITE

pytestmark = pytest.mark.django_db


def test_every_schema_operation_is_exercised(client):
    operations = schema_operations(client)
    missing = sorted(operations - set(REQUESTS))
    assert not missing, f"New API operations need a line in REQUESTS (partner isolation): {missing}"
    stale = sorted(set(REQUESTS) - operations)
    assert not stale, f"REQUESTS names operations the schema no longer has: {stale}"


@pytest.mark.parametrize(("owner", "intruder"), [("MOK", "KOM"), ("KOM", "MOK")])
def test_a_partner_cannot_tell_anothers_objects_from_missing_ones(
    client, isolation_world, isolation_partners, partner_api, owner, intruder
):
    sides, shared = isolation_world
    api = partner_api(isolation_partners[intruder], scopes=(READ, WRITE))
    document = client.get("/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    before = owned_rows(owner)
    problems, compared = check_isolation(
        api, document, Scenario(owner=owner, intruder=intruder, shared=shared), sides[owner]
    )
    assert not problems, "\n".join(problems)
    # The owner's rows are exactly as they were.
    assert owned_rows(owner) == before
    assert compared > 40


@pytest.mark.parametrize("source", ["KOM", "MOK"])
def test_each_partner_still_sees_its_own_data(isolation_world, isolation_partners, partner_api, source):
    """The counterpart of the isolation test: the scope is the partner's own source, not nothing."""
    sides, _shared = isolation_world
    mine = sides[source]
    api = partner_api(isolation_partners[source], scopes=(READ, WRITE))
    for path, query in [
        (EVENTS, {"q": mine.document_number}),
        ("/v1/assistances/notes", {"event": mine.case_id}),
        (CONSULTATIONS, {"event": mine.case_id}),
        ("/v1/vouchers", {"q": mine.voucher_number}),
    ]:
        response = api.get(path, query)
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) == 1, (path, response.json())
    for path in [
        f"{EVENTS}/{mine.case_id}",
        f"/v1/vouchers/{mine.voucher_id}",
        f"/v1/assistances/notes/{mine.note_id}",
    ]:
        assert api.get(path).status_code == 200, path
    if source == "MOK":
        assert api.get(f"/v1/issuance-mok/{mine.issuance_id}").status_code == 200
        assert api.get(f"/v1/issuance-mok/{mine.issuance_id}/documents/{mine.doc_id}").status_code == 200


def test_no_operator_address_is_shown_to_a_partner(isolation_world, isolation_partners, partner_api):
    """Item 7 across the partner's own data: its case, notes, status history and calls name no operator."""
    sides, _shared = isolation_world
    mine = sides["KOM"]
    api = partner_api(isolation_partners["KOM"], scopes=(READ, WRITE))
    emails = [u.email for u in operators()]
    assert emails
    for path in [
        EVENTS,
        f"{EVENTS}/{mine.case_id}",
        f"{EVENTS}/{mine.case_id}/statuses",
        "/v1/assistances/notes",
        CONSULTATIONS,
        f"{CONSULTATIONS}/{mine.consultation_id}",
        f"/v1/vouchers/{mine.voucher_id}",
    ]:
        text = api.get(path).content.decode()
        assert not any(email in text for email in emails), path
        assert not re.search(r"[\w.+-]+@[\w-]+\.test", text), path
    case = api.get(f"{EVENTS}/{mine.case_id}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert case["assigned_operator"] == "Bigtree operator"
