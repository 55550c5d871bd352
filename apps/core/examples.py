"""Example data the OpenAPI examples of several apps share, and how a request and its answer are shown."""

import hashlib

from drf_spectacular.utils import OpenApiExample

# A real one-page PDF, small enough to read as text: the uploads accept it (pypdf opens it).
PDF = (
    "%PDF-1.4\n"
    "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
    "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
    "xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n"
    "trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n"
)
PDF_SIZE = len(PDF.encode())
PDF_SHA256 = hashlib.sha256(PDF.encode()).hexdigest()


def exchange(request_summary: str, request, response_summary: str, response) -> list[OpenApiExample]:
    """A request and its answer, as the schema of a write shows them."""
    return [
        OpenApiExample(request_summary, value=request, request_only=True),
        OpenApiExample(response_summary, value=response, response_only=True),
    ]


def update_exchange(request_summary: str, request: dict, response_summary: str, resource: dict, *, updated_at: str):
    """A PATCH and its answer: ``resource`` with the change applied and a later ``updated_at``."""
    return exchange(request_summary, request, response_summary, {**resource, **request, "updated_at": updated_at})
