"""The partner-isolation scenario shared by the schema-wide tests (test settings and production gunicorn).

Two partners' worlds, each piece carrying a marker (``build_side``); for every operation of the
schema, the requests that name the owner's objects and their missing counterparts (``REQUESTS``);
and the check (``check_isolation``).
"""

import io
import json
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.assistances import services as case_services
from apps.assistances.models import Event, EventProvider, EventStatusSwitch, Note
from apps.claims.bills import bill_create
from apps.claims.bordereau import bordereau_generate
from apps.claims.models import Bill, BillLine, Bordereau, Payment, Reserve
from apps.consultations.models import PhoneConsultation, PhoneConsultationFile
from apps.guarantees.models import Guarantee, GuaranteeVersion
from apps.guarantees.services import guarantee_create, guarantee_issue
from apps.issuance.models import IssuanceDocument, IssuanceRecord
from apps.vouchers.models import BenefitCommitment, Voucher, VoucherTraveller
from tests.assistances.factories import covered_case
from tests.consultations.factories import ConsultationFileFactory, PhoneConsultationFactory
from tests.issuance.factories import make_pdf, mok_payload, mok_voucher
from tests.providers.factories import ProviderFactory
from tests.vouchers.factories import BenefitFactory, TravellerFactory, VoucherFactory, assistance, country

MISSING_ID = 987654321
GUARANTEES = "/v1/assistances/events/{}/guarantees"
GUARANTEE = GUARANTEES + "/{}"
# The schema's templates of the same paths (the keys of REQUESTS).
GUARANTEES_T = "/v1/assistances/events/{id}/guarantees"
GUARANTEE_T = GUARANTEES_T + "/{gid}"
BILLS = "/v1/assistances/events/{}/bills"
BILL = BILLS + "/{}"
BILLS_T = "/v1/assistances/events/{id}/bills"
BILL_T = BILLS_T + "/{bid}"


@dataclass
class Target:
    """The objects a request may name: one partner's, or ones that do not exist (``MISSING``)."""

    case_id: int = MISSING_ID
    case_code: str = "BT-2099-9999999"
    switch_id: int = MISSING_ID
    assignment_id: int = MISSING_ID
    note_id: int = MISSING_ID
    consultation_id: int = MISSING_ID
    file_id: int = MISSING_ID
    voucher_id: int = MISSING_ID
    voucher_number: str = "NO-SUCH-VOUCHER-1"
    document_number: str = "NOSUCHDOC1"
    holder_name: str = "Nobody Atall"
    external_reference: str = "NO-SUCH-REF"
    issuance_id: str = "NO-SUCH-ISSUANCE"
    doc_id: int = MISSING_ID
    guarantee_id: int = MISSING_ID
    bill_id: int = MISSING_ID
    bordereau_id: int = MISSING_ID
    markers: list[str] = field(default_factory=list)  # must never appear in another partner's answer

    @property
    def search_terms(self) -> list[str]:
        """What a search may be asked for: the same number of terms for every target."""
        return [
            self.markers[0] if self.markers else "NOSUCHMARKER",
            self.case_code,
            self.voucher_number,
            self.external_reference,
            self.document_number,
            self.holder_name,
        ]


MISSING = Target()


@dataclass
class Call:
    method: str
    path: str
    query: dict = field(default_factory=dict)
    body: dict | None = None
    multipart: bool = False


@dataclass
class Shared:
    """Open data every partner may name (the provider network, catalogs)."""

    provider_id: int
    location_id: int
    method_id: int


def _list_queries(t: Target) -> list[dict]:
    """Filter values that name the target's data, for every list: each is tried on its own."""
    return [
        {},
        *({"q": term} for term in t.search_terms),
        {"event": t.case_id},
        {"event_code": t.case_code},
        {"document": t.document_number},
        {"number": t.voucher_number},
        {"holder": t.holder_name},
    ]


def _list(path: str):
    """A list: the filters it documents that name the target, one at a time (see ``_applicable``)."""
    return lambda t, s: [Call("GET", path, query) for query in _list_queries(t)]


