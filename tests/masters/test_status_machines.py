"""The seeded status machines are consistent, and the consistency check really detects problems."""

import pytest

from apps.masters.models import STATUS_MODELS, EventStatus
from apps.masters.selectors import all_status_machine_problems, status_allows, status_machine_problems
from tests.masters.factories import EventStatusFactory

pytestmark = pytest.mark.django_db


def test_seeded_machines_have_no_problems():
    assert all_status_machine_problems() == {model._meta.label_lower: [] for model in STATUS_MODELS}


@pytest.mark.parametrize("model", STATUS_MODELS)
def test_each_machine_has_initial_and_final_statuses_and_known_targets(model):
    statuses = list(model.objects.prefetch_related("next_statuses"))
    assert any(s.is_initial for s in statuses)
    assert any(s.is_final for s in statuses)
    codes = {s.code for s in statuses}
    for status in statuses:
        assert {n.code for n in status.next_statuses.all()} <= codes


def test_transitions_are_compared_by_code():
    assert status_allows(EventStatus, from_code="OPENED", to_code="IN_PROGRESS")
    assert not status_allows(EventStatus, from_code="CLOSED", to_code="OPENED")


def test_problems_are_detected():
    orphan = EventStatusFactory(code="ORPHAN")
    closed = EventStatus.objects.get(code="CLOSED")
    closed.next_statuses.add(orphan)
    problems = status_machine_problems(EventStatus)
    assert "final status CLOSED has next statuses" in problems
    assert "status ORPHAN is a dead end but not final" in problems
    EventStatusFactory(code="UNREACHABLE", is_final=True)
    assert "status UNREACHABLE is unreachable" in status_machine_problems(EventStatus)
