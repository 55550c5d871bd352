"""Voucher services and the coverage check: every rule, transitions, commitments, audit."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditLog
from apps.core.exceptions import ApplicationError, ConflictError
from apps.masters.models import Category
from apps.vouchers import selectors, services
from apps.vouchers.models import BenefitCommitment, Voucher, VoucherBenefit, VoucherStatusHistory
from tests.vouchers.factories import BenefitFactory, TravellerFactory, VoucherFactory, assistance, country, status

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2030, 6, 15)


def _issue_data(**overrides) -> dict:
    spain = country("ES")
    data = {
        "number": "KOM-1",
        "product_code": "GOLD150",
        "product_name": "Gold 150",
        "source": "KOM",
        "holder_name": "Sofía González",
        "holder_document_number": "AAB123456",
        "valid_from": datetime.date(2030, 6, 1),
        "valid_to": datetime.date(2030, 6, 30),
        "destinations": [spain],
        "travellers": [
            {"first_name": "Sofía", "last_name": "González", "document_number": "AAB123456", "is_holder": True},
            {"first_name": "Mateo", "last_name": "González", "document_number": "AAB654321"},
        ],
        "benefits": [
            {"assistance": assistance("MED_EMERGENCY"), "limit_amount": Decimal("30000"), "currency": "USD"},
            {"category": Category.objects.get(code="BAGGAGE"), "limit_count": 1},
        ],
    }
    data.update(overrides)
    return data


# --- voucher_issue ---------------------------------------------------------------------------------------


def test_issue_creates_everything_with_history_and_one_audit_entry(admin_user):
    voucher = services.voucher_issue(data=_issue_data(), actor=admin_user)
    assert voucher.status.code == "ACTIVE"
    assert voucher.created_by == admin_user
    assert list(voucher.destinations.values_list("iso2", flat=True)) == ["ES"]
    assert voucher.travellers.count() == 2
    assert voucher.benefits.count() == 2
    history = VoucherStatusHistory.objects.get(voucher=voucher)
    assert (history.from_status, history.to_status.code, history.actor) == (None, "ACTIVE", admin_user)
    entry = AuditLog.objects.get(object_type="vouchers.voucher", object_id=str(voucher.pk))
    assert entry.action == "create"
    assert entry.changes["after"]["number"] == "KOM-1"
    assert len(entry.changes["after"]["travellers"]) == 2
    assert {b["assistance"] or b["category"] for b in entry.changes["after"]["benefits"]} == {
        "MED_EMERGENCY",
        "BAGGAGE",
    }


def test_issue_accepts_an_initial_status_and_refuses_others():
    issued = services.voucher_issue(data=_issue_data(status=status("ISSUED")))
    assert issued.status.code == "ISSUED"
    with pytest.raises(ApplicationError) as excinfo:
        services.voucher_issue(data=_issue_data(number="KOM-2", status=status("SUSPENDED")))
    assert "status" in excinfo.value.extra["errors"]
    assert not Voucher.objects.filter(number="KOM-2").exists()


def test_issue_refuses_a_validity_ending_before_it_starts():
    with pytest.raises(ApplicationError) as excinfo:
        services.voucher_issue(data=_issue_data(valid_to=datetime.date(2030, 5, 31)))
    assert list(excinfo.value.extra["errors"]) == ["valid_to"]
    assert not Voucher.objects.exists()


def test_the_database_also_refuses_a_reversed_validity():
    voucher = VoucherFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=voucher.pk).update(valid_to=voucher.valid_from - datetime.timedelta(days=1))


@pytest.mark.parametrize(
    ("benefit", "field"),
    [
        ({"limit_amount": Decimal("10"), "currency": "USD"}, "assistance"),  # neither target
        (
            {
                "assistance": "MED_EMERGENCY",
                "category": "MEDICAL",
                "limit_amount": Decimal("10"),
                "currency": "USD",
            },
            "assistance",
        ),  # both
        ({"assistance": "MED_EMERGENCY"}, "limit_amount"),  # no limit
        # (an amount without a currency is in the voucher's: tests/vouchers/test_currency.py)
        ({"assistance": "MED_EMERGENCY", "limit_amount": Decimal("10"), "currency": "ABC"}, "currency"),  # not ISO
    ],
)
def test_issue_refuses_malformed_benefits(benefit, field):
    if "assistance" in benefit:
        benefit["assistance"] = assistance(benefit["assistance"])
    if "category" in benefit:
        benefit["category"] = Category.objects.get(code=benefit["category"])
    with pytest.raises(ApplicationError) as excinfo:
        services.voucher_issue(data=_issue_data(benefits=[benefit]))
    assert field in excinfo.value.extra["errors"]["benefits"][0]
    assert not Voucher.objects.exists()


def test_issue_refuses_two_benefits_for_the_same_target():
    benefits = [
        {"assistance": assistance("MED_EMERGENCY"), "limit_count": 1},
        {"assistance": assistance("MED_EMERGENCY"), "limit_count": 2},
    ]
    with pytest.raises(ApplicationError) as excinfo:
        services.voucher_issue(data=_issue_data(benefits=benefits))
    assert list(excinfo.value.extra["errors"]["benefits"]) == [1]  # keyed by position, like DRF
    assert "assistance" in excinfo.value.extra["errors"]["benefits"][1]
    assert not Voucher.objects.exists()


def test_issue_refuses_a_number_in_use_with_409():
    VoucherFactory(number="KOM-1")
    with pytest.raises(ConflictError) as excinfo:
        services.voucher_issue(data=_issue_data())
    assert excinfo.value.code == "duplicate_voucher_number"


# --- voucher_update ---------------------------------------------------------------------------------------


def test_update_replaces_travellers_and_benefits_and_audits_once(admin_user):
    voucher = services.voucher_issue(data=_issue_data())
    kept = voucher.travellers.get(document_number="AAB123456")
    services.voucher_update(
        voucher=voucher,
        data={
            "valid_to": datetime.date(2030, 7, 15),
            "travellers": [{"first_name": "Sofía", "last_name": "González", "document_number": "AAB123456"}],
            "benefits": [
                {"assistance": assistance("MED_EMERGENCY"), "limit_amount": Decimal("50000"), "currency": "USD"}
            ],
        },
        actor=admin_user,
    )
    voucher.refresh_from_db()
    assert voucher.valid_to == datetime.date(2030, 7, 15)
    assert list(voucher.travellers.values_list("pk", flat=True)) == [kept.pk]  # matched by document, kept
    assert voucher.travellers.get().is_holder is False
    benefit = voucher.benefits.get()
    assert benefit.limit_amount == Decimal("50000.00")
    entry = AuditLog.objects.get(action="update", object_type="vouchers.voucher")
    assert set(entry.changes) == {"valid_to", "travellers", "benefits"}
    assert entry.actor_id == str(admin_user.pk)


def test_update_without_changes_writes_no_audit():
    voucher = services.voucher_issue(data=_issue_data())
    data = _issue_data()
    for key in ("number", "source", "destinations"):
        data.pop(key)
    data["benefits"] = [dict(b) for b in data["benefits"]]
    services.voucher_update(voucher=voucher, data=data)
    assert not AuditLog.objects.filter(action="update").exists()


def test_update_cannot_remove_a_benefit_already_used():
    voucher = services.voucher_issue(data=_issue_data())
    services.benefit_commit(
        voucher=voucher, assistance=assistance("MED_EMERGENCY"), amount=Decimal("10"), reference="C1"
    )
    with pytest.raises(ConflictError) as excinfo:
        services.voucher_update(voucher=voucher, data={"benefits": []})
    assert excinfo.value.code == "benefit_in_use"


def test_update_refuses_a_status_change():
    voucher = VoucherFactory()
    with pytest.raises(ApplicationError) as excinfo:
        services.voucher_update(voucher=voucher, data={"status": status("SUSPENDED")})
    assert "status" in excinfo.value.extra["errors"]


# --- Transitions ------------------------------------------------------------------------------------------


def test_legal_transition_records_history_and_audit(admin_user):
    voucher = VoucherFactory()
    services.voucher_transition(voucher=voucher, to_code="SUSPENDED", reason="Payment pending", actor=admin_user)
    voucher.refresh_from_db()
    assert voucher.status.code == "SUSPENDED"
    history = VoucherStatusHistory.objects.get(voucher=voucher)
    assert (history.from_status.code, history.to_status.code, history.reason) == (
        "ACTIVE",
        "SUSPENDED",
        "Payment pending",
    )
    assert history.actor == admin_user and history.actor_repr == str(admin_user)
    entry = AuditLog.objects.get(object_type="vouchers.voucher", object_id=str(voucher.pk))
    assert entry.changes == {"status": ["ACTIVE", "SUSPENDED"], "reason": "Payment pending"}
    # And back, as the machine allows.
    services.voucher_transition(voucher=voucher, to_code="ACTIVE")
    assert voucher.status.code == "ACTIVE"
    assert VoucherStatusHistory.objects.filter(voucher=voucher).count() == 2


@pytest.mark.parametrize(("start", "target"), [("SUSPENDED", "EXPIRED"), ("CANCELLED", "ACTIVE"), ("ACTIVE", "ACTIVE")])
def test_illegal_transition_is_a_conflict_and_changes_nothing(start, target):
    voucher = VoucherFactory(status=status(start))
    with pytest.raises(ConflictError) as excinfo:
        services.voucher_transition(voucher=voucher, to_code=target)
    assert excinfo.value.code == "illegal_transition"
    assert excinfo.value.status_code == 409
    voucher.refresh_from_db()
    assert voucher.status.code == start
    assert not VoucherStatusHistory.objects.exists()
    assert not AuditLog.objects.exists()


def test_unknown_status_is_a_400():
    with pytest.raises(ApplicationError) as excinfo:
        services.voucher_transition(voucher=VoucherFactory(), to_code="NOPE")
    # The status machines' one answer to an unknown code (see apps.masters.services.StatusMachine).
    assert excinfo.value.code == "validation_error" and excinfo.value.status_code == 400
    assert [m.code for m in excinfo.value.extra["errors"]["status"]] == ["does_not_exist"]


def test_transitions_follow_the_machine_data_not_code():
    """Allowing a move in masters makes it legal at once (the machine is data)."""
    suspended, expired = status("SUSPENDED"), status("EXPIRED")
    suspended.next_statuses.add(expired)
    voucher = VoucherFactory(status=suspended)
    services.voucher_transition(voucher=voucher, to_code="EXPIRED")
    assert voucher.status.code == "EXPIRED"


# --- Coverage ---------------------------------------------------------------------------------------------


@pytest.fixture
def countries():
    return {code: country(code) for code in ("ES", "FR", "AR", "BR")}


@pytest.fixture
def covered_voucher(countries):
    voucher = VoucherFactory(
        valid_from=datetime.date(2030, 6, 1),
        valid_to=datetime.date(2030, 6, 30),
        destinations=[countries["ES"], countries["FR"]],
        residence_country=countries["AR"],
    )
    BenefitFactory(voucher=voucher, assistance=assistance("MED_EMERGENCY"), limit_amount=Decimal("1000.00"))
    return voucher


def _check(voucher, countries, *, code="MED_EMERGENCY", country="ES", on_date=TODAY):
    voucher = Voucher.objects.select_related("status").get(pk=voucher.pk)
    return selectors.voucher_check_coverage(
        voucher=voucher, assistance=assistance(code), country=countries[country], on_date=on_date
    )


def _failed(result) -> list[str]:
    return [reason.code for reason in result.reasons if not reason.passed]


def test_covered_when_every_rule_passes(covered_voucher, countries):
    result = _check(covered_voucher, countries)
    assert result.covered is True
    assert [r.code for r in result.reasons] == ["status", "validity", "destination", "residence", "benefit", "limit"]
    assert all(r.passed and r.message for r in result.reasons)
    assert result.benefit.assistance.code == "MED_EMERGENCY"
    assert (result.limit_amount, result.currency, result.limit_count) == (Decimal("1000.00"), "USD", None)
    assert (result.committed_amount, result.committed_count) == (Decimal("0.00"), 0)
    assert (result.remaining_amount, result.remaining_count) == (Decimal("1000.00"), None)


def test_the_result_is_immutable(covered_voucher, countries):
    result = _check(covered_voucher, countries)
    with pytest.raises(AttributeError):
        result.covered = False


@pytest.mark.parametrize("code", ["SUSPENDED", "ISSUED", "EXPIRED", "CANCELLED"])
def test_not_covered_unless_active(covered_voucher, countries, code):
    Voucher.objects.filter(pk=covered_voucher.pk).update(status=status(code))
    result = _check(covered_voucher, countries)
    assert result.covered is False
    assert _failed(result) == ["status"]
    assert code in result.reasons[0].message


@pytest.mark.parametrize(
    ("on_date", "covered"),
    [
        (datetime.date(2030, 5, 31), False),
        (datetime.date(2030, 6, 1), True),  # first day included
        (datetime.date(2030, 6, 30), True),  # last day included
        (datetime.date(2030, 7, 1), False),
    ],
)
def test_validity_dates(covered_voucher, countries, on_date, covered):
    result = _check(covered_voucher, countries, on_date=on_date)
    assert result.covered is covered
    assert _failed(result) == ([] if covered else ["validity"])


def test_country_outside_the_destinations(covered_voucher, countries):
    result = _check(covered_voucher, countries, country="BR")
    assert _failed(result) == ["destination"]


def test_worldwide_covers_any_country_but_the_residence(covered_voucher, countries):
    Voucher.objects.filter(pk=covered_voucher.pk).update(worldwide=True)
    assert _check(covered_voucher, countries, country="BR").covered is True
    result = _check(covered_voucher, countries, country="AR")
    assert _failed(result) == ["residence"]


def test_residence_country_is_refused_even_when_listed_as_destination(covered_voucher, countries):
    covered_voucher.destinations.add(countries["AR"])
    result = _check(covered_voucher, countries, country="AR")
    assert _failed(result) == ["residence"]


def test_assistance_benefit_beats_its_category(covered_voucher, countries):
    BenefitFactory(
        voucher=covered_voucher,
        assistance=None,
        category=Category.objects.get(code="MEDICAL"),
        limit_amount=Decimal("5000.00"),
    )
    specific = _check(covered_voucher, countries, code="MED_EMERGENCY")
    assert specific.benefit.assistance.code == "MED_EMERGENCY" and specific.limit_amount == Decimal("1000.00")
    by_category = _check(covered_voucher, countries, code="MED_AMBULANCE")
    assert by_category.covered is True
    assert by_category.benefit.category.code == "MEDICAL" and by_category.limit_amount == Decimal("5000.00")


def test_no_benefit_for_the_assistance_or_its_category(covered_voucher, countries):
    result = _check(covered_voucher, countries, code="LEGAL_ADVICE")
    assert result.covered is False
    assert _failed(result) == ["benefit", "limit"]
    assert result.benefit is None and result.limit_amount is None and result.remaining_amount is None


def test_remaining_amount_after_commitments_and_release(covered_voucher, countries):
    emergency = assistance("MED_EMERGENCY")
    first = services.benefit_commit(
        voucher=covered_voucher, assistance=emergency, amount=Decimal("600"), reference="C1"
    )
    result = _check(covered_voucher, countries)
    assert (result.committed_amount, result.remaining_amount, result.committed_count) == (
        Decimal("600.00"),
        Decimal("400.00"),
        1,
    )
    assert result.covered is True
    services.benefit_commit(voucher=covered_voucher, assistance=emergency, amount=Decimal("400"), reference="C2")
    result = _check(covered_voucher, countries)
    assert result.remaining_amount == Decimal("0.00")
    assert _failed(result) == ["limit"]
    services.benefit_release(commitment=first)
    result = _check(covered_voucher, countries)
    assert result.remaining_amount == Decimal("600.00") and result.covered is True


def test_count_limit(covered_voucher, countries):
    BenefitFactory(
        voucher=covered_voucher,
        assistance=assistance("MED_TELEMEDICINE"),
        limit_amount=None,
        currency="",
        limit_count=2,
    )
    tele = assistance("MED_TELEMEDICINE")
    services.benefit_commit(voucher=covered_voucher, assistance=tele, reference="C1")
    result = _check(covered_voucher, countries, code="MED_TELEMEDICINE")
    assert (result.limit_count, result.committed_count, result.remaining_count) == (2, 1, 1)
    assert result.remaining_amount is None and result.covered is True
    services.benefit_commit(voucher=covered_voucher, assistance=tele, reference="C2")
    assert _failed(_check(covered_voucher, countries, code="MED_TELEMEDICINE")) == ["limit"]


def test_coverage_is_a_pure_read(covered_voucher, countries):
    voucher = Voucher.objects.select_related("status").prefetch_related("destinations").get(pk=covered_voucher.pk)
    emergency = assistance("MED_EMERGENCY")
    with CaptureQueriesContext(connection) as ctx:
        selectors.voucher_check_coverage(voucher=voucher, assistance=emergency, country=countries["ES"], on_date=TODAY)
    statements = [q["sql"].split()[0].upper() for q in ctx.captured_queries]
    assert statements and set(statements) == {"SELECT"}
    assert all("FOR UPDATE" not in q["sql"].upper() for q in ctx.captured_queries)
    assert len(statements) <= 2, [q["sql"] for q in ctx.captured_queries]  # the benefit, its commitments


def test_several_reasons_fail_together(covered_voucher, countries):
    Voucher.objects.filter(pk=covered_voucher.pk).update(status=status("SUSPENDED"))
    result = _check(covered_voucher, countries, country="AR", on_date=datetime.date(2031, 1, 1), code="LEGAL_ADVICE")
    assert _failed(result) == ["status", "validity", "destination", "residence", "benefit", "limit"]


# --- Commitments ------------------------------------------------------------------------------------------


def test_commit_over_the_limit_is_refused(covered_voucher):
    emergency = assistance("MED_EMERGENCY")
    services.benefit_commit(voucher=covered_voucher, assistance=emergency, amount=Decimal("900"), reference="C1")
    with pytest.raises(ConflictError) as excinfo:
        services.benefit_commit(voucher=covered_voucher, assistance=emergency, amount=Decimal("100.01"), reference="C2")
    assert excinfo.value.code == "benefit_limit_exceeded"
    assert excinfo.value.extra["remaining_amount"] == "100.00"
    assert BenefitCommitment.objects.count() == 1


def test_commit_without_a_benefit_is_refused(covered_voucher):
    with pytest.raises(ConflictError) as excinfo:
        services.benefit_commit(voucher=covered_voucher, assistance=assistance("LEGAL_ADVICE"), reference="C1")
    assert excinfo.value.code == "benefit_not_covered"


def test_category_limit_is_shared_by_its_assistances(covered_voucher):
    BenefitFactory(
        voucher=covered_voucher,
        assistance=None,
        category=Category.objects.get(code="VEHICLE"),
        limit_amount=None,
        currency="",
        limit_count=1,
    )
    services.benefit_commit(voucher=covered_voucher, assistance=assistance("TOWING"), reference="C1")
    with pytest.raises(ConflictError):
        services.benefit_commit(voucher=covered_voucher, assistance=assistance("LOCKSMITH"), reference="C2")


def test_commit_and_release_are_audited_with_the_case_reference(covered_voucher, admin_user):
    commitment = services.benefit_commit(
        voucher=covered_voucher,
        assistance=assistance("MED_EMERGENCY"),
        amount=Decimal("250"),
        reference="CASE-77",
        actor=admin_user,
    )
    assert commitment.benefit.assistance.code == "MED_EMERGENCY"
    created = AuditLog.objects.get(object_type="vouchers.benefitcommitment", action="create")
    assert created.case_reference == "CASE-77" and created.actor_id == str(admin_user.pk)
    services.benefit_release(commitment=commitment, actor=admin_user)
    services.benefit_release(commitment=commitment, actor=admin_user)  # twice: no second change
    commitment.refresh_from_db()
    assert commitment.released and commitment.released_at
    assert AuditLog.objects.filter(object_type="vouchers.benefitcommitment", action="update").count() == 1


def test_commit_locks_the_voucher_row(covered_voucher):
    with CaptureQueriesContext(connection) as ctx:
        services.benefit_commit(voucher=covered_voucher, assistance=assistance("MED_EMERGENCY"), reference="C1")
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"].upper()]
    assert locks and "vouchers_voucher" in locks[0]


def test_commit_refuses_a_non_positive_amount(covered_voucher):
    with pytest.raises(ApplicationError):
        services.benefit_commit(
            voucher=covered_voucher, assistance=assistance("MED_EMERGENCY"), amount=Decimal("0"), reference="C1"
        )


# --- Benefits edited one by one (admin inlines) -------------------------------------------------------------


def test_a_second_benefit_for_the_same_target_is_refused():
    benefit = BenefitFactory()
    with pytest.raises(ApplicationError):
        services.voucher_benefit_create(
            data={
                "voucher": benefit.voucher,
                "assistance": benefit.assistance,
                "limit_count": 3,
            }
        )
    assert VoucherBenefit.objects.count() == 1


def test_selectors_list_filters():
    holder = VoucherFactory(holder_document_number="DOC-1", holder_name="Ana Pérez")
    traveller = TravellerFactory(document_number="DOC-2", voucher__holder_name="Luis Gómez").voucher
    assert list(selectors.voucher_list(filters={"document": "DOC-1"})) == [holder]
    assert list(selectors.voucher_list(filters={"document": "DOC-2"})) == [traveller]
    assert list(selectors.voucher_list(filters={"holder": "pérez"})) == [holder]


def test_the_status_in_force_is_a_role_not_a_code():
    """Issuing without a status and the coverage rule both follow the role, whatever the code."""
    from apps.masters.models import StatusRole, VoucherStatus

    VoucherStatus.objects.filter(role=StatusRole.IN_FORCE).update(code="IN_FORCE")
    voucher = services.voucher_issue(data=_issue_data(worldwide=True, residence_country=country("AR")))
    assert voucher.status.code == "IN_FORCE"

    def status_rule_passes() -> bool:
        result = selectors.voucher_check_coverage(
            voucher=voucher, assistance=assistance("MED_EMERGENCY"), country=country("ES"), on_date=voucher.valid_from
        )
        return next(r for r in result.reasons if r.code == "status").passed

    assert status_rule_passes()
    VoucherStatus.objects.filter(code="IN_FORCE").update(role=None)
    VoucherStatus.objects.filter(code="SUSPENDED").update(role=StatusRole.IN_FORCE)
    voucher.refresh_from_db()
    assert not status_rule_passes()


@pytest.mark.parametrize("issued_at", ["1776-03-31T01:00:00Z", "1999-12-31T23:59:59Z"])
def test_an_implausible_issue_date_is_refused(issued_at):
    """Found by the fuzzer: a 1776 date came back with a local-mean-time offset (-03:53:48), not RFC 3339."""
    from django.utils.dateparse import parse_datetime

    with pytest.raises(ApplicationError) as refused:
        services.voucher_issue(data=_issue_data(issued_at=parse_datetime(issued_at)))
    assert [error.code for error in refused.value.errors["issued_at"]] == ["date_out_of_range"]
    assert not Voucher.objects.exists()
