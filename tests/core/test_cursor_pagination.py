"""A cursor that cannot be decoded is a malformed parameter: 400, like a malformed page number."""

import pytest

from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("cursor", ["default", "cj14"])  # undecodable; "r=x" in base64
def test_an_invalid_cursor_is_a_400_problem(operator_client, cursor):
    body = assert_problem(operator_client.get("/v1/assistances/notes", {"cursor": cursor}), 400, "validation_error")
    assert "cursor" in body["errors"]


def test_a_valid_cursor_still_pages(operator_client):
    response = operator_client.get("/v1/assistances/notes", {"page_size": 1})
    assert response.status_code == 200, response.content
