"""Findings of the schema fuzzer (tests/fuzz) on providers, kept fixed."""

import pytest
from rest_framework.test import APIClient

from tests.providers.factories import LocationFactory

pytestmark = pytest.mark.django_db


def test_a_patch_answers_the_same_fields_as_a_get(admin_user):
    # A partial serializer skipped read-only fields with a default (city_name) in PATCH answers.
    api = APIClient()
    api.force_login(admin_user)
    location = LocationFactory()
    url = f"/v1/providers/{location.provider_id}/locations/{location.pk}"
    patched = api.patch(url, {"name": "Sede central"}, format="json")
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert body["name"] == "Sede central"
    assert body["city_name"] is None
    assert set(body) == set(api.get(url).json())
