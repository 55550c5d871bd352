"""Realistic assistance cases and notes at scale, for demos and benchmarks (bulk inserts, no per-row services).

Demo data only: rows are written in batches of multi-row INSERTs of plain values with primary keys
assigned here (so cases, their status history and their notes are linked without reading anything
back), skipping the services, validation and the per-row audit trail (one audit entry records the
whole run). What the services would have derived is derived the same way: the public code
``BT-{year}-{pk:07d}``, the SLA due time (``services.sla_due``), the status path allowed by the
EventStatus machine with consistent first-response and closing times, and the version.
"""

import datetime
import itertools
import math
import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import orjson
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from apps.assistances.models import (
    SLA_FACTOR,
    Event,
    EventStatusHistory,
    Note,
    NoteKind,
    NoteVisibility,
    Priority,
    StatusChangeKind,
)
from apps.audit.crud import audit_import
from apps.core.bulk import insert_rows, next_pk
from apps.masters.models import Assistance, City, Country, EventStatus
from apps.vouchers.demo import FIRST_NAMES, LAST_NAMES
from apps.vouchers.models import Voucher

HISTORY_SPAN = datetime.timedelta(days=730)  # cases opened over the last two years, more of them recently

SOURCES = [("KOM", 40), ("MOK", 30), ("PHONE", 20), ("WEB", 8)]  # codes of the masters.Source seed
PRIORITIES = [(Priority.LOW, 10), (Priority.NORMAL, 60), (Priority.HIGH, 22), (Priority.CRITICAL, 8)]
# Weight of each assistance type by code prefix (medical cases dominate a travel-assistance book).
ASSISTANCE_WEIGHTS = {
    "MED_EMERGENCY": 16,
    "MED_CONSULTATION": 16,
    "MED_TELEMEDICINE": 12,
    "MED_HOME_VISIT": 9,
    "MED_": 5,
    "DENTAL_": 5,
    "PHARMACY_": 5,
    "BAGGAGE_": 3,
    "FLIGHT_": 3,
    "": 1,
}
# Current status by the age of the case: recent cases are still being worked on, old ones are closed.
STATUS_BY_AGE = [
    (datetime.timedelta(hours=6), {"OPENED": 30, "IN_PROGRESS": 45, "ON_HOLD": 8, "MONITORING": 8, "RESOLVED": 5,
                                   "CANCELLED": 4}),
    (datetime.timedelta(days=2), {"OPENED": 6, "IN_PROGRESS": 40, "ON_HOLD": 10, "MONITORING": 18, "RESOLVED": 16,
                                  "CLOSED": 5, "CANCELLED": 5}),
    (datetime.timedelta(days=10), {"OPENED": 1, "IN_PROGRESS": 18, "ON_HOLD": 6, "MONITORING": 15, "RESOLVED": 25,
                                   "CLOSED": 30, "CANCELLED": 5}),
    (datetime.timedelta(days=45), {"IN_PROGRESS": 4, "ON_HOLD": 1, "MONITORING": 4, "RESOLVED": 11, "CLOSED": 74,
                                   "CANCELLED": 6}),
    (None, {"IN_PROGRESS": 0.3, "MONITORING": 0.2, "RESOLVED": 1, "CLOSED": 91.5, "CANCELLED": 7}),
]  # fmt: skip
CHANGE_REASONS = {
    "IN_PROGRESS": ["", "", "Caso tomado por el operador.", "Working on it.", "Coordinando prestador."],
    "ON_HOLD": ["Esperando informe médico.", "Waiting for the traveller's documents.", "Sin respuesta del viajero."],
    "MONITORING": ["Seguimiento de evolución.", "Follow-up call scheduled.", "Paciente internado, en seguimiento."],
    "RESOLVED": ["Atención brindada.", "Service delivered.", "Alta médica.", "Provider finished the job."],
    "CLOSED": ["", "Facturación conciliada.", "Invoices settled.", "Cierre administrativo."],
    "CANCELLED": ["Viajero desiste de la asistencia.", "Duplicate case.", "El viajero resolvió por su cuenta."],
}
STREETS = ["Av. Corrientes", "Calle Mayor", "Rua Augusta", "Main Street", "Boulevard Haussmann", "Gran Vía",
           "Avenida Paulista", "5th Avenue", "Calle Florida", "Paseo de la Reforma", "Oxford Street"]  # fmt: skip