def _opening(t: Target, source: str) -> dict:
    return {
        "source_code": source,
        "external_reference": f"ISOLATION-{source}-1",
        "voucher": t.voucher_number,
        "traveller_name": "Intruder Probe",
        "assistance": "MED_EMERGENCY",
        "country": "ES",
    }


def _consultation(t: Target) -> dict:
    return {
        "caller_name": "Probe",
        "phone_number": "+54 11 5555-0000",
        "direction": "inbound",
        "outcome": "resolved",
        "reason": "probe",
        "event": t.case_id,
    }


_PDF = make_pdf()
EVENTS = "/v1/assistances/events"
CONSULTATIONS = "/v1/assistances/phone-consultations"

# Every operation of the schema → the calls that exercise it, built for a target (owner or MISSING).
REQUESTS = {
    ("GET", EVENTS): _list(EVENTS),
    ("POST", EVENTS): lambda t, s: [Call("POST", EVENTS, body=_opening(t, s.intruder))],
    ("GET", EVENTS + "/{id}"): lambda t, s: [Call("GET", f"{EVENTS}/{t.case_id}")],
    ("PATCH", EVENTS + "/{id}"): lambda t, s: [
        Call("PATCH", f"{EVENTS}/{t.case_id}", body={"description": "overwritten"})
    ],
    ("GET", EVENTS + "/{id}/providers"): lambda t, s: [Call("GET", f"{EVENTS}/{t.case_id}/providers")],
    ("POST", EVENTS + "/{id}/providers"): lambda t, s: [
        Call("POST", f"{EVENTS}/{t.case_id}/providers", body={"provider": s.shared.provider_id})
    ],
    ("GET", EVENTS + "/{id}/statuses"): lambda t, s: [Call("GET", f"{EVENTS}/{t.case_id}/statuses")],
    ("POST", EVENTS + "/{id}/statuses"): lambda t, s: [
        Call("POST", f"{EVENTS}/{t.case_id}/statuses", body={"status": "CLOSED", "reason": "probe"})
    ],
    ("POST", EVENTS + "/{id}/statuses/switches/{switch_pk}/cancel"): lambda t, s: [
        Call("POST", f"{EVENTS}/{t.case_id}/statuses/switches/{t.switch_id}/cancel")
    ],
    # Drafts belong to operators' accounts: every partner is refused, whatever it names.
    ("GET", EVENTS + "/draft"): lambda t, s: [Call("GET", f"{EVENTS}/draft")],
    ("POST", EVENTS + "/draft"): lambda t, s: [Call("POST", f"{EVENTS}/draft", body={"data": {}})],
    ("GET", EVENTS + "/draft/{id}"): lambda t, s: [Call("GET", f"{EVENTS}/draft/{t.case_id}")],
    ("PATCH", EVENTS + "/draft/{id}"): lambda t, s: [Call("PATCH", f"{EVENTS}/draft/{t.case_id}", body={"data": {}})],
    ("POST", EVENTS + "/draft/{id}/promote"): lambda t, s: [Call("POST", f"{EVENTS}/draft/{t.case_id}/promote")],
    ("GET", EVENTS + "/providers/{id}"): lambda t, s: [Call("GET", f"{EVENTS}/providers/{t.assignment_id}")],
    ("PATCH", EVENTS + "/providers/{id}"): lambda t, s: [
        Call("PATCH", f"{EVENTS}/providers/{t.assignment_id}", body={"status": "CANCELLED", "reason": "probe"})
    ],
    # Dispatch (operators' steps): a partner is refused whatever it names.
    ("POST", EVENTS + "/{id}/offers"): lambda t, s: [
        Call("POST", f"{EVENTS}/{t.case_id}/offers", body={"provider": s.shared.provider_id})
    ],
    ("POST", EVENTS + "/{id}/cascade"): lambda t, s: [
        Call("POST", f"{EVENTS}/{t.case_id}/cascade", body={"enabled": False})
    ],
    ("POST", EVENTS + "/providers/{id}/accept"): lambda t, s: [
        Call("POST", f"{EVENTS}/providers/{t.assignment_id}/accept", body={"eta_minutes": 30})
    ],
    ("POST", EVENTS + "/providers/{id}/decline"): lambda t, s: [
        Call("POST", f"{EVENTS}/providers/{t.assignment_id}/decline", body={"reason": "probe"})
    ],
    ("POST", EVENTS + "/providers/{id}/en-route"): lambda t, s: [
        Call("POST", f"{EVENTS}/providers/{t.assignment_id}/en-route")
    ],
    ("POST", EVENTS + "/providers/{id}/arrived"): lambda t, s: [
        Call("POST", f"{EVENTS}/providers/{t.assignment_id}/arrived")
    ],
    ("POST", EVENTS + "/providers/{id}/completed"): lambda t, s: [
        Call("POST", f"{EVENTS}/providers/{t.assignment_id}/completed")
    ],
    ("GET", "/v1/assistances/notes"): _list("/v1/assistances/notes"),
    ("POST", "/v1/assistances/notes"): lambda t, s: [
        Call("POST", "/v1/assistances/notes", body={"event": t.case_id, "body": "probe"})
    ],
    ("GET", "/v1/assistances/notes/{id}"): lambda t, s: [Call("GET", f"/v1/assistances/notes/{t.note_id}")],
    ("GET", CONSULTATIONS): _list(CONSULTATIONS),
    ("POST", CONSULTATIONS): lambda t, s: [Call("POST", CONSULTATIONS, body=_consultation(t))],
    ("GET", CONSULTATIONS + "/{id}"): lambda t, s: [Call("GET", f"{CONSULTATIONS}/{t.consultation_id}")],
    ("PATCH", CONSULTATIONS + "/{id}"): lambda t, s: [
        Call("PATCH", f"{CONSULTATIONS}/{t.consultation_id}", body={"reason": "overwritten"})
    ],
    ("POST", CONSULTATIONS + "/{id}/files"): lambda t, s: [
        Call("POST", f"{CONSULTATIONS}/{t.consultation_id}/files", multipart=True)
    ],
    ("GET", CONSULTATIONS + "/{id}/files/{file_id}"): lambda t, s: [
        Call("GET", f"{CONSULTATIONS}/{t.consultation_id}/files/{t.file_id}")
    ],
    ("POST", "/v1/issuance-mok"): lambda t, s: [
        Call("POST", "/v1/issuance-mok", body=mok_payload("ISOLATION-ISSUANCE", [mok_voucher(t.voucher_number)]))
    ],
    ("GET", "/v1/issuance-mok/{issuance_id}"): lambda t, s: [Call("GET", f"/v1/issuance-mok/{t.issuance_id}")],
    ("POST", "/v1/issuance-mok/{issuance_id}/documents"): lambda t, s: [
        Call("POST", f"/v1/issuance-mok/{t.issuance_id}/documents", multipart=True)
    ],
    ("GET", "/v1/issuance-mok/{issuance_id}/documents/{doc_id}"): lambda t, s: [
        Call("GET", f"/v1/issuance-mok/{t.issuance_id}/documents/{t.doc_id}")
    ],
    ("GET", "/v1/vouchers"): _list("/v1/vouchers"),
    ("POST", "/v1/vouchers"): lambda t, s: [Call("POST", "/v1/vouchers", body={"number": t.voucher_number})],
    ("GET", "/v1/vouchers/{id}"): lambda t, s: [Call("GET", f"/v1/vouchers/{t.voucher_id}")],
    ("GET", "/v1/vouchers/{id}/coverage"): lambda t, s: [
        Call("GET", f"/v1/vouchers/{t.voucher_id}/coverage", {"assistance": "MED_EMERGENCY", "country": "ES"})
    ],
    ("POST", "/v1/vouchers/{id}/statuses"): lambda t, s: [
        Call("POST", f"/v1/vouchers/{t.voucher_id}/statuses", body={"status": "CANCELLED", "reason": "probe"})
    ],
    ("GET", "/v1/users"): lambda t, s: [Call("GET", "/v1/users")],
    ("GET", GUARANTEES_T): lambda t, s: [Call("GET", GUARANTEES.format(t.case_id))],
    ("POST", GUARANTEES_T): lambda t, s: [
        Call(
            "POST",
            GUARANTEES.format(t.case_id),
            body={"assignment": t.assignment_id, "amount": "10.00", "covered_services": "probe"},
        )
    ],
    ("GET", GUARANTEE_T): lambda t, s: [Call("GET", GUARANTEE.format(t.case_id, t.guarantee_id))],
    ("PATCH", GUARANTEE_T): lambda t, s: [
        Call("PATCH", GUARANTEE.format(t.case_id, t.guarantee_id), body={"covered_services": "overwritten"})
    ],
    ("GET", GUARANTEE_T + "/letter"): lambda t, s: [
        Call("GET", GUARANTEE.format(t.case_id, t.guarantee_id) + "/letter")
    ],
    ("POST", GUARANTEE_T + "/approval"): lambda t, s: [
        Call("POST", GUARANTEE.format(t.case_id, t.guarantee_id) + "/approval", body={"decision": "approve"})
    ],
    ("POST", GUARANTEE_T + "/answer"): lambda t, s: [
        Call("POST", GUARANTEE.format(t.case_id, t.guarantee_id) + "/answer", body={"decision": "accept"})
    ],
    ("POST", GUARANTEE_T + "/amend"): lambda t, s: [
        Call("POST", GUARANTEE.format(t.case_id, t.guarantee_id) + "/amend", body={"amount": "1.00"})
    ],
    ("POST", GUARANTEE_T + "/final"): lambda t, s: [
        Call("POST", GUARANTEE.format(t.case_id, t.guarantee_id) + "/final", body={"amount": "1.00"})
    ],
    ("POST", GUARANTEE_T + "/cancel"): lambda t, s: [
        Call("POST", GUARANTEE.format(t.case_id, t.guarantee_id) + "/cancel", body={"reason": "probe"})
    ],
    ("GET", "/v1/assistances/guarantees"): _list("/v1/assistances/guarantees"),
    ("GET", "/v1/assistances/guarantees/turnaround"): lambda t, s: [
        Call("GET", "/v1/assistances/guarantees/turnaround", {"source_code": s.owner})
    ],
}
REQUESTS.update(
    {
        ("GET", BILLS_T): lambda t, s: [Call("GET", BILLS.format(t.case_id))],
        ("POST", BILLS_T): lambda t, s: [
            Call(
                "POST",
                BILLS.format(t.case_id),
                body={
                    "assignment": t.assignment_id,
                    "invoice_number": "PROBE-1",
                    "invoice_date": "2026-01-02",
                    "currency": "USD",
                    "billed_total": "10.00",
                    "lines": [{"description": "probe", "quantity": "1", "unit_price": "10.00"}],
                },
            )
        ],
        ("GET", BILL_T): lambda t, s: [Call("GET", BILL.format(t.case_id, t.bill_id))],
        ("POST", BILL_T + "/review"): lambda t, s: [Call("POST", BILL.format(t.case_id, t.bill_id) + "/review")],
        ("PATCH", BILL_T + "/lines/{position}"): lambda t, s: [
            Call("PATCH", BILL.format(t.case_id, t.bill_id) + "/lines/1", body={"allowed_amount": "1.00"})
        ],
        ("POST", BILL_T + "/decision"): lambda t, s: [Call("POST", BILL.format(t.case_id, t.bill_id) + "/decision")],
        ("POST", BILL_T + "/reject"): lambda t, s: [
            Call("POST", BILL.format(t.case_id, t.bill_id) + "/reject", body={"reason": "probe"})
        ],
        ("GET", BILL_T + "/payments"): lambda t, s: [Call("GET", BILL.format(t.case_id, t.bill_id) + "/payments")],
        ("POST", BILL_T + "/payments"): lambda t, s: [
            Call(
                "POST",
                BILL.format(t.case_id, t.bill_id) + "/payments",
                body={"paid_on": "2026-01-02", "amount": "1.00", "currency": "USD", "reference": "probe"},
            )
        ],
        ("GET", "/v1/assistances/events/{id}/reserve"): lambda t, s: [
            Call("GET", f"/v1/assistances/events/{t.case_id}/reserve")
        ],
        ("POST", "/v1/assistances/events/{id}/reserve"): lambda t, s: [
            Call("POST", f"/v1/assistances/events/{t.case_id}/reserve", body={"amount": "1.00", "reason": "probe"})
        ],
        ("GET", "/v1/assistances/adjustment-reasons"): _list("/v1/assistances/adjustment-reasons"),
        ("GET", "/v1/assistances/bordereaux"): lambda t, s: [
            Call("GET", "/v1/assistances/bordereaux", {"source_code": s.owner}),
            Call("GET", "/v1/assistances/bordereaux", {"month": "2026-01"}),
        ],
        ("GET", "/v1/assistances/bordereaux/{id}"): lambda t, s: [
            Call("GET", f"/v1/assistances/bordereaux/{t.bordereau_id}")
        ],
        ("GET", "/v1/assistances/bordereaux/{id}/files/{file_format}"): lambda t, s: [
            Call("GET", f"/v1/assistances/bordereaux/{t.bordereau_id}/files/csv")
        ],
        ("GET", "/v1/assistances/price-reference"): lambda t, s: [
            Call("GET", "/v1/assistances/price-reference", {"assistance": "MED_EMERGENCY", "country": "ES"})
        ],
    }
)
for _step in ("issue", "send"):
    REQUESTS[("POST", GUARANTEE_T + "/" + _step)] = lambda t, s, _step=_step: [
        Call("POST", GUARANTEE.format(t.case_id, t.guarantee_id) + "/" + _step)
    ]

