"""Findings of the schema fuzzer (tests/fuzz) on phone consultations, kept fixed."""

import re

import pytest

from tests.consultations.factories import PhoneConsultationFactory
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

URL = "/v1/assistances/phone-consultations"
# RFC 3339: the offset is hours and minutes, never seconds.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def test_a_call_cannot_start_centuries_ago(operator_client):
    # Stored, it was answered as "0534-10-22T22:04:25-03:53:48" (local mean time): not a date-time.
    consultation = PhoneConsultationFactory()
    response = operator_client.patch(f"{URL}/{consultation.pk}", {"started_at": "0534-10-23T01:58:13Z"}, format="json")
    body = assert_problem(response, 400, "validation_error")
    assert "started_at" in body["errors"]


def test_started_at_is_answered_as_an_rfc3339_date_time(operator_client):
    consultation = PhoneConsultationFactory()
    response = operator_client.patch(f"{URL}/{consultation.pk}", {"started_at": "2000-01-01T00:00:00Z"}, format="json")
    assert response.status_code == 200, response.content
    assert RFC3339.match(response.json()["started_at"])