HOTELS = ["Hotel Central", "Hotel Plaza", "Hostel Los Andes", "Hotel Imperial", "Apart Hotel del Sol", "Ibis Centro"]
DESCRIPTIONS = {
    "MED": ["Fiebre alta y dolor de garganta desde hace dos días.", "Dolor abdominal intenso, pide atención urgente.",
            "Chest pain after a long walk; conscious and talking.", "Caída en la vía pública, posible esguince.",
            "Vómitos y diarrea desde ayer, sospecha de intoxicación alimentaria.", "Severe ear pain after the flight.",
            "Crisis asmática leve, se quedó sin inhalador.", "Cut on the hand while cooking, needs stitches."],
    "DENTAL": ["Dolor de muela intenso, no puede dormir.", "Broken tooth while eating, asks for a dentist."],
    "PHARMACY": ["Necesita medicación para la presión arterial que olvidó.", "Lost her insulin, needs a prescription."],
    "BAGGAGE": ["La aerolínea no entregó la valija en destino.", "Bag arrived damaged, PIR filed at the airport."],
    "FLIGHT": ["Vuelo demorado más de seis horas.", "Flight cancelled, rebooked for the next day."],
    "": ["El viajero solicita asistencia.", "Traveller asks for help.", "Solicitud recibida por el canal del socio."],
}  # fmt: skip
NOTE_KIND_WEIGHTS = [
    (NoteKind.GENERAL, 30),
    (NoteKind.MEDICAL, 25),
    (NoteKind.PROVIDER, 20),
    (NoteKind.TRAVELLER, 18),
    (NoteKind.BILLING, 7),
]
NOTE_TEMPLATES = {
    NoteKind.GENERAL: [
        "Se contactó al viajero; confirma los datos del voucher.",
        "Caso revisado en el cambio de turno, sin novedades.",
        "Traveller called back at {hh}:{mm}; the case stays open.",
        "Checked the coverage again: the benefit applies.",
        "Se envía resumen del caso al socio {source}.",
        "Reminder: call the traveller again in {n} hours.",
    ],
    NoteKind.MEDICAL: [
        "Temperatura {temp} °C, se indica consulta presencial.",
        "El médico de guardia recomienda reposo y control en {n} horas.",
        "Patient reports pain {n}/10; referred to {hotel} area clinic.",
        "Diagnóstico presuntivo: gastroenteritis. Se indica hidratación.",
        "Doctor confirms the patient is stable and can travel in {n} days.",
        "Se solicita historia clínica al hospital tratante.",
    ],
    NoteKind.PROVIDER: [
        "Prestador confirma turno a las {hh}:{mm}.",
        "Provider ETA {n} minutes; ambulance on the way.",
        "Se asigna prestador más cercano a {km} km del viajero.",
        "Provider asks for a guarantee of USD {amount} before admission.",
        "El prestador envía presupuesto por USD {amount}.",
    ],
    NoteKind.TRAVELLER: [
        "El viajero informa que ya está en el {hotel}.",
        "Traveller asks for a written report for the employer.",
        "Familiar del viajero llama para pedir novedades.",
        "Traveller not answering; left a WhatsApp message at {hh}:{mm}.",
        "Se le indica al viajero conservar los comprobantes de gastos.",
    ],
    NoteKind.BILLING: [
        "Factura recibida por USD {amount}; pendiente de auditoría médica.",
        "Invoice of EUR {amount} approved within the guaranteed amount.",
        "Se solicita nota de crédito al prestador por diferencia de USD {amount}.",
        "Reimbursement of USD {amount} paid to the traveller.",
    ],
}

# Every column of the model: a field added to Event and not filled by ``_case`` fails the generator
# (KeyError) instead of being silently left to the database default.
EVENT_COLUMNS = [field.attname for field in Event._meta.concrete_fields]
HISTORY_COLUMNS = ["event_id", "from_status_id", "to_status_id", "kind", "reason", "changed_by_id", "actor_repr",
                   "changed_at"]  # fmt: skip
NOTE_COLUMNS = ["event_id", "kind", "visibility", "body", "author_id", "author_repr", "created_at", "updated_at"]


def _cum(pairs) -> tuple[list, list[float]]:
    values, weights = zip(*pairs, strict=True)
    return list(values), list(itertools.accumulate(weights))