# Open data (catalogs, the provider network): read by every partner, written by none. The requests
# carry the target's markers as search terms, so a search over open data cannot echo them either.
_OPEN_LISTS = [
    "/v1/masters/categories",
    "/v1/masters/countries",
    "/v1/masters/countries/ES/cities",
    "/v1/masters/event-statuses",
    "/v1/masters/eventprovider-statuses",
    "/v1/masters/voucher-statuses",
    "/v1/providers",
]
for _path in _OPEN_LISTS:
    _template = _path.replace("/ES/", "/{iso2}/")
    REQUESTS[("GET", _template)] = _list(_path)
for _template, _path in [
    ("/v1/masters/categories/{code}", "/v1/masters/categories/MEDICAL"),
    ("/v1/masters/countries/{iso2}", "/v1/masters/countries/ES"),
    ("/v1/masters/countries/{iso2}/cities/{code}", "/v1/masters/countries/ES/cities/3117735"),
    ("/v1/masters/event-statuses/{code}", "/v1/masters/event-statuses/OPENED"),
    ("/v1/masters/eventprovider-statuses/{code}", "/v1/masters/eventprovider-statuses/ASSIGNED"),
    ("/v1/masters/voucher-statuses/{code}", "/v1/masters/voucher-statuses/ACTIVE"),
]:
    REQUESTS[("GET", _template)] = lambda t, s, _path=_path: [Call("GET", _path)]
