"""The one status-machine helper every domain machine uses: resolve a code, check the move, record it.

Also the roles and colours that replaced codes and colours written in the code.
"""

import pytest
from django.utils import translation

from apps.assistances.models import EventStatusHistory, StatusChangeKind
from apps.core.exceptions import ConflictError, ValidationFailed
from apps.masters import services
from apps.masters.models import EventProviderStatus, EventStatus, StatusRole, VoucherStatus
from apps.masters.selectors import status_machine_problems
from apps.masters.services import StatusMachine
from apps.vouchers.models import VoucherStatusHistory
from tests.assistances.factories import covered_case
from tests.helpers import assert_problem
from tests.vouchers.factories import VoucherFactory

pytestmark = pytest.mark.django_db

VOUCHERS = StatusMachine(VoucherStatus, history=VoucherStatusHistory, subject="voucher", user="actor", nobody="system")


def test_an_unknown_code_is_a_field_error_naming_the_machine():
    with translation.override("en"), pytest.raises(ValidationFailed) as excinfo:
        VOUCHERS.resolve("NOPE")
    error = excinfo.value
    assert error.code == "validation_error" and error.status_code == 400
    assert [m.code for m in error.errors["status"]] == ["does_not_exist"]
    assert error.message == "Unknown voucher status NOPE."


def test_the_field_an_unknown_code_is_reported_under_is_configurable():
    with pytest.raises(ValidationFailed) as excinfo:
        StatusMachine(EventStatus, field="to_status").resolve("NOPE")
    assert list(excinfo.value.errors) == ["to_status"]


def test_a_refused_move_is_a_409_with_the_allowed_codes():
    with pytest.raises(ConflictError) as excinfo:
        VOUCHERS.check_transition(from_status=VoucherStatus.objects.get(code="SUSPENDED"), to_code="EXPIRED")
    error = excinfo.value
    assert error.code == "illegal_transition" and error.status_code == 409
    assert error.extra == {"from_status": "SUSPENDED", "to_status": "EXPIRED", "allowed": ["ACTIVE", "CANCELLED"]}
    assert "SUSPENDED" in error.message and "EXPIRED" in error.message


def test_a_final_status_allows_nothing():
    with pytest.raises(ConflictError) as excinfo:
        VOUCHERS.check_transition(from_status=VoucherStatus.objects.get(code="EXPIRED"), to_code="ACTIVE")
    assert excinfo.value.extra["allowed"] == []


def test_an_allowed_move_returns_the_target_status():
    target = VOUCHERS.check_transition(from_status=VoucherStatus.objects.get(code="ACTIVE"), to_code="SUSPENDED")
    assert isinstance(target, VoucherStatus) and target.code == "SUSPENDED"


def test_record_writes_the_history_row_with_the_machines_own_columns(admin_user):
    voucher = VoucherFactory()
    active, suspended = VoucherStatus.objects.get(code="ACTIVE"), VoucherStatus.objects.get(code="SUSPENDED")
    row = VOUCHERS.record(subject=voucher, from_status=active, to_status=suspended, actor=admin_user, reason="why")
    row = VoucherStatusHistory.objects.get(pk=row.pk)
    assert (row.voucher, row.from_status, row.to_status, row.reason) == (voucher, active, suspended, "why")
    assert row.actor == admin_user and row.actor_repr == str(admin_user) and row.changed_at
    # A change no one made (a task) says so in the machine's words.
    nobody = VOUCHERS.record(subject=voucher, from_status=suspended, to_status=active, actor=None)
    assert nobody.actor is None and nobody.actor_repr == "system"


def test_record_takes_the_extra_columns_of_a_history(operator):
    event = covered_case(actor=operator)
    machine = StatusMachine(EventStatus, history=EventStatusHistory, subject="event")
    opened, working = EventStatus.objects.get(code="OPENED"), EventStatus.objects.get(code="IN_PROGRESS")
    row = machine.record(
        subject=event, from_status=opened, to_status=working, actor=operator, kind=StatusChangeKind.MANUAL
    )
    row.refresh_from_db()
    assert row.event == event and row.changed_by == operator and row.kind == StatusChangeKind.MANUAL