def _status_paths() -> dict[str, list[str]]:
    """For each status, the shortest way to it from the initial status through the machine's transitions."""
    nexts: dict[str, list[str]] = {}
    for from_code, to_code in EventStatus.next_statuses.through.objects.values_list(
        "from_eventstatus__code", "to_eventstatus__code"
    ).order_by("from_eventstatus__sort_order", "to_eventstatus__sort_order"):
        nexts.setdefault(from_code, []).append(to_code)
    initial = EventStatus.objects.filter(is_initial=True, is_active=True).order_by("sort_order").first()
    if initial is None:
        raise ValueError("No initial case status: run the migrations first (they seed the status machine).")
    paths = {initial.code: [initial.code]}
    queue = [initial.code]
    while queue:
        code = queue.pop(0)
        for target in nexts.get(code, []):
            if target not in paths:
                paths[target] = [*paths[code], target]
                queue.append(target)
    return paths


class _Catalog:
    """What the generator draws from, loaded once."""

    def __init__(self) -> None:
        statuses = {s.code: s for s in EventStatus.objects.all()}
        self.status_ids = {code: s.pk for code, s in statuses.items()}
        self.final = {code for code, s in statuses.items() if s.is_final}
        self.paths = _status_paths()
        self.status_by_age = []
        for limit, weights in STATUS_BY_AGE:
            usable = [(code, w) for code, w in weights.items() if code in self.paths]
            self.status_by_age.append((limit, *_cum(usable)))

        assistances = list(Assistance.objects.filter(is_active=True).values_list("id", "code", "default_sla_minutes"))
        if not assistances:
            raise ValueError("No assistance types: run the migrations first (they seed the catalogs).")

        def weight(code: str) -> float:
            return next(w for prefix, w in ASSISTANCE_WEIGHTS.items() if code.startswith(prefix))

        self.assistances, self.assistance_cum = _cum([(row, weight(row[1])) for row in assistances])

        cities = list(
            City.objects.filter(is_active=True).values_list(
                "id", "country_id", "name", "latitude", "longitude", "population"
            )
        )
        if cities:
            # Weighted by population like the demo providers, so cases happen where providers are.
            self.places = [(c[0], c[1], c[2], float(c[3]), float(c[4])) for c in cities]
            self.place_cum = list(itertools.accumulate(max(c[5], 1000) ** 0.7 for c in cities))
        else:
            countries = list(Country.objects.values_list("id", "name_en"))
            if not countries:
                raise ValueError("No countries or cities: run `manage.py import_geo` first.")
            self.places = [(None, pk, name, None, None) for pk, name in countries]
            self.place_cum = list(range(1, len(countries) + 1))

        self.iso2 = dict(Country.objects.values_list("id", "iso2"))
        # Existing vouchers (demo or real) and their holders: most cases are opened against one.
        self.vouchers = list(
            Voucher.objects.values_list(
                "id", "holder_name", "holder_document_type", "holder_document_number", "holder_email"
            )
        )
        operators = list(
            get_user_model()
            .objects.filter(is_staff=True, is_active=True)
            .order_by("pk")
            .values_list("pk", "email")[:500]
        )
        self.operators = operators
        self.sources, self.source_cum = _cum(SOURCES)
        self.priorities, self.priority_cum = _cum(PRIORITIES)
        self.note_kinds, self.note_kind_cum = _cum(NOTE_KIND_WEIGHTS)


@dataclass
class _CaseTimes:
    """What notes need of a case: its id, when it was open, who worked on it."""

    event_id: int
    opened_at: datetime.datetime
    ended_at: datetime.datetime
    operator: tuple[int, str] | None
    source: str
    weight: float


def _minutes(value: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=value)


def _pick_status(rng: random.Random, catalog: _Catalog, age: datetime.timedelta) -> str:
    _limit, codes, cum = next(b for b in catalog.status_by_age if b[0] is None or age < b[0])
    return rng.choices(codes, cum_weights=cum)[0]


