"""A closed case closes its work: no provider left assigned, nothing left committed in vain."""

from decimal import Decimal

import pytest

from apps.assistances import services
from apps.assistances.models import Event, EventProvider
from apps.core.exceptions import ConflictError
from apps.vouchers.models import BenefitCommitment
from tests.assistances.factories import covered_case
from tests.helpers import assert_problem
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def _case_with_provider(operator, guarantee="1500"):
    case = covered_case(actor=operator)
    # The voucher's benefit (USD 1,000 in the factory) is raised so a 1,500 guarantee fits.
    case.voucher.benefits.update(limit_amount=Decimal("5000"))
    provider = ProviderFactory(assistances=[case.assistance])
    assignment = services.event_provider_assign(
        event=case, provider=provider, guaranteed_amount=Decimal(guarantee), actor=operator
    )
    services.event_change_status(event=Event.objects.get(pk=case.pk), to_code="IN_PROGRESS", actor=operator)
    services.event_change_status(event=Event.objects.get(pk=case.pk), to_code="RESOLVED", actor=operator)
    return Event.objects.get(pk=case.pk), assignment


def test_closing_with_a_provider_still_assigned_is_refused_and_changes_nothing(operator):
    case, assignment = _case_with_provider(operator)
    with pytest.raises(ConflictError) as refused:
        services.event_change_status(event=case, to_code="CLOSED", actor=operator)
    assert refused.value.code == "open_assignments"
    assert refused.value.extra["assignments"] == [assignment.pk]
    assert Event.objects.get(pk=case.pk).status.code == "RESOLVED"
    assert not BenefitCommitment.objects.get(pk=assignment.commitment_id).released


def test_closing_and_cancelling_releases_the_guarantee(operator):
    case, assignment = _case_with_provider(operator)
    services.event_change_status(event=case, to_code="CLOSED", open_assignments="cancel", actor=operator)
    assignment = EventProvider.objects.select_related("status").get(pk=assignment.pk)
    assert assignment.status.code == "CANCELLED" and assignment.cancelled_at is not None
    assert BenefitCommitment.objects.get(pk=assignment.commitment_id).released
    assert Event.objects.get(pk=case.pk).closed_at is not None


def test_closing_and_resolving_walks_the_provider_machine(operator):
    case, assignment = _case_with_provider(operator)
    services.event_change_status(event=case, to_code="CLOSED", open_assignments="resolve", actor=operator)
    assignment = EventProvider.objects.select_related("status").get(pk=assignment.pk)
    # ASSIGNED cannot lead to RESOLVED directly: it was started, then resolved.
    assert assignment.status.code == "RESOLVED" and assignment.started_at and assignment.resolved_at
    assert not BenefitCommitment.objects.get(pk=assignment.commitment_id).released  # the guarantee was used


def test_a_resolved_service_keeps_only_its_final_cost_committed(operator):
    case, assignment = _case_with_provider(operator)
    services.event_provider_transition(assignment=assignment, to_code="STARTED", actor=operator)
    services.event_provider_transition(
        assignment=assignment, to_code="RESOLVED", final_cost=Decimal("1200.00"), actor=operator
    )
    services.event_change_status(event=case, to_code="CLOSED", actor=operator)
    commitment = BenefitCommitment.objects.get(pk=assignment.commitment_id)
    assert commitment.amount == Decimal("1200.00") and not commitment.released


def test_the_api_says_why_and_takes_the_choice(operator, operator_client):
    case, assignment = _case_with_provider(operator)
    url = f"/v1/assistances/events/{case.pk}/statuses"
    refused = operator_client.post(url, {"status": "CLOSED"}, format="json")
    body = assert_problem(refused, 409)
    assert body["code"] == "open_assignments"
    closed = operator_client.post(url, {"status": "CLOSED", "open_assignments": "cancel"}, format="json")
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "CLOSED"
    assert BenefitCommitment.objects.get(pk=assignment.commitment_id).released


def test_the_console_asks_for_the_choice_and_the_provider_has_its_own_actions(client, operator):
    case, assignment = _case_with_provider(operator)
    client.force_login(operator)
    page = client.get(f"/admin/assistances/event/{case.pk}/status/").content.decode()
    assert "open_assignments" in page and assignment.provider.display_name in page
    closed_status = case.status.next_statuses.get(code="CLOSED")
    refused = client.post(f"/admin/assistances/event/{case.pk}/status/", {"status": closed_status.pk})
    assert refused.status_code == 200 and Event.objects.get(pk=case.pk).closed_at is None

    # The provider-on-case record: start, then resolve with its final cost, from the case page.
    case_page = client.get(f"/admin/assistances/event/{case.pk}/change/").content.decode()
    step_url = f"/admin/assistances/event/{case.pk}/providers/{assignment.pk}/"
    assert step_url in case_page
    started = assignment.status.next_statuses.get(code="STARTED")
    assert client.post(step_url, {"status": started.pk}).status_code == 302
    assignment.refresh_from_db()
    resolved = assignment.status.next_statuses.get(code="RESOLVED")
    assert client.post(step_url, {"status": resolved.pk, "final_cost": "900.50"}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.status.code == "RESOLVED" and assignment.final_cost == Decimal("900.50")

    assert client.post(f"/admin/assistances/event/{case.pk}/status/", {"status": closed_status.pk}).status_code == 302
    assert BenefitCommitment.objects.get(pk=assignment.commitment_id).amount == Decimal("900.50")
