"""Helpers every file upload shares: reading without consuming, digests, safe names, real PDFs."""

import hashlib
import logging
import re

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")


def read_head(upload, size: int) -> bytes:
    """The first ``size`` bytes, leaving the file where it was (at the start)."""
    upload.seek(0)
    try:
        return upload.read(size)
    finally:
        upload.seek(0)


def file_sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def clean_filename(name: str, default: str) -> str:
    """The client's file name reduced to a harmless label (never used as a storage path)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (_UNSAFE_NAME.sub("_", base) or default)[:255]


def is_readable_pdf(upload) -> bool:
    """True only for a real PDF: it starts with ``%PDF-`` and pypdf can read its pages."""
    from pypdf import PdfReader

    if read_head(upload, len(PDF_MAGIC)) != PDF_MAGIC:
        return False
    upload.seek(0)
    try:
        return len(PdfReader(upload, strict=False).pages) > 0
    except Exception as exc:  # noqa: BLE001 - any parser failure means "not a readable PDF"
        logger.info("refused upload: not a readable PDF (%s)", type(exc).__name__)
        return False
    finally:
        upload.seek(0)
