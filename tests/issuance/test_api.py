"""POST /v1/issuance-mok: idempotent ingestion, strict payload, nothing stored on error; GET a record."""

import pytest

from apps.audit.models import AuditLog
from apps.issuance.models import IssuanceRecord
from apps.vouchers.models import Voucher, VoucherBenefit
from tests.accounts.factories import UserFactory
from tests.helpers import assert_problem, count_queries
from tests.issuance.factories import changed, mok_payload, mok_voucher
from tests.vouchers.factories import VoucherFactory

pytestmark = pytest.mark.django_db

URL = "/v1/issuance-mok"


@pytest.fixture
def mok_client(api_client, admin_user):
    api_client.force_login(admin_user)
    return api_client


def _post(client, payload):
    return client.post(URL, payload, format="json")


def _nothing_stored():
    assert not IssuanceRecord.objects.exists()
    assert not Voucher.objects.exists()
    assert not AuditLog.objects.exists()


def test_first_receipt_creates_the_vouchers(mok_client, admin_user):
    response = _post(mok_client, mok_payload())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["result"] == "created" and body["issuance_id"] == "MOK-2030-000123"
    assert body["times_received"] == 1
    assert [v["number"] for v in body["vouchers"]] == ["MOK-000123-01"]
    voucher = Voucher.objects.get(number="MOK-000123-01")
    assert voucher.source == "MOK" and voucher.status.code == "ACTIVE"
    assert voucher.external_reference == "MOK-2030-000123" and voucher.issued_at.year == 2030
    assert sorted(voucher.destinations.values_list("iso2", flat=True)) == ["ES", "FR"]
    assert voucher.benefits.count() == 3 and voucher.travellers.count() == 1
    record = IssuanceRecord.objects.get()
    assert record.payload == mok_payload() and len(record.payload_sha256) == 64
    assert list(record.vouchers.all()) == [voucher]
    audited = sorted(AuditLog.objects.values_list("object_type", "action"))
    assert audited == [("issuance.issuancerecord", "create"), ("vouchers.voucher", "create")]


def test_the_same_payload_again_is_unchanged_and_not_audited(mok_client):
    payload = mok_payload()
    _post(mok_client, payload)
    audit_entries = AuditLog.objects.count()
    updated_at = Voucher.objects.get().updated_at
    # The same content, keys in another order: still the same payload.
    reordered = dict(reversed(list(payload.items())))
    for attempt in (payload, reordered):
        response = _post(mok_client, attempt)
        assert response.status_code == 200, response.content
        assert response.json()["result"] == "unchanged"
    assert response.json()["times_received"] == 3
    assert Voucher.objects.count() == 1 and IssuanceRecord.objects.count() == 1
    assert AuditLog.objects.count() == audit_entries
    assert Voucher.objects.get().updated_at == updated_at


def test_a_changed_payload_updates_the_vouchers_and_is_audited(mok_client):
    payload = mok_payload()
    _post(mok_client, payload)
    voucher = Voucher.objects.get()
    benefit_ids = set(voucher.benefits.values_list("pk", flat=True))

    def change(p):
        p["vouchers"][0]["valid_to"] = "2030-04-15"
        p["vouchers"][0]["benefits"][0]["amount"] = "200000.00"
        p["vouchers"].append(mok_voucher("MOK-000123-02"))

    response = _post(mok_client, changed(payload, change))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["result"] == "updated" and body["times_received"] == 2
    assert [v["number"] for v in body["vouchers"]] == ["MOK-000123-01", "MOK-000123-02"]
    voucher.refresh_from_db()
    assert voucher.valid_to.isoformat() == "2030-04-15"
    emergency = voucher.benefits.get(assistance__code="MED_EMERGENCY")
    assert str(emergency.limit_amount) == "200000.00"
    assert set(voucher.benefits.values_list("pk", flat=True)) == benefit_ids  # updated in place
    update = AuditLog.objects.get(object_type="vouchers.voucher", action="update")
    assert set(update.changes) == {"valid_to", "benefits"}
    record_update = AuditLog.objects.get(object_type="issuance.issuancerecord", action="update")
    assert record_update.changes["vouchers"] == [["MOK-000123-01"], ["MOK-000123-01", "MOK-000123-02"]]
    assert AuditLog.objects.filter(object_type="vouchers.voucher", action="create").count() == 2
    assert IssuanceRecord.objects.get().payload["vouchers"][0]["valid_to"] == "2030-04-15"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda p: p.update(partner="MOK"), ["partner"]),
        (lambda p: p["vouchers"][0].update(plan="X"), ["vouchers", "0", "plan"]),
        (lambda p: p["vouchers"][0].update(status="CANCELLED"), ["vouchers", "0", "status"]),
        (lambda p: p["vouchers"][0].update(source="KOM"), ["vouchers", "0", "source"]),
        (lambda p: p["vouchers"][0]["holder"].update(age=3), ["vouchers", "0", "holder", "age"]),
        (lambda p: p["vouchers"][0]["travellers"][0].update(x=1), ["vouchers", "0", "travellers", "0", "x"]),
        (lambda p: p["vouchers"][0]["benefits"][2].update(limit=1), ["vouchers", "0", "benefits", "2", "limit"]),
    ],
)
def test_unknown_keys_anywhere_are_400_naming_them(mok_client, change, path):
    body = assert_problem(_post(mok_client, changed(mok_payload(), change)), 400, "validation_error")
    errors = body["errors"]
    for step in path:
        errors = errors[step]
    assert errors
    _nothing_stored()


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda p: p.pop("issuance_id"), ["issuance_id"]),
        (lambda p: p.pop("vouchers"), ["vouchers"]),
        (lambda p: p.update(vouchers=[]), ["vouchers"]),
        (lambda p: p["vouchers"][0].pop("number"), ["vouchers", "0", "number"]),
        (lambda p: p["vouchers"][0].pop("valid_to"), ["vouchers", "0", "valid_to"]),
        (lambda p: p["vouchers"][0]["holder"].pop("document_number"), ["vouchers", "0", "holder", "document_number"]),
        (
            lambda p: p["vouchers"][0]["travellers"][0].pop("last_name"),
            ["vouchers", "0", "travellers", "0", "last_name"],
        ),
        (lambda p: p.update(issuance_id="has spaces/slash"), ["issuance_id"]),
    ],
)
def test_missing_or_malformed_fields_are_400_naming_them(mok_client, change, path):
    body = assert_problem(_post(mok_client, changed(mok_payload(), change)), 400)
    errors = body["errors"]
    for step in path:
        errors = errors[step]
    assert errors
    _nothing_stored()


