"""/v1/vouchers: permissions, filters, detail, issue, status changes, coverage, query counts."""

import datetime
from decimal import Decimal

import pytest
import yaml
from django.utils import timezone

from apps.audit.models import AuditLog
from apps.masters.models import Category
from apps.vouchers.models import Voucher, VoucherStatusHistory, VoucherTraveller
from tests.accounts.factories import UserFactory
from tests.helpers import assert_problem, count_queries
from tests.vouchers.factories import (
    BenefitFactory,
    CommitmentFactory,
    TravellerFactory,
    VoucherFactory,
    assistance,
    country,
    status,
)

pytestmark = pytest.mark.django_db

LIST = "/v1/vouchers"


def _payload(**overrides) -> dict:
    country("ES"), country("FR"), country("AR")
    body = {
        "number": "KOM-000001",
        "product_code": "GOLD150",
        "product_name": "Gold 150",
        "source": "KOM",
        "holder": {"name": "Sofía González", "document_type": "passport", "document_number": "AAB123456"},
        "valid_from": "2030-06-01",
        "valid_to": "2030-06-30",
        "destinations": ["ES", "fr"],
        "residence_country": "AR",
        "travellers": [
            {
                "first_name": "Sofía",
                "last_name": "González",
                "document_type": "passport",
                "document_number": "AAB123456",
                "birth_date": "1990-05-17",
                "is_holder": True,
            }
        ],
        "benefits": [
            {"assistance": "MED_EMERGENCY", "amount": "30000.00", "currency": "USD"},
            {"category": "baggage", "count": 1},
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
def writer_client(api_client, admin_user):
    api_client.force_login(admin_user)
    return api_client


# --- Permissions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", LIST),
        ("post", LIST),
        ("get", "/v1/vouchers/1"),
        ("post", "/v1/vouchers/1/statuses"),
        ("get", "/v1/vouchers/1/coverage?assistance=MED_EMERGENCY&country=ES"),
    ],
)
def test_anonymous_is_refused_with_401(api_client, method, url):
    assert_problem(
        getattr(api_client, method)(url, {}, format="json") if method == "post" else api_client.get(url), 401
    )


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", LIST), ("post", LIST), ("get", "/v1/vouchers/{pk}"), ("post", "/v1/vouchers/{pk}/statuses")],
)
def test_user_without_group_gets_403(api_client, method, url):
    voucher = VoucherFactory()
    api_client.force_login(UserFactory())
    url = url.format(pk=voucher.pk)
    response = api_client.post(url, {}, format="json") if method == "post" else api_client.get(url)
    assert_problem(response, 403, "permission_denied")


def test_operator_reads_but_cannot_issue_or_change_status(operator_client):
    voucher = VoucherFactory()
    assert operator_client.get(LIST).status_code == 200
    assert operator_client.get(f"/v1/vouchers/{voucher.pk}").status_code == 200
    assert_problem(operator_client.post(LIST, _payload(), format="json"), 403)
    assert_problem(
        operator_client.post(f"/v1/vouchers/{voucher.pk}/statuses", {"status": "SUSPENDED"}, format="json"), 403
    )
    assert not Voucher.objects.exclude(pk=voucher.pk).exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_unsupported_methods_are_405(writer_client, method):
    voucher = VoucherFactory()
    assert_problem(getattr(writer_client, method)(f"/v1/vouchers/{voucher.pk}", {}, format="json"), 405)


# --- List --------------------------------------------------------------------------------------------------


def test_list_row_shape(operator_client):
    voucher = VoucherFactory(destinations=[country("FR"), country("ES")], residence_country=country("AR"))
    body = operator_client.get(LIST).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == voucher.pk and row["number"] == voucher.number
    assert row["destinations"] == ["ES", "FR"]
    assert row["residence_country"] == "AR"
    assert row["status"] == "ACTIVE"
    assert row["holder"]["document_number"] == voucher.holder_document_number
    assert "travellers" not in row  # the list stays light; the detail has them


