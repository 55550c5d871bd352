"""OpenAPI examples of cases, their status history, providers, notes and drafts.

One story runs through them: partner KOM opens case BT-2026-0001042 for a traveller in Madrid under
voucher KOM-2026-004512 (see ``apps.vouchers.api.examples``), an operator takes it on and assigns a
clinic of the provider network (``apps.providers.api.examples``). Catalog codes are those of the
seeded catalogs; times are in the operators' time zone, as the API answers them; operators' names
appear as partners read them.
"""

from drf_spectacular.utils import OpenApiExample

from apps.core.examples import exchange
from apps.vouchers.api.examples import COVERAGE_REASONS

OPENED_AT = "2026-03-14T09:20:05.318204-03:00"
TAKEN_AT = "2026-03-14T09:24:41.902117-03:00"
# An API client signs with its name (registered as source and Cognito app client) and its source.
KOM_CLIENT = "API client KOM (kom-client) (KOM)"
OPERATOR = "Bigtree operator"

# Who needs help and where: the case as asked for and as answered.
TRAVELLER_IN_MADRID = {
    "traveller_name": "Sofía González",
    "traveller_document_type": "passport",
    "traveller_document_number": "AAB123456",
    "traveller_phone": "+54 9 11 5555 0100",
    "traveller_email": "sofia.gonzalez@example.com",
    "assistance": "MED_EMERGENCY",
    "country": "ES",
    "city": "3117735",
    "address": "Hotel Gran Vía, Calle Gran Vía 25, 28013 Madrid",
    "latitude": 40.4203,
    "longitude": -3.7058,
}

# A case's dispatch switch and queue flags before anything went wrong (issue 18).
NO_DISPATCH_FLAGS = {"cascade_enabled": True, "no_provider_at": None, "eta_breached_at": None}

CASE_REQUEST = {
    "source_code": "KOM",
    "external_reference": "KOM-INC-20260314-0042",
    "voucher": "KOM-2026-004512",
    **TRAVELLER_IN_MADRID,
    "description": "Severe abdominal pain since this morning; the traveller asks for a hospital nearby.",
    "priority": "high",
}

COVERAGE_AT_OPENING = {
    "covered": True,
    "reasons": COVERAGE_REASONS,
    "benefit": "MED_EMERGENCY",
    "currency": "USD",
    "limit_amount": "150000.00",
    "limit_count": None,
    "remaining_amount": "150000.00",
    "remaining_count": None,
}

CASE_OPENED = {
    "id": 1042,
    "code": "BT-2026-0001042",
    "source_code": "KOM",
    "external_reference": "KOM-INC-20260314-0042",
    "voucher": "KOM-2026-004512",
    "covered": True,
    "coverage": COVERAGE_AT_OPENING,
    "coverage_override_reason": "",
    **TRAVELLER_IN_MADRID,
    "description": CASE_REQUEST["description"],
    "priority": "high",
    "status": "OPENED",
    "assigned_operator": None,
    "opened_at": OPENED_AT,
    "first_response_at": None,
    "closed_at": None,
    # MED_EMERGENCY commits to 30 minutes; high priority halves it.
    "sla_due_at": "2026-03-14T09:35:05.318204-03:00",
    "sla_state": "ok",
    **NO_DISPATCH_FLAGS,
    "version": 1,
    "created_at": "2026-03-14T09:20:05.331571-03:00",
    "updated_at": "2026-03-14T09:20:05.331602-03:00",
}

CASE_UPDATE_REQUEST = {
    "traveller_phone": "+34 612 345 678",
    "description": "Severe abdominal pain since this morning; no fever. Reachable on a Spanish number.",
}

CASE_IN_PROGRESS = {
    **CASE_OPENED,
    **CASE_UPDATE_REQUEST,
    "status": "IN_PROGRESS",
    "assigned_operator": OPERATOR,
    "first_response_at": TAKEN_AT,
    "version": 3,
    "updated_at": TAKEN_AT,
}

STATUS_CHANGE_REQUEST = {"status": "IN_PROGRESS", "reason": "Clinic contacted; the traveller is on her way."}
TEMPORARY_STATUS_REQUEST = {
    "status": "ON_HOLD",
    "reason": "Waiting for the clinic's medical report, due tomorrow morning.",
    "revert_at": "2026-03-15T09:00:00-03:00",
}

STATUS_HISTORY = {
    "results": [
        {
            "id": 5121,
            "from_status": "OPENED",
            "to_status": "IN_PROGRESS",
            "kind": "manual",
            "reason": STATUS_CHANGE_REQUEST["reason"],
            "actor_repr": OPERATOR,
            "changed_at": TAKEN_AT,
        },
        {
            "id": 5120,
            "from_status": None,
            "to_status": "OPENED",
            "kind": "opened",
            "reason": "",
            "actor_repr": KOM_CLIENT,
            "changed_at": OPENED_AT,
        },
    ]
}

