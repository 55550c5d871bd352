"""Realistic vouchers at scale for demos and benchmarks (bulk inserts, no per-row services).

Demo data only: rows are written in batches of multi-row INSERTs of plain values (building a
million model instances and compiling their SQL costs several times what MySQL needs to store
them), skipping validation and the per-row audit trail (one audit entry records the whole run).
"""

import datetime
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from apps.audit.crud import audit_import
from apps.core.bulk import insert_rows
from apps.masters.models import Assistance, Category, Country, VoucherStatus
from apps.vouchers.choices import DocumentType
from apps.vouchers.models import Voucher, VoucherBenefit, VoucherStatusHistory, VoucherTraveller

NUMBER_PREFIX = "DEMO-"
_NUMBER_DIGITS = 9

FIRST_NAMES = [
    "Sofía", "Mateo", "Valentina", "Santiago", "Isabella", "Sebastián", "Camila", "Matías", "Lucía", "Nicolás",
    "Martina", "Benjamín", "Emilia", "Joaquín", "Julieta", "Diego", "Renata", "Tomás", "Florencia", "Agustín",
    "Catalina", "Felipe", "Antonella", "Lucas", "Mariana", "Gabriel", "Daniela", "Alejandro", "Paula", "Andrés",
    "Ana", "Juan", "María", "José", "Laura", "Carlos", "Elena", "Pedro", "Carmen", "Luis",
]  # fmt: skip
LAST_NAMES = [
    "González", "Rodríguez", "Gómez", "Fernández", "López", "Díaz", "Martínez", "Pérez", "García", "Sánchez",
    "Romero", "Sosa", "Álvarez", "Torres", "Ruiz", "Ramírez", "Flores", "Acosta", "Benítez", "Medina",
    "Herrera", "Suárez", "Aguirre", "Giménez", "Gutiérrez", "Pereyra", "Rojas", "Molina", "Castro", "Ortiz",
    "Silva", "Núñez", "Luna", "Cabrera", "Ríos", "Morales", "Vargas", "Castillo", "Mendoza", "Quiroga",
]  # fmt: skip

# code, name, typical medical limit (USD), worldwide share
PRODUCTS = [
    ("ESSENTIAL30", "Essential 30", Decimal("30000"), 0.1),
    ("CLASSIC60", "Classic 60", Decimal("60000"), 0.3),
    ("GOLD150", "Gold 150", Decimal("150000"), 0.6),
    ("PLATINUM250", "Platinum 250", Decimal("250000"), 0.9),
    ("STUDENT", "Student annual", Decimal("100000"), 0.5),
    ("SENIOR", "Senior 40", Decimal("40000"), 0.2),
    ("CRUISE", "Cruise", Decimal("80000"), 0.7),
]