for _op in ("search", "searchs"):
    REQUESTS[("GET", f"/v1/providers/{_op}")] = lambda t, s, _op=_op: [
        Call("GET", f"/v1/providers/{_op}", {"country": "ES", "q": term}) for term in t.search_terms[:2]
    ]


def _provider_requests():
    p = "/v1/providers"
    return {
        ("POST", p): lambda t, s: [Call("POST", p, body={"display_name": t.holder_name})],
        ("GET", p + "/{id}"): lambda t, s: [Call("GET", f"{p}/{s.shared.provider_id}")],
        ("PATCH", p + "/{id}"): lambda t, s: [Call("PATCH", f"{p}/{s.shared.provider_id}", body={"notes": "x"})],
        ("DELETE", p + "/{id}"): lambda t, s: [Call("DELETE", f"{p}/{s.shared.provider_id}")],
        ("GET", p + "/{provider_pk}/locations"): lambda t, s: [Call("GET", f"{p}/{s.shared.provider_id}/locations")],
        ("POST", p + "/{provider_pk}/locations"): lambda t, s: [
            Call("POST", f"{p}/{s.shared.provider_id}/locations", body={"name": "x"})
        ],
        ("GET", p + "/{provider_pk}/locations/{id}"): lambda t, s: [
            Call("GET", f"{p}/{s.shared.provider_id}/locations/{s.shared.location_id}")
        ],
        ("PATCH", p + "/{provider_pk}/locations/{id}"): lambda t, s: [
            Call("PATCH", f"{p}/{s.shared.provider_id}/locations/{s.shared.location_id}", body={"name": "x"})
        ],
        ("DELETE", p + "/{provider_pk}/locations/{id}"): lambda t, s: [
            Call("DELETE", f"{p}/{s.shared.provider_id}/locations/{s.shared.location_id}")
        ],
        ("GET", p + "/{provider_pk}/locations/search"): lambda t, s: [
            Call("GET", f"{p}/{s.shared.provider_id}/locations/search", {"country": "ES"})
        ],
        ("GET", p + "/{provider_pk}/paymentmethods"): lambda t, s: [
            Call("GET", f"{p}/{s.shared.provider_id}/paymentmethods")
        ],
        ("POST", p + "/{provider_pk}/paymentmethods"): lambda t, s: [
            Call("POST", f"{p}/{s.shared.provider_id}/paymentmethods", body={"kind": "x"})
        ],
        ("GET", p + "/{provider_pk}/paymentmethods/{id}"): lambda t, s: [
            Call("GET", f"{p}/{s.shared.provider_id}/paymentmethods/{s.shared.method_id}")
        ],
        ("PATCH", p + "/{provider_pk}/paymentmethods/{id}"): lambda t, s: [
            Call("PATCH", f"{p}/{s.shared.provider_id}/paymentmethods/{s.shared.method_id}", body={"kind": "x"})
        ],
        ("DELETE", p + "/{provider_pk}/paymentmethods/{id}"): lambda t, s: [
            Call("DELETE", f"{p}/{s.shared.provider_id}/paymentmethods/{s.shared.method_id}")
        ],
    }


