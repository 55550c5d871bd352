"""The provider's proof of service: a photo (JPEG, PNG) or a signed PDF, attached to its assignment.

Checked by content through the shared file layer (the declared type must agree with the bytes), the
same content stored once per assignment, audited. Taken from the acceptance on: an offer has nothing
to prove yet, a declined or expired one never will.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.assistances.models import AssignmentProof, EventProvider
from apps.audit.crud import audited_file_add
from apps.core.context import Actor, current_actor
from apps.core.exceptions import ConflictError
from apps.core.files.formats import JPEG, PDF, PNG
from apps.core.files.services import ContentCheck, FileRules
from apps.masters.models import StatusRole

PROOF_RULES = FileRules(
    model=AssignmentProof,
    check=ContentCheck(
        formats=(JPEG, PNG, PDF),
        refusal=gettext_lazy("A proof of service must be a photo (JPEG or PNG) or a PDF document."),
    ),
    max_bytes_setting="ASSIGNMENT_PROOF_MAX_BYTES",
)
# The assignment's statuses a proof may come in.
PROOF_ROLES = {StatusRole.ACCEPTED, StatusRole.EN_ROUTE, StatusRole.STARTED, StatusRole.RESOLVED}


def assignment_proof_add(*, assignment: EventProvider, upload, actor: Actor = None) -> tuple[AssignmentProof, bool]:
    """Attach a proof to an accepted assignment; ``(proof, created)``: the same content again returns it."""
    actor = current_actor(actor)
    assignment = EventProvider.objects.select_related("status", "event").get(pk=assignment.pk)
    if assignment.status.role not in PROOF_ROLES:
        raise ConflictError(_("A proof is attached once the job is accepted."), code="not_accepted")
    return audited_file_add(
        rules=PROOF_RULES,
        owner=assignment,
        upload=upload,
        actor=actor,
        audit={"assignment": assignment.pk},
        case_reference=assignment.event.code,
    )