def test_list_filters(operator_client):
    today = timezone.localdate()
    ana = VoucherFactory(number="N-1", holder_name="Ana Pérez", holder_document_number="DNI-1", source="MOK")
    TravellerFactory(voucher=ana, document_number="PASS-9")
    TravellerFactory(voucher=ana, document_number="PASS-9")  # twice: the voucher must still appear once
    old = VoucherFactory(
        number="N-2",
        valid_from=today - datetime.timedelta(days=100),
        valid_to=today - datetime.timedelta(days=50),
        status=status("EXPIRED"),
    )
    future = VoucherFactory(
        number="N-3", valid_from=today + datetime.timedelta(days=40), valid_to=today + datetime.timedelta(days=50)
    )

    def numbers(**params):
        response = operator_client.get(LIST, params)
        assert response.status_code == 200, response.content
        return sorted(row["number"] for row in response.json()["results"])

    assert numbers(number="N-1") == ["N-1"]
    assert numbers(number="N") == []  # exact
    assert numbers(document="DNI-1") == ["N-1"]  # holder's document
    assert numbers(document="PASS-9") == ["N-1"]  # a traveller's document
    assert numbers(holder="pérez") == ["N-1"]
    assert numbers(status="EXPIRED") == ["N-2"]
    assert numbers(source="MOK") == ["N-1"]
    assert numbers(valid_on=today.isoformat()) == ["N-1"]
    assert numbers(valid_on=future.valid_from.isoformat()) == ["N-3"]
    assert numbers(valid_from_after=today.isoformat()) == ["N-3"]
    assert numbers(valid_to_before=(today - datetime.timedelta(days=1)).isoformat()) == ["N-2"]
    assert numbers(q="N-2") == ["N-2"]
    assert old.pk


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"numbr": "x"}, "numbr"),
        ({"valid_on": "yesterday"}, "valid_on"),
        ({"source": "FAX"}, "source"),
        ({"page_size": 1000}, "page_size"),
    ],
)
def test_bad_list_parameters_are_400_naming_them(operator_client, params, field):
    body = assert_problem(operator_client.get(LIST, params), 400)
    assert field in body["errors"]


def _grow_vouchers(n: int) -> None:
    for _ in range(n):
        voucher = VoucherFactory(destinations=[country("ES"), country("FR")], residence_country=country("AR"))
        TravellerFactory.create_batch(2, voucher=voucher)
        BenefitFactory(voucher=voucher)


def test_list_query_count_is_constant_as_rows_grow(operator_client):
    _grow_vouchers(2)
    baseline = count_queries(operator_client, LIST + "?page_size=200")
    _grow_vouchers(8)
    assert count_queries(operator_client, LIST + "?page_size=200") == baseline
    assert count_queries(operator_client, LIST + "?page_size=200&document=T0000001") <= baseline + 1


# --- Detail ------------------------------------------------------------------------------------------------