REQUESTS.update(_provider_requests())

# Where the two answers may differ, and why it is acceptable. Nothing else may be listed here.
EXISTENCE_ORACLES = {
    # Voucher numbers are unique across issuers, so MOK's issuance naming a number another source
    # already uses is refused (409, "number in use") where an unused number is accepted. MOK learns
    # that the number is taken, and nothing of the voucher; the test still checks that nothing of it
    # is echoed and that the voucher is unchanged.
    ("POST", "/v1/issuance-mok"),
}


def schema_operations(client) -> set[tuple[str, str]]:
    document = client.get("/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    methods = {"get", "post", "put", "patch", "delete"}
    return {(m.upper(), path) for path, ops in document["paths"].items() for m in ops if m in methods}


def _applicable(calls: list[Call], operation_params: set[str]) -> list[Call]:
    """Query variants only with parameters the operation documents (the rest would be a 400 for both)."""
    return [call for call in calls if set(call.query) <= operation_params | {"q"} or not call.query]


def _send(api, call: Call):
    if call.multipart:
        upload = io.BytesIO(_PDF)
        upload.name = "probe.pdf"
        return getattr(api, call.method.lower())(call.path, {"file": upload}, format="multipart")
    if call.method == "GET":
        return api.get(call.path, call.query)
    return getattr(api, call.method.lower())(call.path, call.body or {}, format="json")


def _comparable(response) -> tuple[int, object]:
    try:
        body = response.json()
    except (ValueError, TypeError):
        return response.status_code, response.content
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("request_id", "instance", "next", "previous")}
    return response.status_code, body