SOURCES = [("MOK", 40), ("KOM", 30), ("WEB", 20), ("PHONE", 8), ("OTHER", 2)]  # codes of the masters.Source seed
STATUSES = [("ACTIVE", 86), ("ISSUED", 3), ("SUSPENDED", 3), ("EXPIRED", 5), ("CANCELLED", 3)]


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _next_number_start() -> int:
    last = (
        Voucher.objects.filter(number__startswith=NUMBER_PREFIX)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    if last and last[len(NUMBER_PREFIX) :].isdigit():
        return int(last[len(NUMBER_PREFIX) :]) + 1
    return 1


def _document(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.7:
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        return DocumentType.PASSPORT, f"{letters}{rng.randint(100000, 999999)}"
    return DocumentType.NATIONAL_ID, str(rng.randint(10_000_000, 49_999_999))


class _Catalog:
    """What the generator draws from, loaded once."""

    def __init__(self) -> None:
        self.statuses = dict(VoucherStatus.objects.values_list("code", "id"))
        self.status_weights = [(code, w) for code, w in STATUSES if code in self.statuses]
        if not self.status_weights:
            raise ValueError("No voucher statuses: run the migrations first (they seed the status machine).")
        self.assistances = list(Assistance.objects.filter(is_active=True).values_list("id", "code"))
        self.categories = list(Category.objects.filter(is_active=True).values_list("id", "code"))
        self.targets = [("assistance", pk, code) for pk, code in self.assistances] + [
            ("category", pk, code) for pk, code in self.categories
        ]
        self.countries = list(Country.objects.values_list("id", flat=True))
        by_iso = dict(Country.objects.values_list("iso2", "id"))
        # A Latin-American travel-assistance book: travellers live in the region and travel to the usual places.
        self.residences = [by_iso[iso] for iso in RESIDENCE_MARKETS if iso in by_iso] or self.countries
        self.destinations = [by_iso[iso] for iso in POPULAR_DESTINATIONS if iso in by_iso] or self.countries


RESIDENCE_MARKETS = ["AR", "AR", "AR", "BR", "MX", "CO", "CL", "PE", "UY", "EC", "PY"]
POPULAR_DESTINATIONS = ["US", "ES", "IT", "FR", "BR", "MX", "DE", "GB", "PT", "CA", "CL", "AR", "JP", "NL", "CH", "AU"]

BENEFIT_COLUMNS = ["voucher_id", "assistance_id", "category_id", "limit_amount", "currency", "limit_count"]
TRAVELLER_COLUMNS = [
    "voucher_id",
    "first_name",
    "last_name",
    "document_type",
    "document_number",
    "birth_date",
    "is_holder",
]
VOUCHER_COLUMNS = [
    "number",
    "product_code",
    "product_name",
    "source",
    "holder_name",
    "holder_document_type",
    "holder_document_number",
    "holder_email",
    "holder_phone",
    "valid_from",
    "valid_to",
    "worldwide",
    "residence_country_id",
    "status_id",
    "external_reference",
    "issued_at",
    "currency",
    "created_at",
    "updated_at",
]
HISTORY_COLUMNS = ["voucher_id", "to_status_id", "reason", "actor_repr", "changed_at"]


def _benefits(rng: random.Random, catalog: _Catalog, medical_limit: Decimal) -> list[tuple]:
    """(assistance_id, category_id, limit_amount, currency, limit_count) rows."""
    count = min(rng.randint(3, 8), len(catalog.targets))
    rows = []
    for kind, pk, code in rng.sample(catalog.targets, count):
        amount, currency, uses = None, "", None
        if code.startswith(("MED", "REPAT", "DENTAL", "PHARMACY")):
            share = rng.choice([Decimal("1"), Decimal("0.5"), Decimal("0.1"), Decimal("0.02")])
            amount, currency = (medical_limit * share).quantize(Decimal("1")), "USD"
            if rng.random() < 0.2:
                uses = rng.choice([3, 5, 10])
        elif rng.random() < 0.5:
            amount, currency = Decimal(rng.choice([150, 300, 500, 1000, 1500, 3000])), "USD"
        else:
            uses = rng.choice([1, 2, 3, 5])
        target = (pk, None) if kind == "assistance" else (None, pk)
        rows.append((*target, str(amount) if amount is not None else None, currency, uses))
    return rows


def _voucher(rng: random.Random, catalog: _Catalog, number: str, today: datetime.date, stamp: str) -> tuple:
    """One voucher row (VOUCHER_COLUMNS) and its travellers, benefits and destinations (without the voucher id)."""
    product_code, product_name, medical_limit, worldwide_share = rng.choice(PRODUCTS)
    status_code = _weighted(rng, catalog.status_weights)
    if status_code == "EXPIRED":
        valid_from = today - datetime.timedelta(days=rng.randint(40, 400))
    else:
        valid_from = today + datetime.timedelta(days=rng.randint(-90, 60))
    valid_to = valid_from + datetime.timedelta(days=rng.choice([7, 10, 15, 21, 30, 45, 60, 90, 365]) - 1)
    residence = rng.choice(catalog.residences) if catalog.residences and rng.random() < 0.95 else None
    worldwide = not catalog.countries or rng.random() < worldwide_share
    destinations = []
    if not worldwide:
        pool = catalog.destinations
        choices = [c for c in rng.sample(pool, min(5, len(pool))) if c != residence]
        destinations = choices[: rng.randint(1, 4)] or choices[:1]
        worldwide = not destinations
    travellers = []
    for index in range(rng.choices([1, 2, 3, 4], weights=[45, 30, 15, 10])[0]):
        doc_type, doc_number = _document(rng)
        birth = today - datetime.timedelta(days=rng.randint(365 * 1, 365 * 85))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        travellers.append((first, last, doc_type.value, doc_number, birth.isoformat(), index == 0))
    holder = travellers[0]
    issued = datetime.datetime.combine(valid_from, datetime.time(12), tzinfo=datetime.UTC) - datetime.timedelta(
        days=rng.randint(1, 30)
    )
    voucher = (
        number,
        product_code,
        product_name,
        _weighted(rng, SOURCES),
        f"{holder[0]} {holder[1]}",
        holder[2],
        holder[3],
        f"{number.lower()}@example.com",
        "",
        valid_from.isoformat(),
        valid_to.isoformat(),
        worldwide,
        residence,
        catalog.statuses[status_code],
        "",
        connection.ops.adapt_datetimefield_value(issued),
        "USD",  # the demo's benefits are all in dollars
        stamp,
        stamp,
    )
    return voucher, travellers, _benefits(rng, catalog, medical_limit), destinations


def generate_vouchers(
    *,
    count: int,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
    rng: random.Random | None = None,
) -> int:
    """Bulk-create ``count`` demo vouchers numbered ``DEMO-000000001``… after any existing ones.

    Each has 1–4 travellers (the first is the holder), 3–8 benefits drawn from the seeded
    assistance types and categories, destinations among the countries in the database (or
    worldwide coverage), a validity window around today, and mostly the ACTIVE status.
    ``progress(n)`` is called with the number of vouchers written after each batch. Returns the
    number created.
    """
    rng = rng or random.Random()  # noqa: S311 - demo data, not security  # nosec B311
    catalog = _Catalog()
    start = _next_number_start()
    today = timezone.localdate()
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    through = Voucher.destinations.through
    created = 0
    while created < count:
        size = min(batch_size, count - created)
        numbers = [f"{NUMBER_PREFIX}{start + created + i:0{_NUMBER_DIGITS}d}" for i in range(size)]
        drafts = [_voucher(rng, catalog, number, today, stamp) for number in numbers]
        with transaction.atomic():
            insert_rows(Voucher, VOUCHER_COLUMNS, [draft[0] for draft in drafts])
            ids = dict(Voucher.objects.filter(number__in=numbers).values_list("number", "id"))
            travellers, benefits, destinations, history = [], [], [], []
            for voucher, traveller_rows, benefit_rows, destination_ids in drafts:
                voucher_id = ids[voucher[0]]
                travellers.extend((voucher_id, *row) for row in traveller_rows)
                benefits.extend((voucher_id, *row) for row in benefit_rows)
                destinations.extend((voucher_id, country_id) for country_id in destination_ids)
                history.append((voucher_id, voucher[13], "Demo data", "system", stamp))
            insert_rows(VoucherTraveller, TRAVELLER_COLUMNS, travellers)
            insert_rows(VoucherBenefit, BENEFIT_COLUMNS, benefits)
            insert_rows(through, ["voucher_id", "country_id"], destinations)
            insert_rows(VoucherStatusHistory, HISTORY_COLUMNS, history)
        created += size
        if progress:
            progress(size)
    if created:
        audit_import(
            Voucher, "demo vouchers", {"created": created, "first_number": f"{NUMBER_PREFIX}{start:0{_NUMBER_DIGITS}d}"}
        )
    return created
