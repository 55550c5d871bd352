"""Assertions shared by the API and admin tests."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def assert_problem(response, status: int, code: str | None = None) -> dict:
    """The response is an RFC 9457 problem document with the project's members."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:bigtree-assist:problem:")
    assert body["title"] and body["detail"] and body["request_id"]
    if code:
        assert body["code"] == code
    return body


def count_queries(client, url: str, expected_status: int = 200) -> int:
    """How many SQL queries one GET costs (for constant-query-count assertions)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == expected_status, response.content[:500]
    return len(ctx.captured_queries)