ASSIGNMENT_REQUEST = {
    "provider": 318,
    "location": 527,
    "estimated_cost": "1500.00",
    "guaranteed_amount": "1500.00",
    "currency": "USD",
    "notes": "Guarantee of payment sent to the admissions desk by e-mail.",
}

# An assignment made directly (not offered first) has no dispatch times.
NO_DISPATCH_TIMES = {
    "offered_at": None,
    "offer_expires_at": None,
    "offer_rank": None,
    "accepted_at": None,
    "eta_at": None,
    "declined_at": None,
    "expired_at": None,
    "en_route_at": None,
    "eta_breached_at": None,
    "reason": "",
}

ASSIGNMENT = {
    "id": 2210,
    "event": "BT-2026-0001042",
    "provider": 318,
    "provider_name": "Clínica Castellana Urgencias",
    "location": 527,
    "status": "ASSIGNED",
    "assigned_at": "2026-03-14T09:27:50.120733-03:00",
    "started_at": None,
    "resolved_at": None,
    "cancelled_at": None,
    **NO_DISPATCH_TIMES,
    # A guarantee is committed on the voucher's benefit, in the benefit's currency.
    "currency": "USD",
    "estimated_cost": "1500.00",
    "final_cost": None,
    "guaranteed_amount": "1500.00",
    "notes": ASSIGNMENT_REQUEST["notes"],
}

ASSIGNMENT_RESOLVE_REQUEST = {"status": "RESOLVED", "final_cost": "1320.50", "reason": "Discharged after observation."}

ASSIGNMENT_RESOLVED = {
    **ASSIGNMENT,
    "status": "RESOLVED",
    "started_at": "2026-03-14T09:58:02.774190-03:00",
    "resolved_at": "2026-03-14T13:45:19.006342-03:00",
    "final_cost": "1320.50",
}

# Dispatch (issue 18): the case is offered to a roadside provider first; an operator records each of
# its phone answers. The first offer is declined, the cascade offers the next provider, who accepts.
OFFER_REQUEST = {"provider": 318, "location": 527, "currency": "USD"}

OFFERED = {
    **ASSIGNMENT,
    "status": "OFFERED",
    "assigned_at": "2026-03-14T09:27:50.120733-03:00",
    "offered_at": "2026-03-14T09:27:50.120733-03:00",
    # MED_EMERGENCY at high priority: five minutes to answer (the offer times per assistance and priority).
    "offer_expires_at": "2026-03-14T09:32:50.120733-03:00",
    "offer_rank": 1,
    "estimated_cost": None,
    "guaranteed_amount": None,
    "notes": "",
}

DECLINE_REQUEST = {"reason": "No doctor on duty until 11:00."}

DECLINED = {
    **OFFERED,
    "status": "DECLINED",
    "declined_at": "2026-03-14T09:29:03.551920-03:00",
    # Operators read it; partners read an empty string.
    "reason": DECLINE_REQUEST["reason"],
}

ACCEPT_REQUEST = {"eta_minutes": 40}

# The cascade's second offer (another clinic), accepted with a 40-minute ETA.
ACCEPTED = {
    **OFFERED,
    "id": 2211,
    "provider": 319,
    "provider_name": "Hospital Gran Vía Asistencia",
    "location": 528,
    "assigned_at": "2026-03-14T09:29:03.551920-03:00",
    "offered_at": "2026-03-14T09:29:03.551920-03:00",
    "offer_expires_at": "2026-03-14T09:34:03.551920-03:00",
    "offer_rank": 2,
    "status": "ASSIGNED",
    "accepted_at": "2026-03-14T09:30:12.004518-03:00",
    "eta_at": "2026-03-14T10:10:12.004518-03:00",
}

EN_ROUTE = {**ACCEPTED, "status": "EN_ROUTE", "en_route_at": "2026-03-14T09:31:40.872305-03:00"}

# On site 55 minutes after accepting, 15 minutes later than promised: the assignment and the case are flagged.
ARRIVED = {
    **EN_ROUTE,
    "status": "STARTED",
    "started_at": "2026-03-14T10:25:12.004518-03:00",
    "eta_breached_at": "2026-03-14T10:25:12.004518-03:00",
}

COMPLETED = {**ARRIVED, "status": "RESOLVED", "resolved_at": "2026-03-14T11:40:27.310662-03:00"}

CASCADE_REQUEST = {"enabled": False}

CASE_CASCADE_OFF = {
    **CASE_IN_PROGRESS,
    "cascade_enabled": False,
    "version": 4,
    "updated_at": "2026-03-14T09:28:31.117204-03:00",
}

NOTE_REQUEST = {
    "event": 1042,
    "kind": "traveller",
    "body": "The traveller is waiting at the hotel reception and can walk to a taxi.",
}

NOTE = {
    "id": 8841,
    **NOTE_REQUEST,
    # A partner's notes are always shared with it.
    "visibility": "shared",
    "author_repr": KOM_CLIENT,
    "created_at": "2026-03-14T09:22:37.640015-03:00",
}

