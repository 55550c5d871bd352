"""What an uploaded file really is, judged by its first bytes (never by its name).

Each accepted format is known by a signature at the start of the file. A renamed executable, or a
PNG sent as ``application/pdf``, is not what its name or declared type says; a PDF header on
something no PDF reader can open is not a PDF either.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# Enough for every signature below (the MP4 brand sits at offset 4..12).
HEAD_BYTES = 16


@dataclass(frozen=True)
class FileFormat:
    name: str
    content_type: str  # what is stored and served
    extension: str  # of the storage key (never the client's)
    accepted_types: frozenset[str]  # declared content types that agree with the bytes
    matches: Callable[[bytes], bool]  # the test of the leading bytes

    def agrees(self, declared: str | None) -> bool:
        """Whether a declared content type names this format (parameters and case aside)."""
        return normalize_content_type(declared) in self.accepted_types


def _format(name: str, content_type: str, extension: str, matches, *aliases: str) -> FileFormat:
    return FileFormat(name, content_type, extension, frozenset({content_type, *aliases}), matches)


# MPEG audio frame sync of MPEG-1/2 layer III without CRC (the common MP3 headers).
_MP3_FRAME_SYNC = (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")

PDF_MAGIC = b"%PDF-"
PDF = _format("pdf", "application/pdf", ".pdf", lambda head: head.startswith(PDF_MAGIC), "application/x-pdf")
PNG = _format("png", "image/png", ".png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"))
JPEG = _format("jpeg", "image/jpeg", ".jpg", lambda head: head.startswith(b"\xff\xd8\xff"), "image/jpg", "image/pjpeg")
WAV = _format(
    "wav",
    "audio/wav",
    ".wav",
    lambda head: head[:4] == b"RIFF" and head[8:12] == b"WAVE",
    "audio/x-wav",
    "audio/wave",
    "audio/vnd.wave",
)
MP3 = _format(
    "mp3",
    "audio/mpeg",
    ".mp3",
    lambda head: head.startswith(b"ID3") or head[:2] in _MP3_FRAME_SYNC,
    "audio/mp3",
    "audio/x-mpeg",
    "audio/mpeg3",
)
OGG = _format(
    "ogg", "audio/ogg", ".ogg", lambda head: head.startswith(b"OggS"), "application/ogg", "audio/opus", "audio/x-ogg"
)
MP4 = _format("mp4", "audio/mp4", ".m4a", lambda head: head[4:8] == b"ftyp", "audio/x-m4a", "audio/m4a", "video/mp4")


def detect_format(head: bytes, formats: tuple[FileFormat, ...]) -> FileFormat | None:
    """The first of ``formats`` the leading bytes show, or None for anything else."""
    return next((file_format for file_format in formats if file_format.matches(head)), None)


def normalize_content_type(value: str | None) -> str:
    """``Audio/OGG; codecs=opus`` → ``audio/ogg``."""
    return (value or "").split(";", 1)[0].strip().lower()


def read_head(upload, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes, leaving the file where it was (at the start)."""
    upload.seek(0)
    try:
        return upload.read(size)
    finally:
        upload.seek(0)


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
