"""OpenAPI examples of guarantees of payment, continuing the cases' story (``apps.assistances.api.examples``):
the clinic assigned to case BT-2026-0001042 in Madrid gets a guarantee of USD 1,500 (the voucher's
currency), which an operator drafts and issues; above the operator's authority it would wait for
the partner's approval. Operators' names appear as partners read them."""

from drf_spectacular.utils import OpenApiExample

from apps.assistances.api.examples import ASSIGNMENT

OPERATOR = "Bigtree operator"
DRAFTED_AT = "2026-03-14T09:31:12.400118-03:00"
ISSUED_AT = "2026-03-14T09:33:40.912551-03:00"

CREATE_REQUEST = {
    "assignment": ASSIGNMENT["id"],
    "amount": "1500.00",
    "deductible": "100.00",
    "valid_from": "2026-03-14",
    "valid_until": "2026-03-28",
    "covered_services": "Emergency room, diagnostic imaging and up to 48 hours of observation.",
    "exclusions": "Pre-existing conditions; personal items.",
    "language": "es",
    "recipient_email": "admisiones@clinicacastellana.example",
}

VERSION_1 = {
    "number": 1,
    "is_final": False,
    "amount": "1500.00",
    "currency": "USD",
    "deductible": "100.00",
    "voucher_amount": None,
    "voucher_currency": "",
    "rate": None,
    "valid_from": "2026-03-14",
    "valid_until": "2026-03-28",
    "covered_services": CREATE_REQUEST["covered_services"],
    "exclusions": CREATE_REQUEST["exclusions"],
    "verification_code": "K7QM-4TXP-9RHW",
    "approval": "not_needed",
    "approval_reason": "",
    "decided_by": "",
    "approved_at": None,
    "decision_note": "",
    "issued_by": OPERATOR,
    "issued_at": None,
    "superseded_at": None,
}

DRAFT = {
    "id": 311,
    "number": "GOP-BT-2026-0001042-1",
    "event": ASSIGNMENT["event"],
    "assignment": ASSIGNMENT["id"],
    "provider": ASSIGNMENT["provider"],
    "provider_name": ASSIGNMENT["provider_name"],
    "status": "DRAFT",
    "language": "es",
    "recipient_email": CREATE_REQUEST["recipient_email"],
    "current_version": None,
    "first_issued_at": None,
    "sent_at": None,
    "answered_at": None,
    "answer_reason": "",
    "reminded_at": None,
    "to_issue_minutes": None,
    "to_answer_minutes": None,
    "versions": [VERSION_1],
    "created_at": DRAFTED_AT,
    "updated_at": DRAFTED_AT,
}

ISSUED = {
    **DRAFT,
    "status": "ISSUED",
    "current_version": 1,
    "first_issued_at": ISSUED_AT,
    "to_issue_minutes": "5.8",
    "versions": [{**VERSION_1, "voucher_amount": "1500.00", "voucher_currency": "USD", "issued_at": ISSUED_AT}],
    "updated_at": ISSUED_AT,
}

PENDING = {
    **DRAFT,
    "versions": [
        {
            **VERSION_1,
            "amount": "4800.00",
            "approval": "pending",
            "approval_reason": "4800.00 USD is above the operator's authority of 1000.00 USD.",
        }
    ],
}