DRAFT_DATA = {
    "source_code": "PHONE",
    "traveller_name": "Martín Ruiz",
    "traveller_phone": "+34 699 112 233",
    "assistance": "MED_CONSULTATION",
    "country": "ES",
    "city": "3128760",
    "description": "Fever and sore throat since yesterday; asks for a doctor in Barcelona.",
}

DRAFT = {
    "id": 57,
    "data": DRAFT_DATA,
    # A draft lives a week after its last change.
    "expires_at": "2026-03-21T10:05:44.210377-03:00",
    "promoted_event": None,
    "created_at": "2026-03-14T10:02:18.559810-03:00",
    "updated_at": "2026-03-14T10:05:44.210377-03:00",
}

PROMOTE_REQUEST = {"override_reason": "Walk-in call without a voucher; the supervisor approved the consultation."}

PROMOTED_CASE = {
    "id": 1043,
    "code": "BT-2026-0001043",
    "source_code": "PHONE",
    "external_reference": None,
    "voucher": None,
    "covered": False,
    "coverage": {"covered": False, "reasons": [{"code": "no_voucher", "passed": False, "message": "No voucher."}]},
    "coverage_override_reason": PROMOTE_REQUEST["override_reason"],
    "traveller_name": "Martín Ruiz",
    "traveller_document_type": "",
    "traveller_document_number": "",
    "traveller_phone": "+34 699 112 233",
    "traveller_email": "",
    "assistance": "MED_CONSULTATION",
    "country": "ES",
    "city": "3128760",
    "address": "",
    "latitude": None,
    "longitude": None,
    "description": DRAFT_DATA["description"],
    "priority": "normal",
    "status": "OPENED",
    "assigned_operator": None,
    "opened_at": "2026-03-14T10:06:30.441862-03:00",
    "first_response_at": None,
    "closed_at": None,
    "sla_due_at": "2026-03-14T12:06:30.441862-03:00",
    "sla_state": "ok",
    **NO_DISPATCH_FLAGS,
    "version": 1,
    "created_at": "2026-03-14T10:06:30.452019-03:00",
    "updated_at": "2026-03-14T10:06:30.452044-03:00",
}

CASE_EXAMPLES = [OpenApiExample("A case in progress", value=CASE_IN_PROGRESS, response_only=True)]
CASE_UPDATE_EXAMPLES = [OpenApiExample("A new phone number", value=CASE_UPDATE_REQUEST, request_only=True)]
CASE_OPEN_EXAMPLES = exchange("A medical emergency in Madrid", CASE_REQUEST, "The case opened", CASE_OPENED)
STATUS_CHANGE_EXAMPLES = [
    OpenApiExample("Take the case on", value=STATUS_CHANGE_REQUEST, request_only=True),
    OpenApiExample("On hold until tomorrow morning", value=TEMPORARY_STATUS_REQUEST, request_only=True),
]
STATUS_HISTORY_EXAMPLES = [OpenApiExample("Opened then taken on", value=STATUS_HISTORY, response_only=True)]
ASSIGNMENT_REQUEST_EXAMPLES = [
    OpenApiExample("A clinic with a guarantee of payment", value=ASSIGNMENT_REQUEST, request_only=True)
]
ASSIGNMENT_EXAMPLES = [OpenApiExample("A clinic assigned", value=ASSIGNMENT, response_only=True)]
ASSIGNMENTS_EXAMPLES = [OpenApiExample("One clinic assigned", value={"results": [ASSIGNMENT]}, response_only=True)]
ASSIGNMENT_TRANSITION_EXAMPLES = exchange(
    "Resolved with the final cost", ASSIGNMENT_RESOLVE_REQUEST, "The service resolved", ASSIGNMENT_RESOLVED
)
NOTE_EXAMPLES = exchange("A note about the traveller", NOTE_REQUEST, "A note from the partner", NOTE)
DRAFT_EXAMPLES = exchange("A call being taken", {"data": DRAFT_DATA}, "A draft", DRAFT)
PROMOTE_EXAMPLES = exchange("Open without a voucher", PROMOTE_REQUEST, "The case opened from the draft", PROMOTED_CASE)
OFFERED_EXAMPLES = exchange("Offer the case to a clinic", OFFER_REQUEST, "The clinic is offered the case", OFFERED)
ACCEPT_EXAMPLES = exchange("Accepted on the phone, there in 40 minutes", ACCEPT_REQUEST, "Accepted", ACCEPTED)
DECLINE_EXAMPLES = exchange("Declined on the phone", DECLINE_REQUEST, "Declined (as operators read it)", DECLINED)
EN_ROUTE_EXAMPLES = [OpenApiExample("On the way", value=EN_ROUTE, response_only=True)]
ARRIVED_EXAMPLES = [OpenApiExample("On site, later than promised", value=ARRIVED, response_only=True)]
COMPLETED_EXAMPLES = [OpenApiExample("The service is done", value=COMPLETED, response_only=True)]
CASCADE_EXAMPLES = exchange(
    "The operator calls the providers herself", CASCADE_REQUEST, "The cascade is off", CASE_CASCADE_OFF
)