@dataclass
class Scenario:
    owner: str
    intruder: str
    shared: Shared


def build_side(source: str, operator, admin_api) -> Target:
    """One partner's data, each piece carrying a marker no other partner may ever read."""
    tag = f"{source}SECRET"
    es, ar = country("ES"), country("AR")
    voucher = VoucherFactory(
        number=f"V-{tag}-1",
        source=source,
        worldwide=True,
        residence_country=ar,
        holder_name=f"Holder {tag}",
        holder_document_number=f"DOC{tag}",
    )
    TravellerFactory(voucher=voucher, first_name=f"Trav{tag}", document_number=f"TRAV{tag}")
    BenefitFactory(voucher=voucher, assistance=assistance("MED_EMERGENCY"))
    case = covered_case(
        source=source,
        actor=operator,
        voucher=voucher,
        external_reference=f"REF-{tag}",
        traveller_name=f"Traveller {tag}",
        traveller_document_number=f"DOC{tag}",
        description=f"Description {tag}",
        country=es,
    )
    case_services.event_take(event=case, operator=operator)
    note = case_services.note_create(event=case, body=f"Shared {tag}", visibility="shared", actor=operator)
    case_services.note_create(event=case, body=f"Internal {tag}", actor=operator)
    provider = ProviderFactory(assistances=[assistance("MED_EMERGENCY")], country=es)
    assignment = case_services.event_provider_assign(
        event=case, provider=provider, guaranteed_amount=100, currency="USD", actor=operator
    )
    case = Event.objects.get(pk=case.pk)
    case_services.event_change_status(event=case, to_code="IN_PROGRESS", reason=f"Reason {tag}", actor=operator)
    case = Event.objects.get(pk=case.pk)
    case_services.event_change_status(
        event=case,
        to_code="ON_HOLD",
        reason=f"Hold {tag}",
        revert_at=timezone.now() + timedelta(hours=2),
        actor=operator,
    )
    switch = EventStatusSwitch.objects.get(event=case)
    # A guarantee waiting for approval (issued without an operator: no authority), the partner's to decide.
    guarantee = guarantee_issue(
        guarantee=guarantee_create(
            assignment=assignment, data={"amount": Decimal("90"), "covered_services": f"Covered {tag}"}
        )
    )
    bill = bill_create(
        assignment=assignment,
        data={"invoice_number": f"INV-{tag}", "invoice_date": timezone.localdate(), "currency": "USD"},
        lines=[{"description": f"Line {tag}", "quantity": Decimal("1"), "unit_price": Decimal("80")}],
        actor=operator,
    )
    consultation = PhoneConsultationFactory(event=case, caller_name=f"Caller {tag}", operator=operator)
    stored = ConsultationFileFactory(consultation=consultation, original_name=f"file-{tag}.pdf")
    target = Target(
        case_id=case.pk,
        case_code=case.code,
        switch_id=switch.pk,
        assignment_id=assignment.pk,
        note_id=note.pk,
        consultation_id=consultation.pk,
        file_id=stored.pk,
        voucher_id=voucher.pk,
        voucher_number=voucher.number,
        document_number=f"DOC{tag}",
        holder_name=f"Holder {tag}",
        external_reference=f"REF-{tag}",
        guarantee_id=guarantee.pk,
        bill_id=bill.pk,
        bordereau_id=bordereau_generate(source_code=source, month=timezone.localdate()).pk,
        markers=[tag, case.code, voucher.number, f"REF-{tag}"],
    )
    if source == "MOK":
        # MOK's issuance feed: a record (with a holder carrying the marker) and a PDF document.
        body = mok_payload(
            f"ISS-{tag}",
            [
                mok_voucher(
                    f"MOKV-{tag}",
                    holder={
                        "name": f"Issued {tag}",
                        "document_type": "passport",
                        "document_number": f"ISSDOC{tag}",
                        "email": "issued@example.com",
                        "phone": "+54 11 5555 0000",
                    },
                )
            ],
        )
        assert admin_api.post("/v1/issuance-mok", body, format="json").status_code == 201
        upload = io.BytesIO(_PDF)
        upload.name = "policy.pdf"
        response = admin_api.post(f"/v1/issuance-mok/ISS-{tag}/documents", {"file": upload}, format="multipart")
        assert response.status_code == 201, response.content
        target.issuance_id = f"ISS-{tag}"
        target.doc_id = response.json()["id"]
        target.markers += [f"MOKV-{tag}", f"ISSDOC{tag}"]
    return target