def test_detail_has_travellers_benefits_with_remaining_and_history(writer_client):
    created = writer_client.post(LIST, _payload(), format="json")
    assert created.status_code == 201, created.content
    voucher = Voucher.objects.get(number="KOM-000001")
    benefit = voucher.benefits.get(assistance__code="MED_EMERGENCY")
    CommitmentFactory(benefit=benefit, amount=Decimal("1200.50"), count=1)
    CommitmentFactory(benefit=benefit, amount=Decimal("300"), count=1, released=True)  # given back: not counted
    writer_client.post(
        f"/v1/vouchers/{voucher.pk}/statuses", {"status": "SUSPENDED", "reason": "Unpaid"}, format="json"
    )

    body = writer_client.get(f"/v1/vouchers/{voucher.pk}").json()
    assert body["number"] == "KOM-000001"
    assert body["status"] == "SUSPENDED"
    assert body["destinations"] == ["ES", "FR"] and body["residence_country"] == "AR"
    assert body["holder"] == {
        "name": "Sofía González",
        "document_type": "passport",
        "document_number": "AAB123456",
        "email": "",
        "phone": "",
    }
    assert [t["document_number"] for t in body["travellers"]] == ["AAB123456"]
    assert body["travellers"][0]["birth_date"] == "1990-05-17" and body["travellers"][0]["is_holder"] is True
    benefits = {b["assistance"] or b["category"]: b for b in body["benefits"]}
    emergency = benefits["MED_EMERGENCY"]
    assert emergency["amount"] == "30000.00" and emergency["currency"] == "USD" and emergency["count"] is None
    assert emergency["committed_amount"] == "1200.50" and emergency["committed_count"] == 1
    assert emergency["remaining_amount"] == "28799.50" and emergency["remaining_count"] is None
    baggage = benefits["BAGGAGE"]
    assert baggage["category"] == "BAGGAGE" and baggage["assistance"] is None
    assert (baggage["count"], baggage["committed_count"], baggage["remaining_count"]) == (1, 0, 1)
    assert baggage["amount"] is None and baggage["remaining_amount"] is None
    assert [(h["from_status"], h["to_status"]) for h in body["status_history"]] == [
        (None, "ACTIVE"),
        ("ACTIVE", "SUSPENDED"),
    ]
    assert body["status_history"][1]["reason"] == "Unpaid"


def test_detail_query_count_does_not_grow_with_travellers_or_benefits(operator_client):
    voucher = VoucherFactory(destinations=[country("ES")])
    TravellerFactory(voucher=voucher)
    benefit = BenefitFactory(voucher=voucher)
    CommitmentFactory(benefit=benefit)
    url = f"/v1/vouchers/{voucher.pk}"
    baseline = count_queries(operator_client, url)
    TravellerFactory.create_batch(3, voucher=voucher)
    for code in ("MED_AMBULANCE", "TOWING", "LOCKSMITH"):
        CommitmentFactory.create_batch(2, benefit=BenefitFactory(voucher=voucher, assistance=assistance(code)))
    voucher.destinations.add(country("FR"), country("IT"))
    assert count_queries(operator_client, url) == baseline


def test_detail_of_unknown_voucher_is_404(operator_client):
    assert_problem(operator_client.get("/v1/vouchers/999999"), 404)


# --- Issue -------------------------------------------------------------------------------------------------


