"""Reads of phone consultations, scoped like cases: a partner sees only calls about its own cases."""

import re

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


def consultation_file_url(*, file: PhoneConsultationFile) -> tuple[str, int | None]:
    """A short-lived URL to download the file, and its lifetime in seconds.

    On S3 the URL is presigned and expires after the storage's ``querystring_expire``; a local
    folder storage has plain URLs that do not expire (None).
    """
    storage = file.file.storage
    expires_in = getattr(storage, "querystring_expire", None)
    if expires_in is None or not getattr(storage, "querystring_auth", False):
        return storage.url(file.file.name), None
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", file.original_name).strip("_") or f"file-{file.pk}"
    url = storage.url(
        file.file.name,
        parameters={
            "ResponseContentType": file.content_type,
            "ResponseContentDisposition": f'inline; filename="{safe_name}"',
        },
        expire=int(expires_in),
    )
    return url, int(expires_in)