CREATE_REQUEST_EXAMPLES = [
    OpenApiExample("A guarantee for the assigned clinic", value=CREATE_REQUEST, request_only=True)
]
LIST_EXAMPLES = [OpenApiExample("One guarantee issued", value={"results": [ISSUED]}, response_only=True)]
DETAIL_EXAMPLES = [
    OpenApiExample("Issued, version 1 in force", value=ISSUED, response_only=True),
    OpenApiExample("Waiting for the partner's approval", value=PENDING, response_only=True),
]
UPDATE_EXAMPLES = [
    OpenApiExample("A longer validity for the draft", value={"valid_until": "2026-04-04"}, request_only=True),
    OpenApiExample(
        "The draft changed",
        value={**DRAFT, "versions": [{**VERSION_1, "valid_until": "2026-04-04"}]},
        response_only=True,
    ),
]
ISSUE_EXAMPLES = [OpenApiExample("Issued within the operator's authority", value=ISSUED, response_only=True)]
AMEND_REQUEST_EXAMPLES = [
    OpenApiExample(
        "Two more days of observation",
        value={"amount": "2100.00", "valid_until": "2026-03-30"},
        request_only=True,
    )
]
APPROVAL_REQUEST_EXAMPLES = [
    OpenApiExample(
        "The partner approves",
        value={"decision": "approve", "note": "Approved by KOM medical desk."},
        request_only=True,
    )
]
ANSWER_REQUEST_EXAMPLES = [OpenApiExample("Accepted by phone", value={"decision": "accept"}, request_only=True)]
CANCEL_EXAMPLES = [
    OpenApiExample(
        "The traveller went elsewhere", value={"reason": "Traveller moved to another hospital."}, request_only=True
    ),
    OpenApiExample("Cancelled", value={**ISSUED, "status": "CANCELLED"}, response_only=True),
]
SEND_EXAMPLES = [
    OpenApiExample(
        "Sent to the admissions desk",
        value={**ISSUED, "status": "SENT", "sent_at": "2026-03-14T09:34:02.118044-03:00"},
        response_only=True,
    )
]
LETTER_URL_EXAMPLES = [
    OpenApiExample(
        "A link valid for 5 minutes",
        value={"url": "https://assists.s3.amazonaws.com/guarantees/0f3c5a.pdf?X-Amz-Signature=…", "expires_in": 300},
        response_only=True,
    )
]
TURNAROUND_EXAMPLES = [
    OpenApiExample(
        "March 2026 for KOM",
        value={
            "results": [
                {
                    "month": "2026-03",
                    "source_code": "KOM",
                    "guarantees": 42,
                    "to_issue_p50_minutes": "6.5",
                    "to_issue_p90_minutes": "21.0",
                    "answered": 39,
                    "to_answer_p50_minutes": "38.0",
                    "to_answer_p90_minutes": "112.5",
                }
            ]
        },
        response_only=True,
    )
]

AMENDED = {
    **ISSUED,
    "status": "AMENDED",
    "current_version": 2,
    "versions": [
        {**ISSUED["versions"][0], "superseded_at": "2026-03-15T11:02:09.402114-03:00"},
        {
            **ISSUED["versions"][0],
            "number": 2,
            "amount": "2100.00",
            "voucher_amount": "2100.00",
            "valid_until": "2026-03-30",
            "verification_code": "P3VD-8KMA-2WQE",
            "issued_at": "2026-03-15T11:02:09.402114-03:00",
        },
    ],
    "updated_at": "2026-03-15T11:02:09.402114-03:00",
}
FINAL = {
    **AMENDED,
    "status": "FINAL",
    "versions": [
        *AMENDED["versions"][:1],
        {**AMENDED["versions"][1], "superseded_at": "2026-03-16T17:40:51.220931-03:00"},
        {
            **AMENDED["versions"][1],
            "number": 3,
            "is_final": True,
            "amount": "1985.40",
            "voucher_amount": "1985.40",
            "verification_code": "Z6HC-TR4N-MB8J",
            "issued_at": "2026-03-16T17:40:51.220931-03:00",
        },
    ],
    "current_version": 3,
    "updated_at": "2026-03-16T17:40:51.220931-03:00",
}
CREATED_EXAMPLES = [OpenApiExample("The draft", value=DRAFT, response_only=True)]
AMENDED_EXAMPLES = [OpenApiExample("Version 2 in force", value=AMENDED, response_only=True)]
FINAL_EXAMPLES = [
    OpenApiExample("The final amount at discharge", value={"amount": "1985.40"}, request_only=True),
    OpenApiExample("Final version in force", value=FINAL, response_only=True),
]
APPROVED_EXAMPLES = [OpenApiExample("Approved: in force", value=ISSUED, response_only=True)]
ANSWERED_EXAMPLES = [
    OpenApiExample(
        "Accepted",
        value={
            **ISSUED,
            "status": "ACCEPTED",
            "answered_at": "2026-03-14T10:05:44.004512-03:00",
            "to_answer_minutes": "31.7",
        },
        response_only=True,
    )
]
LIST_PAGE_EXAMPLES = [
    OpenApiExample(
        "Waiting for the partner's approval",
        value=PENDING,
        response_only=True,
    )
]
