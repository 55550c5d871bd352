"""The case workflow's rules, through the services, on MariaDB."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.assistances import services
from apps.assistances.models import Event, EventStatusHistory, SwitchState
from apps.audit.models import AuditLog
from apps.core.exceptions import ApplicationError, ConflictError
from apps.masters.models import Assistance
from apps.tracking.models import TrackingMessage
from apps.vouchers.models import BenefitCommitment
from tests.assistances.factories import covered_case
from tests.providers.factories import LocationFactory, ProviderFactory
from tests.vouchers.factories import VoucherFactory, country

pytestmark = pytest.mark.django_db


def test_open_stores_coverage_sla_code_and_history(operator):
    event = covered_case(actor=operator, priority="high")
    assert event.code.startswith(f"BT-{timezone.now():%Y}-")
    assert event.covered is True and event.coverage["covered"] is True
    assert event.status.code == "OPENED"
    # MED_EMERGENCY has a 30-minute SLA; high priority halves it.
    assert event.sla_due_at - event.opened_at == datetime.timedelta(minutes=15)
    assert EventStatusHistory.objects.filter(event=event, kind="opened").count() == 1
    assert AuditLog.objects.filter(action="create", object_type="assistances.event", case_reference=event.code).exists()


def test_retry_with_the_same_reference_returns_the_same_case(operator):
    first = covered_case(actor=operator, external_reference="KOM-1")
    again = services.event_open(
        data={
            "source_code": "KOM",
            "external_reference": "KOM-1",
            "traveller_name": "Another",
            "assistance": first.assistance,
            "country": first.country,
        },
        actor=operator,
    )
    assert (again.event.pk, again.created) == (first.pk, False)
    assert Event.objects.count() == 1


def test_uncovered_case_needs_an_operator_override(operator):
    data = {
        "source_code": "PHONE",
        "traveller_name": "Sin Voucher",
        "assistance": Assistance.objects.get(code="MED_CONSULTATION"),
        "country": country("ES"),
    }
    with pytest.raises(ConflictError) as excinfo:
        services.event_open(data=data, actor=operator)
    assert excinfo.value.code == "not_covered" and "override_reason" in excinfo.value.extra["errors"]
    assert not Event.objects.exists()
    event = services.event_open(data=data, override_reason="Traveller in danger", actor=operator).event
    assert (event.covered, event.coverage_override_reason) == (False, "Traveller in danger")


def test_coverage_in_the_residence_country_is_refused():
    voucher = VoucherFactory(worldwide=True, residence_country=country("AR"))
    with pytest.raises(ConflictError):
        covered_case(voucher=voucher, country=country("AR"))  # no operator: no override possible


def test_place_is_validated(operator):
    with pytest.raises(ApplicationError) as excinfo:
        covered_case(actor=operator, latitude=10.0)
    assert "longitude" in excinfo.value.extra["errors"]


def test_status_machine_and_history(operator):
    event = covered_case(actor=operator)
    services.event_change_status(event=event, to_code="IN_PROGRESS", reason="working", actor=operator)
    event.refresh_from_db()
    assert event.first_response_at is not None and event.version == 2
    with pytest.raises(ConflictError) as excinfo:
        services.event_change_status(event=event, to_code="OPENED", actor=operator)
    assert excinfo.value.code == "illegal_transition"
    services.event_change_status(event=event, to_code="RESOLVED", actor=operator)
    services.event_change_status(event=event, to_code="CLOSED", actor=operator)
    event.refresh_from_db()
    assert event.closed_at is not None and event.status.code == "CLOSED"
    kinds = list(
        EventStatusHistory.objects.filter(event=event).order_by("changed_at", "id").values_list("kind", flat=True)
    )
    assert kinds == ["opened", "manual", "manual", "manual"]


def test_stale_version_is_a_conflict_and_changes_nothing(operator, admin_user):
    event = covered_case(actor=operator)
    services.event_update(event=Event.objects.get(pk=event.pk), data={"description": "first"}, expected_version=1)
    with pytest.raises(ConflictError) as excinfo:
        services.event_update(event=Event.objects.get(pk=event.pk), data={"description": "second"}, expected_version=1)
    assert excinfo.value.code == "stale_version"
    assert Event.objects.get(pk=event.pk).description == "first"


def test_temporary_switch_reverts_when_due(operator):
    event = covered_case(actor=operator)
    now = timezone.now()
    services.event_change_status(event=event, to_code="IN_PROGRESS", actor=operator, now=now)
    services.event_change_status(
        event=event,
        to_code="ON_HOLD",
        revert_at=now + datetime.timedelta(hours=2),
        reason="waiting",
        actor=operator,
        now=now,
    )
    assert services.status_switches_revert_due(now=now + datetime.timedelta(hours=1)) == 0
    assert Event.objects.get(pk=event.pk).status.code == "ON_HOLD"
    assert services.status_switches_revert_due(now=now + datetime.timedelta(hours=2, seconds=1)) == 1
    event.refresh_from_db()
    assert event.status.code == "IN_PROGRESS"
    assert event.status_switches.get().state == SwitchState.REVERTED
    assert EventStatusHistory.objects.filter(event=event, kind="revert").exists()


def test_revert_does_not_overwrite_a_manual_change(operator):
    event = covered_case(actor=operator)
    now = timezone.now()
    services.event_change_status(event=event, to_code="IN_PROGRESS", actor=operator, now=now)
    services.event_change_status(
        event=event, to_code="ON_HOLD", revert_at=now + datetime.timedelta(hours=1), actor=operator
    )
    services.event_change_status(event=event, to_code="CANCELLED", reason="traveller cancelled", actor=operator)
    services.status_switches_revert_due(now=now + datetime.timedelta(hours=2))
    event.refresh_from_db()
    assert event.status.code == "CANCELLED"
    assert event.status_switches.get().state == SwitchState.SKIPPED
    assert EventStatusHistory.objects.filter(event=event, kind="revert_skipped").exists()


def test_switch_cancelled_early_restores_the_previous_status(operator):
    event = covered_case(actor=operator)
    services.event_change_status(event=event, to_code="ON_HOLD", revert_at=timezone.now() + datetime.timedelta(days=1))
    switch = event.status_switches.get()
    services.event_switch_cancel(switch=switch, actor=operator)
    assert Event.objects.get(pk=event.pk).status.code == "OPENED"
    with pytest.raises(ConflictError):
        services.event_switch_cancel(switch=switch, actor=operator)


@pytest.mark.parametrize("delta", [datetime.timedelta(minutes=-1), datetime.timedelta(days=31)])
def test_revert_time_must_be_reasonable(operator, delta):
    event = covered_case(actor=operator)
    with pytest.raises(ApplicationError) as excinfo:
        services.event_change_status(event=event, to_code="ON_HOLD", revert_at=timezone.now() + delta)
    assert "revert_at" in excinfo.value.extra["errors"]


def test_provider_assignment_lifecycle_with_guarantee_and_tracking(operator):
    event = covered_case(source="MOK", actor=operator)
    ambulance_provider = ProviderFactory(assistances=[event.assistance])
    location = LocationFactory(provider=ambulance_provider)
    assignment = services.event_provider_assign(
        event=event, provider=ambulance_provider, location=location, guaranteed_amount=Decimal("400"), actor=operator
    )
    assert assignment.status.code == "ASSIGNED" and assignment.currency == "USD"
    assert BenefitCommitment.objects.get(pk=assignment.commitment_id).amount == Decimal("400")
    services.event_provider_transition(assignment=assignment, to_code="STARTED", actor=operator)
    services.event_provider_transition(
        assignment=assignment, to_code="RESOLVED", final_cost=Decimal("380"), actor=operator
    )
    assignment.refresh_from_db()
    assert assignment.started_at and assignment.resolved_at and assignment.final_cost == Decimal("380")
    actions = list(TrackingMessage.objects.filter(event=event).order_by("id").values_list("action", flat=True))
    assert actions == ["EVENT_PROVIDER_CREATE", "EVENT_PROVIDER_START", "EVENT_PROVIDER_RESOLVE"]
    with pytest.raises(ConflictError):
        services.event_provider_transition(assignment=assignment, to_code="STARTED", actor=operator)


def test_guarantee_above_the_remaining_limit_is_refused(operator):
    event = covered_case(actor=operator)
    provider = ProviderFactory(assistances=[event.assistance])
    with pytest.raises(ConflictError) as excinfo:
        services.event_provider_assign(
            event=event, provider=provider, guaranteed_amount=Decimal("1500"), actor=operator
        )
    assert excinfo.value.code == "benefit_limit_exceeded"
    assert not event.providers.exists()


def test_cancelling_an_assignment_releases_the_guarantee(operator):
    event = covered_case(actor=operator)
    provider = ProviderFactory(assistances=[event.assistance])
    first = services.event_provider_assign(event=event, provider=provider, guaranteed_amount=Decimal("900"))
    services.event_provider_transition(assignment=first, to_code="CANCELLED", actor=operator)
    services.event_provider_assign(event=event, provider=provider, guaranteed_amount=Decimal("900"))


@pytest.mark.parametrize("problem", ["inactive", "other_service", "other_location"])
def test_unsuitable_providers_are_refused(operator, problem):
    event = covered_case(actor=operator)
    provider = ProviderFactory(assistances=[event.assistance], is_active=problem != "inactive")
    if problem == "other_service":
        provider.assistances.set([Assistance.objects.get(code="TOWING")])
    location = LocationFactory() if problem == "other_location" else None
    with pytest.raises(ApplicationError) as excinfo:
        services.event_provider_assign(event=event, provider=provider, location=location, actor=operator)
    assert set(excinfo.value.extra["errors"]) & {"provider", "location"}


def test_notes_track_only_mok_cases(operator):
    mok = covered_case(source="MOK", actor=operator, external_reference="M-1")
    kom = covered_case(source="KOM", actor=operator, external_reference="K-1")
    services.note_create(event=mok, body="Called the hotel", visibility="shared", actor=operator)
    services.note_create(event=kom, body="Called the hotel", actor=operator)
    assert TrackingMessage.objects.filter(event=mok, action="NOTE_REGISTER").count() == 1
    assert not TrackingMessage.objects.filter(event=kom).exists()
    with pytest.raises(ApplicationError):
        services.note_create(event=kom, body="   ", actor=operator)


def test_drafts_promote_and_expire(operator, admin_user):
    draft = services.draft_save(owner=operator, data={"traveller_name": "Luis"})
    with pytest.raises(ConflictError):
        services.draft_save(owner=admin_user, draft=draft, data={})
    event = covered_case(actor=operator)
    with pytest.raises(ConflictError) as incomplete:
        services.draft_promote(draft=draft, actor=operator)
    assert incomplete.value.code == "draft_incomplete" and incomplete.value.status_code == 409
    assert {"source_code", "assistance", "country"} <= set(incomplete.value.extra["errors"])
    data = {
        "source_code": "PHONE",
        "traveller_name": "Luis",
        "assistance": event.assistance.code,
        "country": event.country.iso2,
        "voucher": event.voucher.number,
    }
    draft = services.draft_save(owner=operator, draft=draft, data=data)
    promoted = services.draft_promote(draft=draft, actor=operator)
    draft.refresh_from_db()
    assert draft.promoted_event == promoted
    stale = services.draft_save(owner=operator, data={}, now=timezone.now() - datetime.timedelta(days=8))
    assert services.drafts_expire() == 1
    assert not type(stale).objects.filter(pk=stale.pk).exists()


def test_periodic_tasks_run_the_services(operator):
    from apps.assistances import tasks

    event = covered_case(actor=operator)
    Event.objects.filter(pk=event.pk).update(sla_due_at=timezone.now() - datetime.timedelta(minutes=1))
    assert tasks.flag_sla_breaches.delay().get() == 1
    assert tasks.flag_sla_breaches() == 0  # flagged once
    services.event_change_status(
        event=event, to_code="ON_HOLD", revert_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    Event.objects.get(pk=event.pk).status_switches.update(revert_at=timezone.now() - datetime.timedelta(seconds=1))
    assert tasks.revert_due_switches() == 1
    assert Event.objects.get(pk=event.pk).status.code == "OPENED"
    assert tasks.expire_drafts() == 0


def test_a_partner_cannot_write_notes_on_another_sources_case(operator):
    class Partner:
        is_api_client = True
        is_authenticated = True
        source_code = "MOK"
        pk = 0

    kom = covered_case(actor=operator, source="KOM", external_reference="K-9")
    with pytest.raises(ApplicationError) as excinfo:
        services.note_create(event=kom, body="not mine", actor=Partner())
    assert "event" in excinfo.value.extra["errors"]
    assert not kom.notes.exists()


def test_provider_steps_follow_the_status_role_not_its_code(operator):
    """An operator may recode a status: the service reacts to its role (catalog data)."""
    from apps.masters.models import EventProviderStatus

    EventProviderStatus.objects.filter(code="STARTED").update(code="ON_SITE")
    EventProviderStatus.objects.filter(code="CANCELLED").update(code="DROPPED")
    event = covered_case(source="MOK", actor=operator)
    provider = ProviderFactory(assistances=[event.assistance])
    first = services.event_provider_assign(event=event, provider=provider, guaranteed_amount=Decimal("900"))
    services.event_provider_transition(assignment=first, to_code="ON_SITE", actor=operator)
    services.event_provider_transition(assignment=first, to_code="DROPPED", actor=operator)
    first.refresh_from_db()
    assert first.started_at and first.cancelled_at
    assert BenefitCommitment.objects.get(pk=first.commitment_id).released
    actions = list(TrackingMessage.objects.filter(event=event).order_by("id").values_list("action", flat=True))
    assert actions == ["EVENT_PROVIDER_CREATE", "EVENT_PROVIDER_START"]