def test_issue_creates_the_voucher(writer_client, admin_user):
    response = writer_client.post(LIST, _payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    voucher = Voucher.objects.get(pk=body["id"])
    assert voucher.source == "KOM" and voucher.status.code == "ACTIVE"
    assert voucher.created_by == admin_user
    assert body["destinations"] == ["ES", "FR"]
    assert len(body["benefits"]) == 2 and len(body["status_history"]) == 1
    entry = AuditLog.objects.get(object_type="vouchers.voucher", object_id=str(voucher.pk))
    assert entry.source == "api" and entry.actor_id == str(admin_user.pk)


def _nothing_stored():
    assert not Voucher.objects.exists()
    assert not VoucherTraveller.objects.exists()
    assert not AuditLog.objects.filter(object_type__startswith="vouchers.").exists()


def test_issue_refuses_valid_to_before_valid_from(writer_client):
    body = assert_problem(writer_client.post(LIST, _payload(valid_to="2030-05-01"), format="json"), 400)
    assert list(body["errors"]) == ["valid_to"]
    _nothing_stored()


def test_issue_refuses_a_status_the_catalog_does_not_start_with(writer_client):
    """Its own code, which the fuzz hooks read as data-dependent: the status catalog says which are initial
    (the CLI fuzzer sent status EXPIRED)."""
    from tests.fuzz.hooks import is_data_dependent_rejection

    refused = writer_client.post(LIST, _payload(status="EXPIRED"), format="json")
    assert assert_problem(refused, 400)["error_codes"] == {"status": ["not_an_initial_status"]}
    assert is_data_dependent_rejection(refused)
    _nothing_stored()


def test_issue_refuses_an_unknown_assistance_code(writer_client):
    payload = _payload()
    payload["benefits"][0]["assistance"] = "TELEPORTATION"
    body = assert_problem(writer_client.post(LIST, payload, format="json"), 400, "validation_error")
    assert "assistance" in body["errors"]["benefits"]["0"]  # list items by position
    _nothing_stored()


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda p: p.update(colour="blue"), ["colour"]),
        (lambda p: p.update(id=7), ["id"]),
        (lambda p: p.update(status_history=[]), ["status_history"]),
        (lambda p: p["holder"].update(nickname="Sofi"), ["holder", "nickname"]),
        (lambda p: p["travellers"][0].update(id=3), ["travellers", "0", "id"]),
        (lambda p: p["benefits"][1].update(limit=3), ["benefits", "1", "limit"]),
    ],
)
def test_issue_refuses_unknown_and_read_only_keys(writer_client, change, path):
    payload = _payload()
    change(payload)
    errors = assert_problem(writer_client.post(LIST, payload, format="json"), 400)["errors"]
    for step in path:
        errors = errors[step]
    assert errors
    _nothing_stored()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.pop("number"), "number"),
        (lambda p: p.pop("holder"), "holder"),
        (lambda p: p.update(travellers=[]), "travellers"),
        (lambda p: p.update(destinations=["QQ"]), "destinations"),
        (lambda p: p.update(status="SUSPENDED"), "status"),
        (lambda p: p.update(status="NOPE"), "status"),
        (lambda p: p.update(source="FAX"), "source"),
    ],
)
def test_issue_validation_names_the_field(writer_client, change, field):
    payload = _payload()
    change(payload)
    body = assert_problem(writer_client.post(LIST, payload, format="json"), 400)
    assert field in body["errors"]
    _nothing_stored()


def test_issue_with_a_taken_number_is_409(writer_client):
    VoucherFactory(number="KOM-000001")
    body = assert_problem(writer_client.post(LIST, _payload(), format="json"), 409, "duplicate_voucher_number")
    assert "number" in body["errors"]
    assert Voucher.objects.count() == 1


# --- Status changes ------------------------------------------------------------------------------------------


