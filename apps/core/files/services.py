"""Adding a stored file: the size limit, the content check, the same content stored once, the audit.

Every refusal is a ``ValidationFailed`` on the ``file`` field, with its own code: too large → 413
``file_too_large``; empty → ``empty_file``; a format the kind of file does not take →
``unsupported_file_type``; a declared content type naming another format → ``content_type_mismatch``.
Nothing is stored when refused, and an object written to the bucket is removed again if its row
cannot be saved.
"""

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.context import Actor, current_actor, user_or_none
from apps.core.exceptions import ValidationFailed
from apps.core.files.formats import PDF, FileFormat, detect_format, is_readable_pdf, read_head
from apps.core.files.models import StoredFile

logger = logging.getLogger(__name__)

_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")


def file_refused(message, *, code: str, status_code: int = 400) -> ValidationFailed:
    message = str(message)
    return ValidationFailed.field("file", message, code, status_code=status_code)


def file_too_large(max_bytes: int) -> ValidationFailed:
    return file_refused(
        _("The file is larger than the limit of %(limit)d bytes.") % {"limit": max_bytes},
        code="file_too_large",
        status_code=413,
    )


@dataclass(frozen=True)
class ContentCheck:
    """The bytes checker of a kind of file: which formats it takes, recognised by their first bytes.

    ``refusal`` is the message for anything else (a lazy translation). With
    ``declared_type_must_agree`` the content type the client declared must name the format found.
    Called with the upload; answers the format, or raises ``file_refused``.
    """

    formats: tuple[FileFormat, ...]
    refusal: str
    declared_type_must_agree: bool = True

    @property
    def content_types(self) -> str:
        """The accepted media types, as the API schema states them (the multipart encoding of ``file``)."""
        return ", ".join(file_format.content_type for file_format in self.formats)

    def __call__(self, upload) -> FileFormat:
        file_format = detect_format(read_head(upload), self.formats)
        if file_format is PDF and not is_readable_pdf(upload):
            file_format = None  # a PDF header on something no PDF reader can open
        if file_format is None:
            logger.info("refused upload: unknown or unreadable format")
            raise file_refused(self.refusal, code="unsupported_file_type")
        declared = getattr(upload, "content_type", None)
        if self.declared_type_must_agree and not file_format.agrees(declared):
            raise file_refused(
                _("The declared content type %(declared)s does not match the file, which is %(actual)s.")
                % {"declared": declared or "-", "actual": file_format.content_type},
                code="content_type_mismatch",
            )
        return file_format


@dataclass(frozen=True)
class FileRules:
    """What one kind of stored file (a ``StoredFile`` model) takes in.

    ``max_bytes_setting`` is read on every upload, so an environment or test override applies at
    once. ``default_name`` labels a file whose client name has nothing usable left (default: the
    format's name and extension). ``format_fields`` adds model fields that follow from the detected
    format (a consultation file's ``kind``).
    """

    model: type[StoredFile]
    check: ContentCheck
    max_bytes_setting: str
    default_name: str | None = None
    format_fields: Callable[[FileFormat], dict] | None = None

    def max_bytes(self) -> int:
        return getattr(settings, self.max_bytes_setting)


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _clean_filename(name: str, default: str) -> str:
    """The client's file name reduced to a harmless label (never used as a storage path)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (_UNSAFE_NAME.sub("_", base) or default)[:255]


@transaction.atomic
def stored_file_add(
    *, rules: FileRules, owner, upload, actor: Actor = None, record: Callable[[StoredFile, dict], None] | None = None
) -> tuple[StoredFile, bool]:
    """Store ``upload`` as a file of ``owner``, after checking its size and content.

    Returns ``(file, created)``: the same content uploaded again for the same owner returns the
    stored file. ``record(file, after)`` runs once the row is written, in the same transaction, with
    what was stored: the audit entry (``apps.audit.crud.audited_file_add``; core is below the audit
    app), whose failure must also take the object out of the bucket.
    """
    actor = current_actor(actor)
    max_bytes = rules.max_bytes()
    if upload.size > max_bytes:
        raise file_too_large(max_bytes)
    if upload.size == 0:
        raise file_refused(_("The file is empty."), code="empty_file")
    file_format = rules.check(upload)
    sha256 = _sha256(upload)
    model = rules.model
    existing = model.objects.filter(**{model.owner_field: owner}, sha256=sha256).first()
    if existing is not None:
        return existing, False
    format_name = f"{file_format.name}{file_format.extension}"
    extra = rules.format_fields(file_format) if rules.format_fields else {}
    stored = model(
        **{model.owner_field: owner},
        **extra,
        original_name=_clean_filename(upload.name, default=rules.default_name or format_name),
        content_type=file_format.content_type,
        size=upload.size,
        sha256=sha256,
        created_by=user_or_none(actor),
        updated_by=user_or_none(actor),
    )
    # The key is random; only the detected format's extension is kept (see stored_file_key).
    stored.file.save(format_name, upload, save=False)
    try:
        stored.save()
        if record is not None:
            after = {
                **extra,
                "original_name": stored.original_name,
                "content_type": stored.content_type,
                "size": stored.size,
                "sha256": sha256,
                "file": stored.file.name,
            }
            record(stored, after)
    except Exception:
        # The row was not written: do not leave an orphan object in the bucket.
        stored.file.storage.delete(stored.file.name)
        raise
    return stored, True
