"""MOK payloads and small files for the issuance tests."""

import copy
import io

from tests.vouchers.factories import country


def mok_voucher(number: str = "MOK-000123-01", **overrides) -> dict:
    body = {
        "number": number,
        "product_code": "GOLD150",
        "product_name": "Gold 150",
        "holder": {
            "name": "Sofía González",
            "document_type": "passport",
            "document_number": "AAB123456",
            "email": "sofia@example.com",
            "phone": "+54 11 5555 0000",
        },
        "valid_from": "2030-03-10",
        "valid_to": "2030-03-30",
        "worldwide": False,
        "destinations": ["ES", "FR"],
        "residence_country": "AR",
        "travellers": [
            {
                "first_name": "Sofía",
                "last_name": "González",
                "document_type": "passport",
                "document_number": "AAB123456",
                "birth_date": "1990-05-17",
                "is_holder": True,
            }
        ],
        "benefits": [
            {"assistance": "MED_EMERGENCY", "amount": "150000.00", "currency": "USD"},
            {"category": "BAGGAGE", "amount": "1200.00", "currency": "USD", "count": 1},
            {"assistance": "MED_TELEMEDICINE", "count": 5},
        ],
    }
    body.update(overrides)
    return body


def mok_payload(issuance_id: str = "MOK-2030-000123", vouchers: list | None = None) -> dict:
    for code in ("ES", "FR", "AR"):
        country(code)
    return {
        "issuance_id": issuance_id,
        "issued_at": "2030-03-01T14:30:00Z",
        "vouchers": vouchers if vouchers is not None else [mok_voucher()],
    }


def changed(payload: dict, change) -> dict:
    new = copy.deepcopy(payload)
    change(new)
    return new


def make_pdf(pages: int = 1, padding: int = 0) -> bytes:
    """A real (small) PDF made with pypdf; ``padding`` bytes of metadata make it bigger."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if padding:
        writer.add_metadata({"/Padding": "x" * padding})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# The first bytes of a Linux executable and of a Windows one, padded to look like a file.
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 2040
MZ_BYTES = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 2040
