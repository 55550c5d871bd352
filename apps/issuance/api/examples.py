"""OpenAPI examples of MOK's issuances: issuance MOK-2025-000123 with one voucher, and its policy PDF."""

from drf_spectacular.utils import OpenApiExample

from apps.core.examples import PDF, PDF_SHA256, PDF_SIZE
from apps.issuance.services import payload_digest
from apps.vouchers.api.examples import BENEFITS, TRAVELLER

ISSUANCE = {
    "issuance_id": "MOK-2025-000123",
    "issued_at": "2025-03-01T14:30:00Z",
    "vouchers": [
        {
            "number": "MOK-000123-01",
            "product_code": "GOLD150",
            "product_name": "Gold 150",
            "holder": {
                "name": "Sofía González",
                "document_type": "passport",
                "document_number": "AAB123456",
                "email": "sofia@example.com",
                "phone": "+54 11 5555 0000",
            },
            "valid_from": "2025-03-10",
            "valid_to": "2025-03-30",
            "worldwide": False,
            "destinations": ["ES", "FR"],
            "residence_country": "AR",
            # MOK sends a voucher in the shape of the voucher API's issue request.
            "travellers": [TRAVELLER],
            "benefits": BENEFITS,
        }
    ],
}

ISSUED_VOUCHERS = [{"id": 4730, "number": "MOK-000123-01", "status": "ACTIVE"}]
FIRST_RECEIVED_AT = "2025-03-01T11:30:04.802315-03:00"
LAST_RECEIVED_AT = "2025-03-01T11:42:51.117460-03:00"

CREATED = {
    "issuance_id": "MOK-2025-000123",
    "result": "created",
    "times_received": 1,
    "last_received_at": FIRST_RECEIVED_AT,
    "vouchers": ISSUED_VOUCHERS,
}
UNCHANGED = {**CREATED, "result": "unchanged", "times_received": 2, "last_received_at": LAST_RECEIVED_AT}

DOCUMENT = {
    "id": 311,
    "original_name": "policy-MOK-2025-000123.pdf",
    "content_type": "application/pdf",
    "size": PDF_SIZE,
    "sha256": PDF_SHA256,
    "created_at": "2025-03-01T11:30:09.455091-03:00",
}

RECORD = {
    "issuance_id": "MOK-2025-000123",
    "issued_at": "2025-03-01T11:30:00-03:00",
    "payload_sha256": payload_digest(ISSUANCE),
    "times_received": 2,
    "first_received_at": FIRST_RECEIVED_AT,
    "last_received_at": LAST_RECEIVED_AT,
    "vouchers": ISSUED_VOUCHERS,
    "documents": [DOCUMENT],
    "payload": ISSUANCE,
}

# A presigned S3 link (production); it expires after S3_PRESIGNED_EXPIRY_SECONDS.
DOCUMENT_URL = {
    "url": (
        "https://bigtree-prod-issuance-mok-docs.s3.us-east-2.amazonaws.com/mok/87/1f0c6a3e9b2d4c58a7e6d1b0f3a9c2e4.pdf"
        "?response-content-disposition=inline%3B%20filename%3D%22policy-MOK-2025-000123.pdf%22"
        "&response-content-type=application%2Fpdf&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=ASIAZ4EXAMPLE7KQ2M3N%2F20250301%2Fus-east-2%2Fs3%2Faws4_request"
        "&X-Amz-Date=20250301T144512Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host"
        "&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE"
        "&X-Amz-Signature=5d1f0a3c2b8e7d6f9a4c3b2e1d0f8a7c6b5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c"
    ),
    "expires_in": 300,
}

RECEIVE_EXAMPLES = [
    OpenApiExample("An issuance with one voucher", value=ISSUANCE, request_only=True),
    OpenApiExample("First receipt", value=CREATED, response_only=True, status_codes=[201]),
    OpenApiExample("The same payload again", value=UNCHANGED, response_only=True, status_codes=[200]),
]
RECORD_EXAMPLES = [OpenApiExample("An issuance received twice", value=RECORD, response_only=True)]
UPLOAD_EXAMPLES = [
    OpenApiExample("The policy in PDF", value={"file": PDF}, request_only=True, media_type="multipart/form-data"),
    OpenApiExample("The document stored", value=DOCUMENT, response_only=True),
]
DOCUMENT_URL_EXAMPLES = [OpenApiExample("A presigned S3 link", value=DOCUMENT_URL, response_only=True)]
