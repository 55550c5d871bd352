"""Reads of phone consultations, scoped like cases: a partner sees only calls about its own cases."""

from django.db.models import Prefetch, QuerySet

from apps.consultations.models import PhoneConsultation, PhoneConsultationFile


def consultation_file_list() -> QuerySet[PhoneConsultationFile]:
    return PhoneConsultationFile.objects.order_by("id")


def consultation_list(*, caller=None) -> QuerySet[PhoneConsultation]:
    """Consultations the caller may see, with their case, operator and files in a fixed number of queries.

    Operators see every consultation; a partner only those linked to cases of its source, so
    unlinked calls are never shown to partners (``ConsultationQuerySet``). Views scope what this
    returns themselves; ``caller`` is for reads outside a view.
    """
    qs = PhoneConsultation.objects.select_related("event", "operator").prefetch_related(
        Prefetch("files", queryset=consultation_file_list())
    )
    return qs if caller is None else qs.visible_to(caller)


def consultation_get(*, pk: int, caller=None) -> PhoneConsultation | None:
    return consultation_list(caller=caller).filter(pk=pk).first()
