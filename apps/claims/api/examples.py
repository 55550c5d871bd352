"""OpenAPI examples of bills, payments and reserves, continuing the guarantees' story
(``apps.guarantees.api.examples``): the Madrid clinic of case BT-2026-0001042 bills USD 1,620 against
its guarantee; one line repeats another and the MRI is above the p90 of allowed amounts; the reviewer
allows USD 1,240, which is paid. Operators' names appear as partners read them."""

from drf_spectacular.utils import OpenApiExample

from apps.assistances.api.examples import ASSIGNMENT
from apps.core.examples import exchange
from apps.guarantees.api.examples import DRAFT, OPERATOR

RECEIVED_AT = "2026-03-20T10:12:31.200481-03:00"
REVIEWED_AT = "2026-03-20T11:40:02.913115-03:00"

CREATE_REQUEST = {
    "assignment": ASSIGNMENT["id"],
    "invoice_number": "FC-2026-00871",
    "invoice_date": "2026-03-18",
    "currency": "USD",
    "billed_total": "1620.00",
    "lines": [
        {"description": "Emergency room visit", "code": "ER-01", "quantity": "1", "unit_price": "380.00"},
        {"description": "Emergency room visit", "code": "ER-01", "quantity": "1", "unit_price": "380.00"},
        {"description": "MRI, abdomen", "code": "MRI-AB", "quantity": "1", "unit_price": "860.00"},
    ],
}

_DUPLICATE_FLAG = {
    "code": "duplicate_line",
    "line": 2,
    "message": "Same service, quantity and price as line 1.",
    "data": {"same_as": 1},
    "acknowledged_at": None,
}
_P90_FLAG = {
    "code": "above_p90",
    "line": 3,
    "message": "860.00 USD is above the 90th percentile of allowed amounts for this assistance in this country "
    "(520.00 USD, from 37 amounts).",
    "data": {"billed": "860.00", "p90": "520.00", "currency": "USD", "count": 37},
    "acknowledged_at": None,
}


def _line(position, description, code, price, flags, *, allowed=None, reason=None):
    return {
        "position": position,
        "description": description,
        "code": code,
        "quantity": "1",
        "unit_price": price,
        "billed_amount": price,
        "allowed_amount": allowed,
        "reason": reason,
        "flags": flags,
        "reviewed_by": OPERATOR if allowed is not None else None,
        "reviewed_at": REVIEWED_AT if allowed is not None else None,
    }


RECEIVED = {
    "id": 512,
    "event": ASSIGNMENT["event"],
    "assignment": ASSIGNMENT["id"],
    "provider": ASSIGNMENT["provider"],
    "provider_name": ASSIGNMENT["provider_name"],
    "guarantee": DRAFT["number"],
    "invoice_number": "FC-2026-00871",
    "invoice_date": "2026-03-18",
    "currency": "USD",
    "billed_total": "1620.00",
    "allowed_total": None,
    "savings": None,
    "status": "RECEIVED",
    "received_via": "console",
    "received_at": RECEIVED_AT,
    "flags": [],
    "reviewed_by": None,
    "reviewed_at": None,
    "notes": "",
    "lines": [
        _line(1, "Emergency room visit", "ER-01", "380.00", []),
        _line(2, "Emergency room visit", "ER-01", "380.00", [_DUPLICATE_FLAG]),
        _line(3, "MRI, abdomen", "MRI-AB", "860.00", [_P90_FLAG]),
    ],
    "created_at": RECEIVED_AT,
    "updated_at": RECEIVED_AT,
}
IN_REVIEW = {**RECEIVED, "status": "IN_REVIEW", "updated_at": REVIEWED_AT}
LINE_REVIEWED = {
    **IN_REVIEW,
    "lines": [
        RECEIVED["lines"][0],
        _line(2, "Emergency room visit", "ER-01", "380.00", [_DUPLICATE_FLAG], allowed="0.00", reason="DUPLICATE"),
        RECEIVED["lines"][2],
    ],
}
PARTIAL = {
    **IN_REVIEW,
    "status": "PARTIAL",
    "allowed_total": "1240.00",
    "savings": "380.00",
    "reviewed_by": OPERATOR,
    "reviewed_at": REVIEWED_AT,
    "lines": [
        _line(1, "Emergency room visit", "ER-01", "380.00", [], allowed="380.00"),
        LINE_REVIEWED["lines"][1],
        _line(3, "MRI, abdomen", "MRI-AB", "860.00", [_P90_FLAG], allowed="860.00"),
    ],
}
REJECTED = {**IN_REVIEW, "status": "REJECTED", "allowed_total": "0.00", "savings": "1620.00"}

