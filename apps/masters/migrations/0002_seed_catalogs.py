"""Reference data of a travel-assistance operation: categories, assistance types and status machines.

Self-contained (no imports from app code) so it keeps working as the models evolve. Rows are
matched by code: running it against a database that already has some of them adds what is
missing and leaves operators' later edits alone.
"""

from django.db import migrations

# code, Spanish, English, [(code, Spanish, English, default SLA minutes, requires provider)]
CATEGORIES = [
    (
        "MEDICAL",
        "Asistencia médica",
        "Medical assistance",
        [
            ("MED_CONSULTATION", "Consulta médica en consultorio", "Doctor's office consultation", 120, True),
            ("MED_HOME_VISIT", "Médico a domicilio u hotel", "Doctor visit to home or hotel", 90, True),
            ("MED_TELEMEDICINE", "Orientación médica telefónica / telemedicina", "Telemedicine consultation", 30, True),
            ("MED_EMERGENCY", "Atención de urgencia hospitalaria", "Hospital emergency care", 30, True),
            ("MED_HOSPITALIZATION", "Internación hospitalaria", "Hospitalisation", 60, True),
            ("MED_SURGERY", "Intervención quirúrgica", "Surgery", 120, True),
            ("MED_AMBULANCE", "Traslado en ambulancia", "Ambulance transfer", 30, True),
            ("MED_LAB_IMAGING", "Exámenes de laboratorio e imágenes", "Laboratory tests and imaging", 240, True),
        ],
    ),
    (
        "DENTAL",
        "Asistencia odontológica",
        "Dental assistance",
        [
            ("DENTAL_EMERGENCY", "Urgencia odontológica", "Dental emergency", 120, True),
        ],
    ),
    (
        "PHARMACY",
        "Farmacia",
        "Pharmacy",
        [
            ("PHARMACY_PRESCRIPTION", "Medicamentos recetados", "Prescribed medicines", 180, True),
            ("PHARMACY_DELIVERY", "Envío de medicamentos", "Medicine delivery", 240, True),
        ],
    ),
    (
        "REPATRIATION",
        "Repatriaciones y traslados",
        "Repatriation and transfers",
        [
            ("REPAT_MEDICAL", "Repatriación sanitaria", "Medical repatriation", 720, True),
            ("REPAT_FUNERAL", "Repatriación de restos", "Repatriation of remains", 1440, True),
            (
                "EARLY_RETURN",
                "Regreso anticipado por emergencia familiar",
                "Early return for a family emergency",
                480,
                False,
            ),
            ("FAMILY_TRAVEL", "Pasaje de familiar acompañante", "Ticket for an accompanying relative", 720, False),
            ("CONVALESCENCE_HOTEL", "Hotel por convalecencia", "Convalescence hotel stay", 480, True),
        ],
    ),
    (
        "LEGAL",
        "Asistencia legal",
        "Legal assistance",
        [
            ("LEGAL_ADVICE", "Asistencia legal por accidente", "Legal assistance after an accident", 240, True),
            ("BAIL_BOND", "Adelanto de fianza", "Bail bond advance", 240, False),
        ],
    ),
    (
        "BAGGAGE",
        "Equipaje",
        "Baggage",
        [
            ("BAGGAGE_LOCATION", "Localización de equipaje extraviado", "Lost baggage location", 1440, False),
            ("BAGGAGE_DELAY", "Compensación por demora de equipaje", "Baggage delay compensation", 2880, False),
            ("BAGGAGE_LOSS", "Compensación por pérdida de equipaje", "Baggage loss compensation", 4320, False),
        ],
    ),
    (
        "TRAVEL_DELAY",
        "Demoras y cancelaciones de viaje",
        "Travel delay and cancellation",
        [
            ("FLIGHT_DELAY", "Demora de vuelo", "Flight delay", 1440, False),
            ("FLIGHT_CANCELLATION", "Cancelación de vuelo", "Flight cancellation", 1440, False),
            ("MISSED_CONNECTION", "Pérdida de conexión", "Missed connection", 720, False),
        ],
    ),
    (
        "VEHICLE",
        "Asistencia vehicular",
        "Vehicle assistance",
        [
            ("TOWING", "Remolque (grúa)", "Towing", 60, True),
            ("ROADSIDE_REPAIR", "Auxilio mecánico", "Roadside repair", 60, True),
            ("LOCKSMITH", "Cerrajería", "Locksmith", 90, True),
            ("FUEL_DELIVERY", "Envío de combustible", "Fuel delivery", 90, True),
        ],
    ),
    (
        "TRAVELLER_SUPPORT",
        "Asistencia al viajero",
        "Traveller support",
        [
            ("DOCUMENT_LOSS", "Pérdida o robo de documentos", "Lost or stolen documents", 480, False),
            ("INTERPRETER", "Intérprete", "Interpreter", 240, True),
            ("URGENT_MESSAGES", "Transmisión de mensajes urgentes", "Urgent message relay", 60, False),
            ("CASH_ADVANCE", "Adelanto de fondos", "Emergency cash advance", 240, False),
        ],
    ),
]

