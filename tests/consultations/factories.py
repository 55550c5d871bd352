"""Phone consultations, small real files of every accepted format, and a partner API client stand-in."""

import datetime
import io
import struct
import wave
import zlib

import factory
from django.utils import timezone

from apps.consultations.choices import Direction, FileKind, Outcome
from apps.consultations.models import PhoneConsultation, PhoneConsultationFile
from tests.issuance.factories import ELF_BYTES, MZ_BYTES, make_pdf

__all__ = [
    "ELF_BYTES",
    "MZ_BYTES",
    "ConsultationFileFactory",
    "PartnerClient",
    "PhoneConsultationFactory",
    "make_jpeg",
    "make_m4a",
    "make_mp3",
    "make_ogg",
    "make_pdf",
    "make_png",
    "make_wav",
]


class PhoneConsultationFactory(factory.django.DjangoModelFactory):
    """A consultation row written directly (for growing lists); the services are tested separately."""

    class Meta:
        model = PhoneConsultation

    caller_name = factory.Sequence(lambda n: f"Llamante {n}")  # not random: name searches must not flake
    phone_number = factory.Sequence(lambda n: f"+54 11 {5000_0000 + n}")
    direction = Direction.INBOUND
    reason = "Lost luggage at the airport"
    started_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(minutes=10))
    duration_seconds = 120
    outcome = Outcome.RESOLVED


class ConsultationFileFactory(factory.django.DjangoModelFactory):
    """A file row pointing at a key that need not exist (for list and admin query counts)."""

    class Meta:
        model = PhoneConsultationFile

    consultation = factory.SubFactory(PhoneConsultationFactory)
    file = factory.Sequence(lambda n: f"consultations/x/{n:032x}.pdf")
    kind = FileKind.PDF
    original_name = factory.Sequence(lambda n: f"report-{n}.pdf")
    content_type = "application/pdf"
    size = 1234
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


class PartnerClient:
    """What the authentication of a partner's API key yields: not a user, confined to its source."""

    is_api_client = True
    is_authenticated = True
    is_anonymous = False
    is_active = True

    def __init__(self, source_code: str = "KOM", pk: int = 7001) -> None:
        self.source_code = source_code
        self.pk = self.id = pk

    def has_perm(self, perm, obj=None) -> bool:
        return True

    def has_perms(self, perms, obj=None) -> bool:
        return True

    def __str__(self) -> str:
        return f"partner {self.source_code}"


def make_png(width: int = 2, height: int = 2) -> bytes:
    """A real, valid RGB PNG (signature, IHDR, IDAT, IEND with their CRCs)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def make_jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def make_wav(seconds: float = 0.1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return buffer.getvalue()


def make_mp3(with_id3: bool = True) -> bytes:
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    return (b"ID3\x04\x00\x00\x00\x00\x00\x00" if with_id3 else b"") + frame * 3


def make_ogg() -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1eOpusHead" + b"\x00" * 32


def make_m4a() -> bytes:
    return b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A mp42isom" + b"\x00" * 64