PAYMENT = {
    "id": 88,
    "bill": RECEIVED["id"],
    "paid_on": "2026-03-25",
    "amount": "1140.80",
    "currency": "EUR",
    "bill_amount": "1240.00",
    "bill_currency": "USD",
    "bill_rate": {"date": "2026-03-24", "from_currency": "EUR", "to_currency": "USD", "rate": "1.0869565217",
                  "source": "ECB"},
    "settlement_amount": "1240.00",
    "settlement_currency": "USD",
    "settlement_rate": {"date": "2026-03-24", "from_currency": "EUR", "to_currency": "USD",
                        "rate": "1.0869565217", "source": "ECB"},
    "reference": "TRF-20260325-0042",
    "created_at": "2026-03-25T09:02:11.004518-03:00",
}  # fmt: skip

RESERVE = {
    "currency": "USD",
    "reserve": "1500.00",
    "paid": "1240.00",
    "outstanding": "260.00",
    "incurred": "1500.00",
    "first_set_at": "2026-03-14T09:20:05.318204-03:00",
    "changes": [
        {
            "amount_before": None,
            "amount_after": "1500.00",
            "reason": "Initial estimate for the assistance.",
            "changed_by": "",
            "changed_at": "2026-03-14T09:20:05.318204-03:00",
        }
    ],
}
RESERVE_RAISED = {
    **RESERVE,
    "reserve": "2500.00",
    "outstanding": "1260.00",
    "incurred": "2500.00",
    "changes": [
        *RESERVE["changes"],
        {
            "amount_before": "1500.00",
            "amount_after": "2500.00",
            "reason": "Follow-up surgery scheduled.",
            "changed_by": OPERATOR,
            "changed_at": "2026-03-26T15:44:20.118244-03:00",
        },
    ],
}

LIST_EXAMPLES = [OpenApiExample("One bill, partially approved", value={"results": [PARTIAL]}, response_only=True)]
CREATE_EXAMPLES = exchange(
    "A clinic's invoice with three lines", CREATE_REQUEST, "Received, two lines flagged", RECEIVED
)
DETAIL_EXAMPLES = [OpenApiExample("Received, two lines flagged", value=RECEIVED, response_only=True)]
REVIEW_EXAMPLES = [OpenApiExample("In review", value=IN_REVIEW, response_only=True)]
LINE_EXAMPLES = exchange(
    "The repeated line is not allowed",
    {"allowed_amount": "0.00", "reason": "DUPLICATE"},
    "Line 2 reviewed",
    LINE_REVIEWED,
)
DECISION_EXAMPLES = exchange(
    "Every line reviewed", {"note": "Duplicate ER visit removed."}, "Partially approved", PARTIAL
)
REJECT_EXAMPLES = exchange(
    "Not this case's bill", {"reason": "The invoice is for another patient."}, "Rejected", REJECTED
)
PAYMENT_LIST_EXAMPLES = [OpenApiExample("Paid in euros", value={"results": [PAYMENT]}, response_only=True)]
PAYMENT_EXAMPLES = exchange(
    "A transfer in euros",
    {"paid_on": "2026-03-25", "amount": "1140.80", "currency": "EUR", "reference": "TRF-20260325-0042"},
    "Recorded, converted at the day's rate",
    PAYMENT,
)
RESERVE_EXAMPLES = [OpenApiExample("The initial estimate, partly paid", value=RESERVE, response_only=True)]
RESERVE_SET_EXAMPLES = exchange(
    "Surgery ahead",
    {"amount": "2500.00", "reason": "Follow-up surgery scheduled."},
    "Reserve raised",
    RESERVE_RAISED,
)
REASON_EXAMPLES = [
    OpenApiExample(
        # One row: drf-spectacular shows a list's example as the list of it.
        "The catalog",
        value={
            "code": "DUPLICATE",
            "name": "Duplicate charge",
            "name_es": "Cargo duplicado",
            "name_en": "Duplicate charge",
            "description": "",
            "x12_code": "18",
            "sort_order": 10,
            "is_active": True,
        },
        response_only=True,
    )
]
PRICE_EXAMPLES = [
    OpenApiExample(
        "Emergencies in Spain, in USD",
        value={"currency": "USD", "scope": "country", "count": 37, "median": "310.00", "p90": "520.00"},
        response_only=True,
    )
]
