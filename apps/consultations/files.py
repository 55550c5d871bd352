"""What an uploaded consultation file really is, judged by its first bytes (never by its name).

Only call recordings, PDF documents and images are kept. The declared content type must name the
same format the bytes show: a renamed executable, or a PNG sent as ``application/pdf``, is refused.
"""

from dataclasses import dataclass

from apps.consultations.choices import FileKind

# Enough for every signature below (the MP4 brand sits at offset 4..12).
HEAD_BYTES = 16


@dataclass(frozen=True)
class FileFormat:
    name: str
    kind: str
    content_type: str  # what is stored and served
    extension: str  # of the storage key (never the client's)
    accepted_types: frozenset[str]  # declared content types that agree with the bytes


def _format(name: str, kind: str, content_type: str, extension: str, *aliases: str) -> FileFormat:
    return FileFormat(name, kind, content_type, extension, frozenset({content_type, *aliases}))


PDF = _format("pdf", FileKind.PDF, "application/pdf", ".pdf", "application/x-pdf")
PNG = _format("png", FileKind.IMAGE, "image/png", ".png")
JPEG = _format("jpeg", FileKind.IMAGE, "image/jpeg", ".jpg", "image/jpg", "image/pjpeg")
WAV = _format("wav", FileKind.RECORDING, "audio/wav", ".wav", "audio/x-wav", "audio/wave", "audio/vnd.wave")
MP3 = _format("mp3", FileKind.RECORDING, "audio/mpeg", ".mp3", "audio/mp3", "audio/x-mpeg", "audio/mpeg3")
OGG = _format("ogg", FileKind.RECORDING, "audio/ogg", ".ogg", "application/ogg", "audio/opus", "audio/x-ogg")
MP4 = _format("mp4", FileKind.RECORDING, "audio/mp4", ".m4a", "audio/x-m4a", "audio/m4a", "video/mp4")

# MPEG audio frame sync of MPEG-1/2 layer III without CRC (the common MP3 headers).
_MP3_FRAME_SYNC = (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")

# (format, test of the leading bytes), tried in order.
_SIGNATURES = (
    (PDF, lambda head: head.startswith(b"%PDF-")),
    (PNG, lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    (JPEG, lambda head: head.startswith(b"\xff\xd8\xff")),
    (WAV, lambda head: head[:4] == b"RIFF" and head[8:12] == b"WAVE"),
    (MP3, lambda head: head.startswith(b"ID3") or head[:2] in _MP3_FRAME_SYNC),
    (OGG, lambda head: head.startswith(b"OggS")),
    (MP4, lambda head: head[4:8] == b"ftyp"),
)


# The part's media types, as the API schema states them (the multipart encoding of `file`).
ACCEPTED_CONTENT_TYPES = ", ".join(file_format.content_type for file_format, _ in _SIGNATURES)


def detect_format(head: bytes) -> FileFormat | None:
    """The format the leading bytes show, or None for anything that is not accepted."""
    return next((file_format for file_format, matches in _SIGNATURES if matches(head)), None)


def normalize_content_type(value: str | None) -> str:
    """``Audio/OGG; codecs=opus`` → ``audio/ogg``."""
    return (value or "").split(";", 1)[0].strip().lower()


def agrees(file_format: FileFormat, declared: str | None) -> bool:
    return normalize_content_type(declared) in file_format.accepted_types
