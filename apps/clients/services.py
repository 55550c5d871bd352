"""Writes of API clients and their keys. Admin and commands call these; every change is audited.

Key material never reaches the audit trail: entries name a key by id and prefix only.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.crud import audited_create, audited_delete, audited_update
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.clients import keys
from apps.clients.models import ApiClient, ApiKey
from apps.clients.scopes import ALL_SCOPES
from apps.core.context import current_actor, user_or_none
from apps.core.exceptions import ConflictError, ValidationFailed
from apps.masters.services import source_check

# How often ``last_used_at`` is written: often enough to tell idle keys, rarely enough not to
# turn every API request into a database write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedKey:
    """A newly issued key: the row, and the plaintext to hand over once (it is not stored)."""

    key: ApiKey
    plaintext: str


def api_client_validate(*, instance: ApiClient, data: dict) -> None:
    """A known, active source; scopes among the resource servers' (a typo would silently grant nothing), sorted."""
    if "source_code" in data and (instance.pk is None or data["source_code"] != instance.source_code):
        source_check(code=data["source_code"], field="source_code")
    if "allowed_scopes" in data:
        scopes = data["allowed_scopes"]
        if not isinstance(scopes, list | tuple) or not all(isinstance(s, str) for s in scopes):
            message = _("A list of scopes.")
            raise ValidationFailed({"allowed_scopes": [message]}, message)
        unknown = sorted(set(scopes) - set(ALL_SCOPES))
        if unknown:
            message = _("Unknown scopes: %(unknown)s. Known: %(known)s.") % {
                "unknown": ", ".join(unknown),
                "known": ", ".join(ALL_SCOPES),
            }
            raise ValidationFailed({"allowed_scopes": [message]}, message)
        data["allowed_scopes"] = sorted(set(scopes))
    if "cognito_client_id" in data:
        data["cognito_client_id"] = (data["cognito_client_id"] or "").strip()


@transaction.atomic
def api_client_create(*, data: dict, actor=None) -> ApiClient:
    return audited_create(model=ApiClient, data=dict(data), actor=actor, validate=api_client_validate)


@transaction.atomic
def api_client_update(*, instance: ApiClient, data: dict, actor=None) -> ApiClient:
    return audited_update(instance=instance, data=dict(data), actor=actor, validate=api_client_validate)


@transaction.atomic
def api_client_delete(*, instance: ApiClient, actor=None) -> None:
    """Only a client that never had a key can be deleted; otherwise deactivate it (409)."""
    audited_delete(instance=instance, actor=actor)


def _key_snapshot(key: ApiKey) -> dict:
    return {
        "client": key.client_id,
        "label": key.label,
        "prefix": key.prefix,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


@transaction.atomic
def api_key_issue(*, client: ApiClient, label: str = "", actor=None) -> IssuedKey:
    """Issue a new key for ``client``. The plaintext is returned once and never stored."""
    actor = current_actor(actor)
    plaintext = keys.generate_key()
    key = ApiKey(
        client=client,
        label=(label or "").strip()[:100],
        prefix=keys.key_prefix(plaintext),
        key_hash=keys.hash_key(plaintext),
        created_by=user_or_none(actor),
    )
    key.full_clean()
    key.save()
    audit_record(action=AuditAction.API_KEY_ISSUE, instance=key, changes={"after": _key_snapshot(key)}, actor=actor)
    return IssuedKey(key=key, plaintext=plaintext)


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor=None, at: datetime | None = None) -> ApiKey:
    """Revoke ``key`` now (or at ``at``, for a rotation's overlap). An earlier revocation stands."""
    actor = current_actor(actor)
    key = ApiKey.objects.select_for_update().select_related("client").get(pk=key.pk)
    now = timezone.now()
    when = at or now
    if key.revoked_at is not None and key.revoked_at <= max(when, now):
        raise ConflictError(_("This key is already revoked, or due to be sooner."), code="already_revoked")
    before = key.revoked_at
    key.revoked_at = when
    key.save(update_fields=["revoked_at"])
    audit_record(
        action=AuditAction.API_KEY_REVOKE,
        instance=key,
        changes={"revoked_at": [before.isoformat() if before else None, when.isoformat()]},
        actor=actor,
    )
    return key


# How long a rotated key keeps working: the partner deploys the new key in the meantime.
ROTATION_OVERLAP = timedelta(hours=24)


@transaction.atomic
def api_key_rotate(*, key: ApiKey, overlap: timedelta = ROTATION_OVERLAP, actor=None) -> IssuedKey:
    """Issue a successor to ``key`` and revoke ``key`` after ``overlap`` (24 hours by default).

    The overlap lets a partner deploy the new key before the old one stops working.
    """
    if overlap < timedelta(0):
        message = _("The overlap cannot be negative.")
        raise ValidationFailed({"overlap": [message]}, message)
    key = ApiKey.objects.select_for_update().select_related("client").get(pk=key.pk)
    if not key.is_usable():
        raise ConflictError(_("This key is already revoked; issue a new one instead."), code="already_revoked")
    issued = api_key_issue(client=key.client, label=key.label, actor=actor)
    api_key_revoke(key=key, at=timezone.now() + overlap, actor=actor)
    return issued


@transaction.atomic
def api_client_register(
    *, name: str, source_code: str, cognito_client_id: str, scopes: list[str], plan: dict | None = None, actor=None
) -> tuple[ApiClient, IssuedKey]:
    """A new client with its first key (the management command's one step); ``plan`` may set
    ``rate_per_second``, ``burst`` and ``monthly_quota`` (the defaults otherwise)."""
    client = api_client_create(
        data={
            "name": name,
            "source_code": source_code,
            "cognito_client_id": cognito_client_id,
            "allowed_scopes": list(scopes),
            **(plan or {}),
        },
        actor=actor,
    )
    return client, api_key_issue(client=client, label="initial", actor=actor)


def api_key_mark_used(*, key: ApiKey, now: datetime | None = None) -> None:
    """Record that a key was used, at most once per ``LAST_USED_RESOLUTION`` (not audited: it is no change)."""
    now = now or timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now
