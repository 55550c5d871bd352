"""OpenAPI examples of vouchers: voucher KOM-2026-004512 of traveller Sofía González, covering Spain and
France in 2026, under which case BT-2026-0001042 is opened (``apps.assistances.api.examples``)."""

from drf_spectacular.utils import OpenApiExample

from apps.core.examples import exchange

HOLDER = {
    "name": "Sofía González",
    "document_type": "passport",
    "document_number": "AAB123456",
    "email": "sofia.gonzalez@example.com",
    "phone": "+54 11 5555 0100",
}

TRAVELLER = {
    "first_name": "Sofía",
    "last_name": "González",
    "document_type": "passport",
    "document_number": "AAB123456",
    "birth_date": "1990-05-17",
    "is_holder": True,
}

# Whom the voucher covers, when and where: the same in the request and in every answer.
COVER = {
    "holder": HOLDER,
    "valid_from": "2026-01-01",
    "valid_to": "2026-12-31",
    "worldwide": False,
    "destinations": ["ES", "FR"],
    "residence_country": "AR",
}

BENEFITS = [
    {"assistance": "MED_EMERGENCY", "amount": "150000.00", "currency": "USD"},
    {"category": "BAGGAGE", "amount": "1200.00", "currency": "USD", "count": 1},
    {"assistance": "MED_TELEMEDICINE", "count": 5},
]

ISSUE_REQUEST = {
    "number": "KOM-2026-004512",
    "product_code": "GOLD150",
    "product_name": "Gold 150",
    **COVER,
    # Every benefit amount is in the voucher's currency (left out: the benefits', else the source's default).
    "currency": "USD",
    "travellers": [TRAVELLER],
    "benefits": BENEFITS,
    "source": "KOM",
    "status": "ACTIVE",
    "external_reference": "POL-88231",
    "issued_at": "2025-12-20T07:15:00-03:00",
}

VOUCHER = {
    "id": 4512,
    "number": "KOM-2026-004512",
    "product_code": "GOLD150",
    "product_name": "Gold 150",
    "source": "KOM",
    **COVER,
    "status": "ACTIVE",
    "currency": "USD",
    "external_reference": "POL-88231",
    "issued_at": "2025-12-20T07:15:00-03:00",
    "created_at": "2025-12-20T07:15:02.184311-03:00",
    "updated_at": "2025-12-20T07:15:02.184342-03:00",
}

ISSUED_HISTORY = {
    "from_status": None,
    "to_status": "ACTIVE",
    "reason": "Issued",
    "actor": "Bigtree operator",
    "changed_at": "2025-12-20T07:15:02.190127-03:00",
}

VOUCHER_DETAIL = {
    **VOUCHER,
    "travellers": [{"id": 6120, **TRAVELLER}],
    "benefits": [
        {
            "id": 9031,
            "assistance": "MED_EMERGENCY",
            "category": None,
            "amount": "150000.00",
            "currency": "USD",
            "count": None,
            "committed_amount": "0.00",
            "committed_count": 0,
            "remaining_amount": "150000.00",
            "remaining_count": None,
        },
        {
            "id": 9032,
            "assistance": None,
            "category": "BAGGAGE",
            "amount": "1200.00",
            "currency": "USD",
            "count": 1,
            "committed_amount": "0.00",
            "committed_count": 0,
            "remaining_amount": "1200.00",
            "remaining_count": 1,
        },
        {
            # A limit on the number of uses only: no amount, so no currency.
            "id": 9033,
            "assistance": "MED_TELEMEDICINE",
            "category": None,
            "amount": None,
            "currency": "",
            "count": 5,
            "committed_amount": "0.00",
            "committed_count": 0,
            "remaining_amount": None,
            "remaining_count": 5,
        },
    ],
    "status_history": [ISSUED_HISTORY],
}

TRANSITION_REQUEST = {"status": "SUSPENDED", "reason": "Premium unpaid; suspended until the payment is confirmed."}

SUSPENDED_AT = "2026-04-02T11:40:27.518806-03:00"
VOUCHER_SUSPENDED = {
    **VOUCHER_DETAIL,
    "status": "SUSPENDED",
    "updated_at": SUSPENDED_AT,
    "benefits": [
        # Case BT-2026-0001042 guaranteed USD 1,500 of the emergency care benefit meanwhile.
        {
            **VOUCHER_DETAIL["benefits"][0],
            "committed_amount": "1500.00",
            "committed_count": 1,
            "remaining_amount": "148500.00",
        },
        *VOUCHER_DETAIL["benefits"][1:],
    ],
    "status_history": [
        ISSUED_HISTORY,
        {
            "from_status": "ACTIVE",
            "to_status": "SUSPENDED",
            "reason": TRANSITION_REQUEST["reason"],
            "actor": "Bigtree operator",
            "changed_at": SUSPENDED_AT,
        },
    ],
}

# The rules every coverage check reports, in this order (apps.vouchers.selectors.voucher_check_coverage).
COVERAGE_REASONS = [
    {"code": "status", "passed": True, "message": "The voucher is active."},
    {
        "code": "validity",
        "passed": True,
        "message": "2026-03-14 is within the validity (2026-01-01 to 2026-12-31).",
    },
    {"code": "destination", "passed": True, "message": "ES is covered."},
    {"code": "residence", "passed": True, "message": "ES is not the residence country."},
    {"code": "benefit", "passed": True, "message": "Benefit for MED_EMERGENCY applies."},
    {"code": "limit", "passed": True, "message": "The benefit's limit is not used up."},
]

COVERED = {
    "voucher": "KOM-2026-004512",
    "assistance": "MED_EMERGENCY",
    "country": "ES",
    "date": "2026-03-14",
    "covered": True,
    "reasons": COVERAGE_REASONS,
    "benefit": {"id": 9031, "assistance": "MED_EMERGENCY", "category": None},
    "limit_amount": "150000.00",
    "currency": "USD",
    "limit_count": None,
    "committed_amount": "0.00",
    "committed_count": 0,
    "remaining_amount": "150000.00",
    "remaining_count": None,
}

NOT_COVERED = {
    **COVERED,
    "country": "US",
    "covered": False,
    "reasons": [
        *COVERAGE_REASONS[:2],
        {"code": "destination", "passed": False, "message": "US is not among the voucher's destinations."},
        {"code": "residence", "passed": True, "message": "US is not the residence country."},
        *COVERAGE_REASONS[4:],
    ],
}

VOUCHER_EXAMPLES = [OpenApiExample("A voucher", value=VOUCHER, response_only=True)]
VOUCHER_DETAIL_EXAMPLES = [OpenApiExample("A voucher just issued", value=VOUCHER_DETAIL, response_only=True)]
ISSUE_EXAMPLES = [OpenApiExample("A voucher for Spain and France", value=ISSUE_REQUEST, request_only=True)]
TRANSITION_EXAMPLES = exchange("Suspend a voucher", TRANSITION_REQUEST, "The voucher suspended", VOUCHER_SUSPENDED)
COVERAGE_EXAMPLES = [
    OpenApiExample("Covered", value=COVERED, response_only=True),
    OpenApiExample("Not covered outside the destinations", value=NOT_COVERED, response_only=True),
]
