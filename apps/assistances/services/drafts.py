"""Drafts of a case: an operator's free-form content kept for a week, changed only by its author,
and promoted once into a case opened exactly like a new one."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.assistances.api.serializers import EventCreateSerializer
from apps.assistances.models import Event, EventDraft
from apps.assistances.services.opening import event_open
from apps.core.context import Actor, current_actor, user_or_none
from apps.core.exceptions import ConflictError, ValidationFailed

DRAFT_LIFETIME = timedelta(days=7)


@transaction.atomic
def draft_save(*, owner, data: dict, draft: EventDraft | None = None, now: datetime | None = None) -> EventDraft:
    """Create or replace a draft's content; any shape is accepted until promotion."""
    now = now or timezone.now()
    if not isinstance(data, dict):
        raise ValidationFailed({"data": [_("A draft is a JSON object.")]})
    if draft is None:
        draft = EventDraft(owner=owner)
    elif draft.owner_id != owner.pk:
        raise ConflictError(_("Only the author can change a draft."), code="not_owner", status_code=403)
    if draft.promoted_event_id:
        raise ConflictError(_("This draft was already promoted."), code="draft_promoted")
    draft.data = data
    draft.expires_at = now + DRAFT_LIFETIME
    draft.save()
    return draft


@transaction.atomic
def draft_attach(*, draft_id, owner, event: Event) -> None:
    """The console's autosaved draft became ``event`` (opened from the form): it is done.

    Only the author's own, unpromoted draft is touched; anything else (an id from another tab, a
    draft promoted meanwhile) is left as it is — the case is open either way.
    """
    draft = (
        EventDraft.objects.select_for_update().filter(pk=draft_id, owner=owner, promoted_event__isnull=True).first()
        if str(draft_id).isdigit()
        else None
    )
    if draft is not None:
        draft.promoted_event = event
        draft.save(update_fields=["promoted_event", "updated_at"])


def drafts_expire(*, now: datetime | None = None) -> int:
    """Delete drafts past their expiry (periodic task)."""
    deleted, _ = EventDraft.objects.filter(expires_at__lte=now or timezone.now(), promoted_event__isnull=True).delete()
    return deleted


@transaction.atomic
def draft_promote(*, draft: EventDraft, override_reason: str = "", actor: Actor = None) -> Event:
    """Open the case a draft describes, exactly as opening it directly would.

    The draft holds what the API's opening takes (codes and numbers, not ids), so its content is read
    by that same input serializer, scoped to ``actor``: a draft that is not a complete case yet is a
    409 ``draft_incomplete`` naming every missing or invalid field, from the admin as from the API.
    ``override_reason`` (or the draft's own) is the operator's reason to open an uncovered case.
    """
    actor = current_actor(actor)
    draft = EventDraft.objects.select_for_update().get(pk=draft.pk)
    if draft.promoted_event_id:
        raise ConflictError(_("This draft was already promoted."), code="draft_promoted")
    if user_or_none(actor) is not None and draft.owner_id != actor.pk:
        raise ConflictError(_("Only the author can promote a draft."), code="not_owner", status_code=403)
    content = EventCreateSerializer(data=draft.data, context={"caller": actor})
    if not content.is_valid():
        # The request is fine; the stored draft is not a case yet: a conflict with its state.
        raise ConflictError(
            _("The draft is not a complete case yet; complete the fields named in errors."),
            code="draft_incomplete",
            extra={"errors": content.errors},
        )
    data = dict(content.validated_data)
    drafted_reason = data.pop("override_reason", "")
    result = event_open(data=data, override_reason=override_reason or drafted_reason, actor=actor)
    draft.promoted_event = result.event
    draft.save(update_fields=["promoted_event", "updated_at"])
    return result.event
