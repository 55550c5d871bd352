"""The guarantee-of-payment machine: its statuses, transitions, roles and colours (catalog data).

Self-contained like 0002: rows are matched by code and created only when missing, so operators'
own names and colours survive a re-run.
"""

from django.db import migrations

# code, Spanish, English, initial, final, colour, role, allowed next codes
STATUSES = [
    ("DRAFT", "Borrador", "Draft", True, False, "#666666", "draft", ["ISSUED", "CANCELLED"]),
    (
        "ISSUED",
        "Emitida",
        "Issued",
        False,
        False,
        "#417690",
        "issued",
        ["SENT", "AMENDED", "FINAL", "CANCELLED", "EXPIRED"],
    ),
    (
        "SENT",
        "Enviada",
        "Sent",
        False,
        False,
        "#6a4fa3",
        "sent",
        ["ACCEPTED", "DECLINED", "AMENDED", "FINAL", "CANCELLED", "EXPIRED"],
    ),
    (
        "ACCEPTED",
        "Aceptada",
        "Accepted",
        False,
        False,
        "#2d7a2d",
        "accepted",
        ["AMENDED", "FINAL", "CANCELLED", "EXPIRED"],
    ),
    (
        "DECLINED",
        "Rechazada por el prestador",
        "Declined",
        False,
        False,
        "#b3261e",
        "declined",
        ["AMENDED", "CANCELLED", "EXPIRED"],
    ),
    ("AMENDED", "Modificada", "Amended", False, False, "#c77c02", "amended", ["SENT", "FINAL", "CANCELLED", "EXPIRED"]),
    ("FINAL", "Final", "Final", False, False, "#1f5f8b", "final", ["SENT", "CLOSED", "CANCELLED"]),
    ("CLOSED", "Cerrada", "Closed", False, True, "#444444", "closed", []),
    ("CANCELLED", "Anulada", "Cancelled", False, True, "#8a1c1c", "cancelled", []),
    ("EXPIRED", "Vencida", "Expired", False, True, "#7a5c00", "expired", []),
]


def seed(apps, schema_editor):
    model = apps.get_model("masters", "GuaranteeStatus")
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
    dependencies = [("masters", "0006_guarantee_status")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