def owned_rows(source: str) -> dict:
    """Everything the owner has, as stored: compared before and after the intruder's calls."""
    return {
        "events": list(Event.objects.filter(source_code=source).values()),
        "notes": list(Note.objects.filter(event__source_code=source).values()),
        "assignments": list(EventProvider.objects.filter(event__source_code=source).values()),
        "switches": list(EventStatusSwitch.objects.filter(event__source_code=source).values()),
        "consultations": list(PhoneConsultation.objects.filter(event__source_code=source).values()),
        "files": list(PhoneConsultationFile.objects.filter(consultation__event__source_code=source).values()),
        "vouchers": list(Voucher.objects.filter(source=source).values()),
        "travellers": list(VoucherTraveller.objects.filter(voucher__source=source).values()),
        "commitments": list(BenefitCommitment.objects.filter(voucher__source=source).values()),
        "issuance": list(IssuanceRecord.objects.values()) if source == "MOK" else [],
        "documents": list(IssuanceDocument.objects.values()) if source == "MOK" else [],
        "guarantees": list(Guarantee.objects.filter(event__source_code=source).values()),
        "guarantee_versions": list(GuaranteeVersion.objects.filter(guarantee__event__source_code=source).values()),
        "bills": list(Bill.objects.filter(event__source_code=source).values()),
        "bill_lines": list(BillLine.objects.filter(bill__event__source_code=source).values()),
        "payments": list(Payment.objects.filter(event__source_code=source).values()),
        "reserves": list(Reserve.objects.filter(event__source_code=source).values()),
        "bordereaux": list(Bordereau.objects.filter(source_code=source).values()),
    }


