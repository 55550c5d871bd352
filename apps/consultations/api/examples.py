"""OpenAPI examples of phone consultations: the traveller of case BT-2026-0001042 calls back, and the call
recording and a medical report are attached to the consultation."""

from drf_spectacular.utils import OpenApiExample

from apps.core.examples import PDF, PDF_SHA256, PDF_SIZE, exchange, update_exchange

CONSULTATION_REQUEST = {
    "caller_name": "Sofía González",
    "phone_number": "+34 612 345 678",
    "direction": "inbound",
    "reason": "Asks how to get to the clinic and whether she has to pay at the desk.",
    "started_at": "2026-03-14T09:41:10-03:00",
    "duration_seconds": 240,
    "outcome": "resolved",
    "event": 1042,
}

RECORDING = {
    "id": 1289,
    "kind": "recording",
    "original_name": "call-20260314-0941.mp3",
    "content_type": "audio/mpeg",
    "size": 1843201,
    "sha256": "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c2e4b6d8f0a2c4e6b8d0f",
    "created_at": "2026-03-14T09:46:02.337519-03:00",
}

REPORT = {
    "id": 1290,
    "kind": "pdf",
    "original_name": "medical-report.pdf",
    "content_type": "application/pdf",
    "size": PDF_SIZE,
    "sha256": PDF_SHA256,
    "created_at": "2026-03-14T13:52:40.918224-03:00",
}

CONSULTATION = {
    "id": 773,
    **CONSULTATION_REQUEST,
    "event_code": "BT-2026-0001042",
    "operator": "Bigtree operator",
    "files": [RECORDING, REPORT],
    "created_at": "2026-03-14T09:45:31.284650-03:00",
    "updated_at": "2026-03-14T09:45:31.284681-03:00",
}

CONSULTATION_UPDATE_REQUEST = {"duration_seconds": 262, "outcome": "resolved"}

# A presigned S3 link (production); it expires after S3_PRESIGNED_EXPIRY_SECONDS.
FILE_URL = {
    "url": (
        "https://bigtree-prod-assists.s3.us-east-2.amazonaws.com/consultations/773/7b3e9d1c5a2f4e608c1d9b7a3e5f2c40.pdf"
        "?response-content-disposition=inline%3B%20filename%3D%22medical-report.pdf%22"
        "&response-content-type=application%2Fpdf&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=ASIAZ4EXAMPLE7KQ2M3N%2F20260314%2Fus-east-2%2Fs3%2Faws4_request"
        "&X-Amz-Date=20260314T170512Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host"
        "&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE"
        "&X-Amz-Signature=0e4b7c2a9d1f3e5b8c6a4d2f0e9b7c5a3d1f8e6c4b2a0d9f7e5c3b1a8d6f4e2c"
    ),
    "expires_in": 300,
}

CONSULTATION_EXAMPLES = exchange(
    "A call about a case", CONSULTATION_REQUEST, "A call with its recording and a report", CONSULTATION
)
CONSULTATION_UPDATE_EXAMPLES = update_exchange(
    "The real length of the call",
    CONSULTATION_UPDATE_REQUEST,
    "The call updated",
    CONSULTATION,
    updated_at="2026-03-14T09:50:12.604318-03:00",
)
UPLOAD_EXAMPLES = [
    OpenApiExample("A medical report in PDF", value={"file": PDF}, request_only=True, media_type="multipart/form-data"),
    OpenApiExample("The report stored", value=REPORT, response_only=True),
]
FILE_URL_EXAMPLES = [OpenApiExample("A presigned S3 link", value=FILE_URL, response_only=True)]