def test_a_machine_without_history_only_checks():
    machine = StatusMachine(EventProviderStatus)
    assigned = EventProviderStatus.objects.get(code="ASSIGNED")
    assert machine.check_transition(from_status=assigned, to_code="STARTED").code == "STARTED"
    with pytest.raises(TypeError):
        machine.record(subject=assigned, from_status=None, to_status=assigned, actor=None)


def test_with_role_finds_the_status_or_says_what_to_configure():
    assert VOUCHERS.with_role(StatusRole.IN_FORCE).code == "ACTIVE"
    VoucherStatus.objects.update(role=None)
    with pytest.raises(ConflictError) as excinfo:
        VOUCHERS.with_role(StatusRole.IN_FORCE)
    assert excinfo.value.code == "status_role_missing"


# --- The same answers through the API, whatever the machine -------------------------------------------------


@pytest.fixture
def writer(api_client, admin_user):
    api_client.force_login(admin_user)
    return api_client


def test_cases_and_vouchers_answer_an_unknown_status_alike(writer, operator):
    case = covered_case(actor=operator)
    voucher = VoucherFactory()
    answers = [
        writer.post(f"/v1/assistances/events/{case.pk}/statuses", {"status": "NOPE"}, format="json"),
        writer.post(f"/v1/vouchers/{voucher.pk}/statuses", {"status": "NOPE"}, format="json"),
    ]
    for response in answers:
        body = assert_problem(response, 400, "validation_error")
        assert body["error_codes"] == {"status": ["does_not_exist"]}


def test_cases_case_providers_and_vouchers_refuse_a_move_alike(writer, operator):
    from tests.providers.factories import ProviderFactory

    case = covered_case(actor=operator)
    provider = ProviderFactory(assistances=[case.assistance])
    assignment = writer.post(f"/v1/assistances/events/{case.pk}/providers", {"provider": provider.pk}, format="json")
    assert assignment.status_code == 201, assignment.content
    voucher = VoucherFactory()
    answers = [
        writer.post(f"/v1/assistances/events/{case.pk}/statuses", {"status": "CLOSED"}, format="json"),
        writer.patch(
            f"/v1/assistances/events/providers/{assignment.json()['id']}", {"status": "RESOLVED"}, format="json"
        ),
        writer.post(f"/v1/vouchers/{voucher.pk}/statuses", {"status": "ISSUED"}, format="json"),
    ]
    for response in answers:
        body = assert_problem(response, 409, "illegal_transition")
        assert body["to_status"] in ("CLOSED", "RESOLVED", "ISSUED") and isinstance(body["allowed"], list)


# --- Roles and colours are catalog data ----------------------------------------------------------------------


def test_seeded_roles_and_colours():
    assert dict(VoucherStatus.objects.exclude(role=None).values_list("code", "role")) == {"ACTIVE": "in_force"}
    assert dict(EventProviderStatus.objects.exclude(role=None).values_list("code", "role")) == {
        "OFFERED": "offered",
        "ASSIGNED": "accepted",
        "DECLINED": "declined",
        "EXPIRED": "expired",
        "EN_ROUTE": "en_route",
        "STARTED": "started",
        "RESOLVED": "resolved",
        "CANCELLED": "cancelled",
    }
    assert EventStatus.objects.get(code="OPENED").colour == "#417690"
    assert EventStatus.objects.get(code="CLOSED").display_colour == EventStatus.DEFAULT_COLOUR


def test_a_role_the_machine_does_not_read_is_refused():
    opened = EventStatus.objects.get(code="OPENED")
    with pytest.raises(ValidationFailed) as excinfo:
        services.catalog_entry_update(instance=opened, data={"role": StatusRole.STARTED})
    assert "role" in excinfo.value.errors


def test_a_role_nobody_holds_is_a_machine_problem():
    EventProviderStatus.objects.filter(role=StatusRole.CANCELLED).update(role=None)
    assert "no status has the role cancelled" in status_machine_problems(EventProviderStatus)