# machine model → [(code, Spanish, English, initial, final, next codes)]
STATUS_MACHINES = {
    "EventStatus": [
        ("OPENED", "Abierto", "Opened", True, False, ["IN_PROGRESS", "ON_HOLD", "CANCELLED"]),
        (
            "IN_PROGRESS",
            "En gestión",
            "In progress",
            False,
            False,
            ["ON_HOLD", "MONITORING", "RESOLVED", "CANCELLED"],
        ),
        ("ON_HOLD", "En espera de información", "On hold", False, False, ["IN_PROGRESS", "CANCELLED"]),
        ("MONITORING", "En seguimiento", "Monitoring", False, False, ["IN_PROGRESS", "RESOLVED"]),
        ("RESOLVED", "Resuelto", "Resolved", False, False, ["CLOSED", "IN_PROGRESS"]),
        ("CLOSED", "Cerrado", "Closed", False, True, []),
        ("CANCELLED", "Cancelado", "Cancelled", False, True, []),
    ],
    "EventProviderStatus": [
        ("ASSIGNED", "Asignado", "Assigned", True, False, ["STARTED", "CANCELLED"]),
        ("STARTED", "En curso", "Started", False, False, ["RESOLVED", "CANCELLED"]),
        ("RESOLVED", "Resuelto", "Resolved", False, True, []),
        ("CANCELLED", "Cancelado", "Cancelled", False, True, []),
    ],
    "VoucherStatus": [
        ("ISSUED", "Emitido", "Issued", True, False, ["ACTIVE", "CANCELLED"]),
        ("ACTIVE", "Vigente", "Active", True, False, ["SUSPENDED", "EXPIRED", "CANCELLED"]),
        ("SUSPENDED", "Suspendido", "Suspended", False, False, ["ACTIVE", "CANCELLED"]),
        ("EXPIRED", "Vencido", "Expired", False, True, []),
        ("CANCELLED", "Anulado", "Cancelled", False, True, []),
    ],
}


def load(apps, schema_editor):
    category_model = apps.get_model("masters", "Category")
    assistance_model = apps.get_model("masters", "Assistance")
    for c_order, (code, name_es, name_en, assistances) in enumerate(CATEGORIES, start=1):
        category, _ = category_model.objects.get_or_create(
            code=code, defaults={"name_es": name_es, "name_en": name_en, "sort_order": c_order * 10}
        )
        for a_order, (a_code, a_es, a_en, sla, needs_provider) in enumerate(assistances, start=1):
            assistance_model.objects.get_or_create(
                code=a_code,
                defaults={
                    "category": category,
                    "name_es": a_es,
                    "name_en": a_en,
                    "default_sla_minutes": sla,
                    "requires_provider": needs_provider,
                    "sort_order": a_order * 10,
                },
            )

    for model_name, statuses in STATUS_MACHINES.items():
        model = apps.get_model("masters", model_name)
        created = {}
        for order, (code, name_es, name_en, initial, final, _next) in enumerate(statuses, start=1):
            status, was_created = model.objects.get_or_create(
                code=code,
                defaults={
                    "name_es": name_es,
                    "name_en": name_en,
                    "is_initial": initial,
                    "is_final": final,
                    "sort_order": order * 10,
                },
            )
            if was_created:
                created[code] = status
        by_code = {s.code: s for s in model.objects.all()}
        for code, *_, next_codes in statuses:
            if code in created:
                created[code].next_statuses.add(*(by_code[n] for n in next_codes))


class Migration(migrations.Migration):
    dependencies = [("masters", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
