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


def admin_form_data(page) -> dict:
    """What a browser would post back, unchanged, from a rendered admin change page."""
    forms = [page.context["adminform"].form]
    data = {}
    for inline in page.context.get("inline_admin_formsets", []):
        formset = inline.formset
        forms.append(formset.management_form)
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            bound = form[name]
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, (list, tuple)):
                data[bound.html_name] = [str(v) for v in value]
            else:
                formatted = bound.field.widget.format_value(value)
                if isinstance(formatted, list):  # a select's value(s)
                    formatted = formatted[0] if formatted else ""
                data[bound.html_name] = "" if formatted is None else str(formatted)
    if page.context.get("seen_version"):
        data["_seen_version"] = page.context["seen_version"]
    return data
