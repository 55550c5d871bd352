"""Which files a consultation takes: call recordings, PDF documents and images, by their first bytes.

The declared content type must name the same format the bytes show: a renamed executable, or a
PNG sent as ``application/pdf``, is refused (``apps.core.files`` does the checking).
"""

from django.utils.translation import gettext_lazy as _

from apps.consultations.choices import FileKind
from apps.core.files.formats import JPEG, MP3, MP4, OGG, PDF, PNG, WAV, FileFormat
from apps.core.files.services import ContentCheck

# Each accepted format, in the order they are tried, and the kind of file it is kept as.
KINDS = {
    PDF: FileKind.PDF,
    PNG: FileKind.IMAGE,
    JPEG: FileKind.IMAGE,
    WAV: FileKind.RECORDING,
    MP3: FileKind.RECORDING,
    OGG: FileKind.RECORDING,
    MP4: FileKind.RECORDING,
}

CHECK = ContentCheck(
    formats=tuple(KINDS),
    refusal=_("Only call recordings (WAV, MP3, OGG, M4A), PDF documents and images (PNG, JPEG) are accepted."),
)


def format_fields(file_format: FileFormat) -> dict:
    return {"kind": KINDS[file_format]}
