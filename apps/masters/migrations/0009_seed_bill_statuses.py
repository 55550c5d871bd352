"""The bill machine: received → in review → approved | partially approved | rejected → scheduled → paid
(catalog data, found by role; self-contained like 0002, only missing rows are created)."""

from django.db import migrations

# code, Spanish, English, initial, final, colour, role, allowed next codes
STATUSES = [
    ("RECEIVED", "Recibida", "Received", True, False, "#666666", "received", ["IN_REVIEW", "REJECTED"]),
    (
        "IN_REVIEW",
        "En revisión",
        "In review",
        False,
        False,
        "#417690",
        "in_review",
        ["APPROVED", "PARTIAL", "REJECTED"],
    ),
    ("APPROVED", "Aprobada", "Approved", False, False, "#2d7a2d", "approved", ["SCHEDULED", "IN_REVIEW"]),
    (
        "PARTIAL",
        "Aprobada parcialmente",
        "Partially approved",
        False,
        False,
        "#c77c02",
        "partial",
        ["SCHEDULED", "IN_REVIEW"],
    ),
    ("REJECTED", "Rechazada", "Rejected", False, True, "#8a1c1c", "rejected", []),
    ("SCHEDULED", "Programada para pago", "Scheduled", False, False, "#6a4fa3", "scheduled", ["PAID"]),
    ("PAID", "Pagada", "Paid", False, True, "#1f5f8b", "paid", []),
]


def seed(apps, schema_editor):
    model = apps.get_model("masters", "BillStatus")
    rows = {}
    for order, (code, name_es, name_en, initial, final, colour, role, _next) in enumerate(STATUSES, start=1):
        rows[code], _created = model.objects.get_or_create(
            code=code,
            defaults={
                "name_es": name_es,
                "name_en": name_en,
                "is_initial": initial,
                "is_final": final,
                "colour": colour,
                "role": role,
                "sort_order": order * 10,
            },
        )
    for code, *_rest, next_codes in STATUSES:
        if not rows[code].next_statuses.exists():
            rows[code].next_statuses.set([rows[n] for n in next_codes])


class Migration(migrations.Migration):
    dependencies = [("masters", "0008_bill_status")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