def operators():
    from apps.accounts.models import User

    return User.objects.all()


def check_isolation(api, document: dict, scenario: Scenario, target: Target) -> tuple[list[str], int]:
    """Every operation of ``document``, sent by ``api`` (the intruder) about ``target`` (the owner's data)
    and about missing objects: the problems found, and how many answer pairs were compared."""
    forbidden = [*target.markers, *{u.email for u in operators()}]
    compared, problems = 0, []
    for (method, path), build in sorted(REQUESTS.items()):
        op = document["paths"][path][method.lower()]
        params = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        foreign_calls = _applicable(build(target, scenario), params)
        missing_calls = _applicable(build(MISSING, scenario), params)
        for foreign_call, missing_call in zip(foreign_calls, missing_calls, strict=True):
            foreign = _send(api, foreign_call)
            label = f"{method} {foreign_call.path} {foreign_call.query or ''}".strip()
            if foreign.status_code >= 500:
                problems.append(f"{label}: {foreign.status_code}")
            text = foreign.content.decode("utf-8", "replace")
            sent = json.dumps([foreign_call.path, foreign_call.query, foreign_call.body], default=str)
            # What the intruder itself sent may be echoed (the problem's ``instance``, a next link);
            # anything else of the owner's may not.
            shown = sorted({marker for marker in forbidden if marker not in sent and marker in text})
            if shown:
                problems.append(f"{label} shows {scenario.owner}'s {shown} to {scenario.intruder}")
            if foreign_call == missing_call or (method, path) in EXISTENCE_ORACLES:
                continue
            missing = _send(api, missing_call)
            if _comparable(foreign) != _comparable(missing):
                problems.append(
                    f"{label}: {foreign.status_code} for {scenario.owner}'s object, "
                    f"{missing.status_code} for a missing one"
                )
            compared += 1
    return problems, compared