def _document(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.7:
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        return "passport", f"{letters}{rng.randint(100000, 999999)}"
    return "national_id", str(rng.randint(10_000_000, 49_999_999))


def _coverage(rng: random.Random, *, voucher: bool, covered: bool, assistance_code: str, country: str) -> dict:
    """The coverage check stored at opening, shaped like services.opening._coverage_json."""
    if not voucher:
        return {"covered": False, "reasons": [{"code": "no_voucher", "passed": False, "message": "No voucher."}]}
    if not covered:
        message = f"No benefit covers {assistance_code} or its category."
        return {
            "covered": False,
            "reasons": [
                {"code": "status", "passed": True, "message": "The voucher is active."},
                {"code": "benefit", "passed": False, "message": message},
                {"code": "limit", "passed": False, "message": "Without a benefit there is no limit to use."},
            ],
            "benefit": None,
            "currency": "",
            "limit_amount": None,
            "limit_count": None,
            "remaining_amount": None,
            "remaining_count": None,
        }
    limit = rng.choice([1500, 3000, 30000, 60000, 150000])
    used = rng.randint(0, limit // 3)
    return {
        "covered": True,
        "reasons": [
            {"code": "status", "passed": True, "message": "The voucher is active."},
            {"code": "validity", "passed": True, "message": "The date is within the validity."},
            {"code": "destination", "passed": True, "message": f"{country} is covered."},
            {"code": "residence", "passed": True, "message": f"{country} is not the residence country."},
            {"code": "benefit", "passed": True, "message": f"Benefit for {assistance_code} applies."},
            {"code": "limit", "passed": True, "message": "The benefit's limit is not used up."},
        ],
        "benefit": assistance_code,
        "currency": "USD",
        "limit_amount": f"{limit}.00",
        "limit_count": None,
        "remaining_amount": f"{limit - used}.00",
        "remaining_count": None,
    }


def _email(holder: str, pk: int) -> str:
    """An address the API's own e-mail validation accepts (the schema says ``format: email``): ASCII,
    "agustin.6@mail.example" for Agustín, not "agustín.6@…"."""
    name = unicodedata.normalize("NFKD", holder.split(maxsplit=1)[0].lower()).encode("ascii", "ignore").decode()
    return f"{name or 'traveller'}.{pk}@mail.example"


def _case(
    rng: random.Random, catalog: _Catalog, pk: int, opened: datetime.datetime, now: datetime.datetime
) -> tuple[dict, list[tuple], _CaseTimes]:
    """One event row (by column, see EVENT_COLUMNS), its status-history rows and what its notes need."""
    stamp = connection.ops.adapt_datetimefield_value
    source = rng.choices(catalog.sources, cum_weights=catalog.source_cum)[0]
    assistance_id, assistance_code, sla_minutes = rng.choices(catalog.assistances, cum_weights=catalog.assistance_cum)[
        0
    ]
    priority = rng.choices(catalog.priorities, cum_weights=catalog.priority_cum)[0].value
    city_id, country_id, place_name, lat, lng = rng.choices(catalog.places, cum_weights=catalog.place_cum)[0]

    voucher = None
    if catalog.vouchers and rng.random() < (0.97 if source in ("KOM", "MOK") else 0.75):
        voucher = rng.choice(catalog.vouchers)
    if voucher is not None:
        _id, holder, doc_type, doc_number, email = voucher
        covered = rng.random() < 0.96
    else:
        holder = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        doc_type, doc_number = _document(rng)
        email, covered = "", False
    if not email and rng.random() < 0.6:
        email = _email(holder, pk)

    status_code = _pick_status(rng, catalog, now - opened)
    path = catalog.paths[status_code]
    operator = None
    if catalog.operators and rng.random() < (0.25 if len(path) == 1 else 0.9):
        operator = rng.choice(catalog.operators)

    # Transition times: the first response some minutes after opening, the rest spread until now.
    times = [opened]
    if len(path) > 1:
        first = opened + _minutes(min(rng.lognormvariate(math.log(12), 0.8), 600))
        times.append(min(first, now - datetime.timedelta(seconds=1)))
        horizon = min(now, opened + _minutes(rng.lognormvariate(math.log(36 * 60), 1.0)))
        for _ in path[2:]:
            times.append(max(times[-1], times[-1] + (horizon - times[-1]) * rng.uniform(0.2, 0.9)))
    first_response = times[1] if len(path) > 1 else None
    closed = times[-1] if status_code in catalog.final else None
    sla_due = opened + _minutes(sla_minutes * SLA_FACTOR.get(priority, 1.0))
    breached = None
    if (closed is None or closed > sla_due) and sla_due + datetime.timedelta(seconds=60) <= now:
        breached = sla_due + datetime.timedelta(seconds=rng.uniform(1, 60))

    if lat is not None and rng.random() < 0.85:
        latitude, longitude = round(lat + rng.uniform(-0.05, 0.05), 6), round(lng + rng.uniform(-0.05, 0.05), 6)
        latitude, longitude = max(-90.0, min(90.0, latitude)), max(-180.0, min(180.0, longitude))
    else:
        latitude = longitude = None
    address = (
        f"{rng.choice(STREETS)} {rng.randint(1, 3000)}, {place_name}"
        if rng.random() < 0.5
        else f"{rng.choice(HOTELS)}, {place_name}"
    )
    category = next(
        (p for p in ("MED", "DENTAL", "PHARMACY", "BAGGAGE", "FLIGHT") if assistance_code.startswith(p)), ""
    )
    override = (
        "" if covered else rng.choice(["Autorizado por supervisor.", "Goodwill: VIP traveller.", "Caso humanitario."])
    )
    opener = operator if source in ("PHONE", "WEB") else None
    code = f"BT-{opened:%Y}-{pk:07d}"
    event = {
        "id": pk,
        "code": code,
        "source_code": source,
        "external_reference": f"{source}-{opened:%Y}-{pk:08d}" if source in ("KOM", "MOK") else None,
        "voucher_id": voucher[0] if voucher else None,
        "covered": covered,
        "coverage": orjson.dumps(
            _coverage(
                rng,
                voucher=voucher is not None,
                covered=covered,
                assistance_code=assistance_code,
                country=catalog.iso2.get(country_id, ""),
            )
        ).decode(),
        "coverage_override_reason": override,
        "traveller_name": holder[:200],
        "traveller_document_type": doc_type,
        "traveller_document_number": doc_number,
        "traveller_phone": (
            f"+{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(1000000, 9999999)}"
            if rng.random() < 0.8
            else ""
        ),
        "traveller_email": email,
        "assistance_id": assistance_id,
        "country_id": country_id,
        "city_id": city_id,
        "address": address[:255],
        "latitude": latitude,
        "longitude": longitude,
        "description": rng.choice(DESCRIPTIONS[category]),
        "priority": priority,
        "status_id": catalog.status_ids[status_code],
        "assigned_operator_id": operator[0] if operator else None,
        "opened_at": stamp(opened),
        "first_response_at": stamp(first_response) if first_response else None,
        "closed_at": stamp(closed) if closed else None,
        "sla_due_at": stamp(sla_due),
        "sla_breached_at": stamp(breached) if breached else None,
        "cascade_enabled": True,
        "no_provider_at": None,
        "eta_breached_at": None,
        "version": len(path) + (rng.random() < 0.3),
        "created_at": stamp(opened),
        "updated_at": stamp(times[-1]),
        "created_by_id": opener[0] if opener else None,
        "updated_by_id": operator[0] if operator else None,
    }
    opener_repr = opener[1] if opener else f"{source} API" if source in ("KOM", "MOK") else "system"
    history = [(pk, None, catalog.status_ids[path[0]], StatusChangeKind.OPENED.value, "", None, opener_repr,
                stamp(opened))]  # fmt: skip
    for previous, current, at in zip(path[:-1], path[1:], times[1:], strict=True):
        history.append(
            (
                pk,
                catalog.status_ids[previous],
                catalog.status_ids[current],
                StatusChangeKind.MANUAL.value,
                rng.choice(CHANGE_REASONS.get(current, [""])),
                operator[0] if operator else None,
                operator[1] if operator else "system",
                stamp(at),
            )
        )
    weight = 0.3 if len(path) == 1 else 1.0 + 0.1 * len(path)
    return event, history, _CaseTimes(pk, opened, closed or now, operator, source, weight)


def _note_rows(rng: random.Random, catalog: _Catalog, cases: Sequence[_CaseTimes], count: int) -> list[tuple]:
    """``count`` notes spread over ``cases`` (busier cases get more), each written while its case was open."""
    if not cases or count <= 0:
        return []
    stamp = connection.ops.adapt_datetimefield_value
    cum = list(itertools.accumulate(case.weight for case in cases))
    rows = []
    for case in rng.choices(cases, cum_weights=cum, k=count):
        kind = rng.choices(catalog.note_kinds, cum_weights=catalog.note_kind_cum)[0]
        body = rng.choice(NOTE_TEMPLATES[kind]).format(
            hh=f"{rng.randint(0, 23):02d}",
            mm=f"{rng.randint(0, 59):02d}",
            n=rng.randint(1, 9),
            temp=f"{rng.uniform(37.2, 40.1):.1f}",
            hotel=rng.choice(HOTELS),
            km=rng.randint(1, 40),
            amount=f"{rng.randint(40, 9000)}.{rng.randint(0, 99):02d}",
            source=case.source,
        )
        span = (case.ended_at - case.opened_at).total_seconds()
        at = stamp(case.opened_at + datetime.timedelta(seconds=span * rng.random()))
        shared = (kind in (NoteKind.PROVIDER, NoteKind.TRAVELLER) and rng.random() < 0.5) or rng.random() < 0.1
        visibility = NoteVisibility.SHARED if shared else NoteVisibility.INTERNAL
        author = case.operator if case.operator and rng.random() < 0.9 else None
        rows.append(
            (case.event_id, kind.value, visibility.value, body, author[0] if author else None,
             author[1] if author else "system", at, at)
        )  # fmt: skip
    return rows


def _opening_times(rng: random.Random, count: int, now: datetime.datetime) -> list[datetime.datetime]:
    """``count`` opening times over the last two years, denser towards now, in chronological order."""
    span = HISTORY_SPAN.total_seconds()
    ages = sorted((span * rng.random() ** 1.3 for _ in range(count)), reverse=True)
    return [now - datetime.timedelta(seconds=max(age, 1.0)) for age in ages]


def generate_events(
    *,
    count: int,
    notes_per_event_mean: float,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
    rng: random.Random | None = None,
) -> tuple[int, int, int]:
    """Bulk-create ``count`` demo cases with their status history and about ``notes_per_event_mean`` notes each.

    Cases are opened over the last two years (more recently more often) by the partner sources
    (weighted KOM, MOK, phone, web), mostly for medical assistance, in the imported cities (with
    coordinates near them), against existing vouchers when there are any. Their status follows the
    EventStatus machine according to their age, with first-response, closing and SLA times to match;
    some are assigned to staff users when there are any. The total number of notes is exactly
    ``round(count * notes_per_event_mean)``. ``progress(n)`` is called with the number of cases
    written after each batch. Returns (cases, status-history rows, notes) created.
    """
    if count < 0 or notes_per_event_mean < 0 or batch_size < 1:
        raise ValueError("count and notes_per_event_mean must not be negative, batch_size must be positive.")
    rng = rng or random.Random()  # noqa: S311 - demo data, not security  # nosec B311
    if count == 0:
        return 0, 0, 0
    catalog = _Catalog()
    now = timezone.now()
    openings = _opening_times(rng, count, now)
    total_notes = round(count * notes_per_event_mean)
    first_pk = next_pk(Event)
    created = [0, 0, 0]
    for start in range(0, count, batch_size):
        end = min(count, start + batch_size)
        events, history, cases = [], [], []
        for offset in range(start, end):
            event, steps, case = _case(rng, catalog, first_pk + offset, openings[offset], now)
            events.append(tuple(event[column] for column in EVENT_COLUMNS))
            history.extend(steps)
            cases.append(case)
        notes = _note_rows(rng, catalog, cases, total_notes * end // count - total_notes * start // count)
        with transaction.atomic():
            insert_rows(Event, EVENT_COLUMNS, events)
            insert_rows(EventStatusHistory, HISTORY_COLUMNS, history)
            insert_rows(Note, NOTE_COLUMNS, notes)
        created[0] += len(events)
        created[1] += len(history)
        created[2] += len(notes)
        if progress:
            progress(len(events))
    audit_import(Event, "demo cases", {"created": created[0], "notes": created[2], "first_id": first_pk})
    return created[0], created[1], created[2]


def generate_notes(
    *,
    count: int,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
    rng: random.Random | None = None,
) -> int:
    """Add ``count`` demo notes to existing cases (busier cases get more), each dated while its case was open.

    ``progress(n)`` is called with the number of notes written after each batch. Returns the number created.
    """
    if count < 0 or batch_size < 1:
        raise ValueError("count must not be negative, batch_size must be positive.")
    rng = rng or random.Random()  # noqa: S311 - demo data, not security  # nosec B311
    if count == 0:
        return 0
    catalog = _Catalog()
    operators = dict(catalog.operators)
    now = timezone.now()
    rows = Event.objects.values_list(
        "pk", "opened_at", "closed_at", "assigned_operator_id", "source_code", "status__is_initial"
    )
    cases = [
        _CaseTimes(
            pk, opened, closed or now, (op, operators[op]) if op in operators else None, source, 0.3 if initial else 1
        )
        for pk, opened, closed, op, source, initial in rows.iterator(chunk_size=10000)
    ]
    if not cases:
        raise ValueError("No cases to add notes to: generate cases first.")
    created = 0
    while created < count:
        notes = _note_rows(rng, catalog, cases, min(batch_size * 5, count - created))
        with transaction.atomic():
            insert_rows(Note, NOTE_COLUMNS, notes)
        created += len(notes)
        if progress:
            progress(len(notes))
    audit_import(Note, "demo notes", {"created": created})
    return created