def test_a_rule_broken_in_the_second_voucher_stores_nothing(mok_client):
    second = mok_voucher("MOK-000123-02", valid_from="2030-05-01", valid_to="2030-04-01")
    body = assert_problem(_post(mok_client, mok_payload(vouchers=[mok_voucher(), second])), 400)
    assert "valid_to" in body["errors"]["vouchers"]["1"]
    _nothing_stored()


def test_unknown_codes_are_400(mok_client):
    def change(p):
        p["vouchers"][0]["benefits"][0]["assistance"] = "TELEPORT"
        p["vouchers"][0]["destinations"] = ["ES", "QQ"]

    body = assert_problem(_post(mok_client, changed(mok_payload(), change)), 400)
    assert "assistance" in body["errors"]["vouchers"]["0"]["benefits"]["0"]
    assert "destinations" in body["errors"]["vouchers"]["0"]
    _nothing_stored()


def test_duplicate_numbers_in_one_payload_are_400(mok_client):
    body = assert_problem(_post(mok_client, mok_payload(vouchers=[mok_voucher(), mok_voucher()])), 400)
    assert "vouchers" in body["errors"]
    _nothing_stored()


def test_a_number_owned_by_another_issuer_is_409_and_nothing_is_stored(mok_client):
    VoucherFactory(number="MOK-000123-01", source="KOM")
    body = assert_problem(_post(mok_client, mok_payload()), 409, "duplicate_voucher_number")
    assert "number" in body["errors"]["vouchers"]["0"]
    assert not IssuanceRecord.objects.exists()
    assert Voucher.objects.count() == 1 and not VoucherBenefit.objects.exists()


def test_a_changed_payload_that_fails_keeps_the_previous_version(mok_client):
    payload = mok_payload()
    _post(mok_client, payload)
    before = IssuanceRecord.objects.get()
    bad = changed(payload, lambda p: p["vouchers"][0].update(valid_to="2029-01-01", product_name="Changed"))
    assert_problem(_post(mok_client, bad), 400)
    record = IssuanceRecord.objects.get()
    assert (record.payload_sha256, record.times_received) == (before.payload_sha256, 1)
    assert Voucher.objects.get().product_name == "Gold 150"


def test_get_the_record(mok_client, operator_client):
    _post(mok_client, mok_payload())
    response = operator_client.get(f"{URL}/MOK-2030-000123")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["issuance_id"] == "MOK-2030-000123"
    assert body["payload"] == mok_payload()
    assert [v["number"] for v in body["vouchers"]] == ["MOK-000123-01"]
    assert body["vouchers"][0]["status"] == "ACTIVE"
    assert body["documents"] == [] and body["times_received"] == 1
    assert_problem(operator_client.get(f"{URL}/NOPE"), 404)


def test_get_record_query_count_is_constant(mok_client, operator_client):
    _post(mok_client, mok_payload())
    baseline = count_queries(operator_client, f"{URL}/MOK-2030-000123")
    vouchers = [mok_voucher(f"MOK-000123-{n:02d}") for n in range(1, 6)]
    _post(mok_client, mok_payload(vouchers=vouchers))
    assert count_queries(operator_client, f"{URL}/MOK-2030-000123") == baseline


def test_permissions(api_client, operator_client):
    assert_problem(_post(api_client, mok_payload()), 401)
    assert_problem(api_client.get(f"{URL}/X"), 401)
    api_client.force_login(UserFactory())
    assert_problem(_post(api_client, mok_payload()), 403)
    assert_problem(api_client.get(f"{URL}/X"), 403)
    assert_problem(_post(operator_client, mok_payload()), 403)  # TMO operators read issuance only
    _nothing_stored()


def test_get_on_the_collection_is_405(mok_client):
    assert_problem(mok_client.get(URL), 405)


def test_schema_documents_the_issuance_endpoints(client):
    import yaml

    schema = yaml.safe_load(client.get("/v1/schema/").content)
    paths = schema["paths"]
    receive = paths["/v1/issuance-mok"]["post"]
    assert {"200", "201", "400", "409"} <= set(receive["responses"])
    assert receive["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/MokIssuanceRequest")
    assert set(paths["/v1/issuance-mok/{issuance_id}"]) == {"get"}
    upload = paths["/v1/issuance-mok/{issuance_id}/documents"]["post"]
    assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]
    assert {"201", "400", "413"} <= set(upload["responses"])
    url = paths["/v1/issuance-mok/{issuance_id}/documents/{doc_id}"]["get"]
    assert url["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/DocumentURL")
    components = schema["components"]["schemas"]
    assert set(components["MokIssuanceRequest"]["required"]) == {"issuance_id", "vouchers"}