def test_legal_status_change(writer_client, admin_user):
    voucher = VoucherFactory()
    response = writer_client.post(
        f"/v1/vouchers/{voucher.pk}/statuses", {"status": "SUSPENDED", "reason": "Fraud check"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "SUSPENDED"
    assert response.json()["status_history"][-1]["reason"] == "Fraud check"
    history = VoucherStatusHistory.objects.get(voucher=voucher)
    assert history.actor == admin_user
    assert AuditLog.objects.get(object_type="vouchers.voucher").changes["status"] == ["ACTIVE", "SUSPENDED"]


def test_illegal_status_change_is_a_409_problem(writer_client):
    voucher = VoucherFactory(status=status("CANCELLED"))
    body = assert_problem(
        writer_client.post(f"/v1/vouchers/{voucher.pk}/statuses", {"status": "ACTIVE"}, format="json"),
        409,
        "illegal_transition",
    )
    assert body["from_status"] == "CANCELLED" and body["allowed"] == []
    assert not VoucherStatusHistory.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"), [({"status": "NOPE"}, "status"), ({}, "status"), ({"status": "ACTIVE", "x": 1}, "x")]
)
def test_bad_status_change_is_400(writer_client, body, field):
    voucher = VoucherFactory()
    problem = assert_problem(writer_client.post(f"/v1/vouchers/{voucher.pk}/statuses", body, format="json"), 400)
    assert field in problem["errors"]


def test_status_change_of_unknown_voucher_is_404(writer_client):
    assert_problem(writer_client.post("/v1/vouchers/999999/statuses", {"status": "ACTIVE"}, format="json"), 404)


# --- Coverage ------------------------------------------------------------------------------------------------


@pytest.fixture
def covered(operator_client):
    today = timezone.localdate()
    voucher = VoucherFactory(
        valid_from=today - datetime.timedelta(days=1),
        valid_to=today + datetime.timedelta(days=10),
        destinations=[country("ES")],
        residence_country=country("AR"),
    )
    BenefitFactory(voucher=voucher, assistance=None, category=Category.objects.get(code="MEDICAL"), limit_count=3)
    return voucher


def test_coverage_answer(operator_client, covered):
    response = operator_client.get(
        f"/v1/vouchers/{covered.pk}/coverage", {"assistance": "med_ambulance", "country": "es"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["covered"] is True
    assert body["date"] == timezone.localdate().isoformat()  # today by default
    assert (body["voucher"], body["assistance"], body["country"]) == (covered.number, "MED_AMBULANCE", "ES")
    assert [r["code"] for r in body["reasons"]] == [
        "status",
        "validity",
        "destination",
        "residence",
        "benefit",
        "limit",
    ]
    assert body["benefit"]["category"] == "MEDICAL" and body["benefit"]["assistance"] is None
    assert (body["limit_amount"], body["limit_count"], body["committed_count"], body["remaining_count"]) == (
        "1000.00",
        3,
        0,
        3,
    )


def test_coverage_on_another_date_and_country(operator_client, covered):
    late = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    body = operator_client.get(
        f"/v1/vouchers/{covered.pk}/coverage", {"assistance": "MED_AMBULANCE", "country": "AR", "date": late}
    ).json()
    assert body["covered"] is False
    assert {r["code"] for r in body["reasons"] if not r["passed"]} == {"validity", "destination", "residence"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"assistance": "NOPE", "country": "ES"}, "assistance"),
        ({"assistance": "MED_AMBULANCE", "country": "QQ"}, "country"),
        ({"country": "ES"}, "assistance"),
        ({"assistance": "MED_AMBULANCE", "country": "ES", "date": "tomorrow"}, "date"),
        ({"assistance": "MED_AMBULANCE", "country": "ES", "when": "x"}, "when"),
    ],
)
def test_coverage_bad_parameters_are_400_naming_them(operator_client, covered, params, field):
    body = assert_problem(operator_client.get(f"/v1/vouchers/{covered.pk}/coverage", params), 400)
    assert field in body["errors"]


def test_coverage_of_unknown_voucher_is_404(operator_client):
    country("ES")
    assert_problem(operator_client.get("/v1/vouchers/999999/coverage?assistance=TOWING&country=ES"), 404)


# --- Schema --------------------------------------------------------------------------------------------------


def test_schema_documents_every_operation(client):
    schema = yaml.safe_load(client.get("/v1/schema/").content)
    paths = schema["paths"]
    assert set(paths["/v1/vouchers"]) == {"get", "post"}
    assert set(paths["/v1/vouchers/{id}"]) == {"get"}
    assert set(paths["/v1/vouchers/{id}/statuses"]) == {"post"}
    assert set(paths["/v1/vouchers/{id}/coverage"]) == {"get"}
    create = paths["/v1/vouchers"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/VoucherIssueRequest")
    assert {"201", "400", "409"} <= set(create["responses"])
    assert "application/problem+json" in create["responses"]["400"]["content"]
    coverage_params = {p["name"] for p in paths["/v1/vouchers/{id}/coverage"]["get"]["parameters"]}
    assert {"assistance", "country", "date"} <= coverage_params
    list_params = {p["name"] for p in paths["/v1/vouchers"]["get"]["parameters"]}
    assert {"number", "document", "holder", "status", "source", "valid_on", "valid_from_after", "valid_to_before"} <= (
        list_params
    )
    read_only = schema["components"]["schemas"]["VoucherIssueRequest"]["properties"]
    assert "id" not in read_only and "status_history" not in read_only
