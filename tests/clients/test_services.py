"""Clients and keys through the services: validation, hashing, rotation, revocation, audit."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.clients import services
from apps.clients.models import ApiClient, ApiKey
from apps.core.exceptions import ApplicationError, ConflictError
from tests.clients.factories import audit_entries, make_partner
from tests.clients.support import KOM_READ, READ, WRITE

pytestmark = pytest.mark.django_db


def _client(**data) -> ApiClient:
    return services.api_client_create(
        data={"name": "KOM", "source_code": "KOM", "cognito_client_id": "abc123", "allowed_scopes": [READ], **data}
    )


def test_a_client_gets_the_seeds_usage_plan_by_default():
    client = _client()
    assert (client.rate_per_second, client.burst, client.monthly_quota) == (10.0, 20, 10_000)
    assert client.is_active


def test_scopes_are_checked_and_stored_sorted_without_duplicates():
    client = _client(allowed_scopes=[WRITE, READ, WRITE, KOM_READ])
    assert client.allowed_scopes == sorted({READ, WRITE, KOM_READ})
    for bad in (["assistances-services/read"], ["read"], "assistences-services/read", [1]):
        with pytest.raises(ApplicationError) as excinfo:
            services.api_client_update(instance=client, data={"allowed_scopes": bad})
        assert "allowed_scopes" in excinfo.value.extra["errors"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("rate_per_second", 0), ("burst", 0), ("monthly_quota", 0), ("cognito_client_id", "")],
)
def test_invalid_values_are_refused(field, value):
    with pytest.raises(ValidationError) as excinfo:
        _client(**{field: value})
    assert list(excinfo.value.message_dict) == [field]
    assert not ApiClient.objects.exists()


def test_a_source_outside_the_catalog_is_refused():
    with pytest.raises(ApplicationError) as excinfo:
        _client(source_code="FAX")
    assert list(excinfo.value.extra["errors"]) == ["source_code"]
    assert not ApiClient.objects.exists()


def test_client_ids_are_unique():
    _client()
    with pytest.raises(ValidationError) as excinfo:
        _client(name="other")
    assert list(excinfo.value.message_dict) == ["cognito_client_id"]


def test_a_key_is_stored_only_as_its_digest_and_audited_without_it():
    client = _client()
    issued = services.api_key_issue(client=client, label="prod")
    key = ApiKey.objects.get()
    assert issued.plaintext.startswith("bta_") and len(issued.plaintext) >= 40
    assert key.key_hash == hashlib.sha256(issued.plaintext.encode()).hexdigest()
    assert key.prefix == issued.plaintext[:12] and key.label == "prod"
    # The plaintext is nowhere in the database: not on the row, not in the audit trail.
    assert issued.plaintext not in json.dumps(list(ApiKey.objects.values()), default=str)
    entries = audit_entries(action="api_key_issue")
    assert len(entries) == 1 and entries[0]["object_id"] == str(key.pk)
    assert issued.plaintext not in json.dumps(entries) and key.key_hash not in json.dumps(entries)


def test_keys_are_unique_random_values():
    client = _client()
    plaintexts = {services.api_key_issue(client=client).plaintext for _ in range(20)}
    assert len(plaintexts) == 20


def test_revoke_now_and_twice():
    client = _client()
    key = services.api_key_issue(client=client).key
    services.api_key_revoke(key=key)
    key.refresh_from_db()
    assert key.revoked_at is not None and not key.is_usable()
    assert not ApiKey.objects.usable().exists()
    with pytest.raises(ConflictError):
        services.api_key_revoke(key=key)
    assert len(audit_entries(action="api_key_revoke")) == 1


def test_rotation_issues_a_successor_and_schedules_the_old_keys_end():
    client = _client()
    old = services.api_key_issue(client=client, label="prod").key
    issued = services.api_key_rotate(key=old, overlap=timedelta(hours=24))
    old.refresh_from_db()
    assert issued.key.label == "prod" and issued.key.client == client and issued.key.is_usable()
    assert old.is_usable() and old.revoked_at > timezone.now() + timedelta(hours=23)
    assert set(ApiKey.objects.usable()) == {old, issued.key}
    assert not old.is_usable(now=timezone.now() + timedelta(hours=25))
    # Revoking the old key earlier than planned is allowed; rotating a revoked key is not.
    services.api_key_revoke(key=old)
    with pytest.raises(ConflictError):
        services.api_key_rotate(key=ApiKey.objects.get(pk=old.pk))
    with pytest.raises(ApplicationError):
        services.api_key_rotate(key=issued.key, overlap=timedelta(seconds=-1))


def test_a_client_with_keys_is_deactivated_not_deleted():
    partner = make_partner()
    with pytest.raises(ConflictError):
        services.api_client_delete(instance=partner.client)
    keyless = _client(name="keyless", cognito_client_id="zzz")
    services.api_client_delete(instance=keyless)
    assert not ApiClient.objects.filter(pk=keyless.pk).exists()


def test_marking_a_key_used_writes_at_most_every_few_minutes():
    key = services.api_key_issue(client=_client()).key
    now = timezone.now()
    services.api_key_mark_used(key=key, now=now)
    services.api_key_mark_used(key=key, now=now + timedelta(minutes=1))
    assert ApiKey.objects.get(pk=key.pk).last_used_at == now
    later = now + services.LAST_USED_RESOLUTION
    services.api_key_mark_used(key=key, now=later)
    assert ApiKey.objects.get(pk=key.pk).last_used_at == later
