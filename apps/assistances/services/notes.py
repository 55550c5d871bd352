"""Notes on a case: who may write on which case, internal versus shared notes (a partner's are always
shared), and the NOTE_REGISTER tracking message for a shared note that leaves the company."""

from django.db import transaction
from django.utils.translation import gettext as _

from apps.assistances.models import Event, Note, NoteVisibility
from apps.assistances.selectors import event_list
from apps.audit.crud import audit_created
from apps.core.context import Actor, current_actor, user_or_none
from apps.core.exceptions import ValidationFailed, coded
from apps.core.visibility import partner_source
from apps.tracking.models import TrackingAction
from apps.tracking.services import tracking_record


@transaction.atomic
def note_create(
    *, event: Event, body: str, kind: str = "general", visibility: str | None = None, actor: Actor = None
) -> Note:
    """Add a note to a case.

    Operators' notes are internal unless they say ``shared``. A partner's note is always shared
    with that partner (it wrote it; it must be able to read it back), so asking for an internal
    one is refused. Only shared notes leave the company: a NOTE_REGISTER tracking message is
    recorded for a shared note written by someone other than the partner it would go to (an
    internal note, or the partner's own note echoed back to it, records nothing).
    """
    actor = current_actor(actor)
    # A partner may only write on its own source's cases (operators see them all).
    if not event_list(caller=actor).filter(pk=event.pk).exists():
        raise ValidationFailed({"event": [coded(_("Unknown case."), "does_not_exist")]})
    if not (body or "").strip():
        raise ValidationFailed({"body": [_("A note needs some text.")]})
    by_partner = partner_source(actor) is not None
    if by_partner:
        if visibility not in (None, "", NoteVisibility.SHARED):
            raise ValidationFailed(
                {"visibility": [coded(_("Notes written by a partner are always shared with it."), "shared_only")]}
            )
        visibility = NoteVisibility.SHARED
    visibility = visibility or NoteVisibility.INTERNAL
    note = Note(
        event=event,
        body=body.strip(),
        kind=kind,
        visibility=visibility,
        author=user_or_none(actor),
        author_repr=str(actor)[:255] if actor is not None else "",
    )
    note.full_clean()
    note.save()
    audit_created(note, actor=actor, case_reference=event.code)
    if note.visibility == NoteVisibility.SHARED and not by_partner:
        tracking_record(
            event=event,
            action=TrackingAction.NOTE_REGISTER,
            payload={"note_id": note.pk, "kind": note.kind, "visibility": note.visibility, "body": note.body},
        )
    return note
