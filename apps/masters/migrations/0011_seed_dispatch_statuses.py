"""The provider's dispatch on a case as catalog data: an offer (OFFERED) is accepted (ASSIGNED, role
accepted), declined or expires; an accepted provider goes en route, starts on arrival (STARTED),
resolves. Existing rows keep their names; new ones are created, roles filled only where empty, and
the transitions added (never removed: operators' own edges stay)."""

from django.db import migrations

# code, Spanish, English, initial, final, colour, role, allowed next codes (added)
STATUSES = [
    (
        "OFFERED",
        "Ofrecido",
        "Offered",
        True,
        False,
        "#6a4fa3",
        "offered",
        ["ASSIGNED", "DECLINED", "EXPIRED", "CANCELLED"],
    ),
    ("ASSIGNED", "Asignado", "Assigned", True, False, "#417690", "accepted", ["EN_ROUTE", "STARTED", "CANCELLED"]),
    ("DECLINED", "Rechazado", "Declined", False, True, "#8a1c1c", "declined", []),
    ("EXPIRED", "Oferta vencida", "Offer expired", False, True, "#7a5c00", "expired", []),
    ("EN_ROUTE", "En camino", "En route", False, False, "#c77c02", "en_route", ["STARTED", "CANCELLED"]),
]


def seed(apps, schema_editor):
    model = apps.get_model("masters", "EventProviderStatus")
    rows = {}
    for order, (code, name_es, name_en, initial, final, colour, role, _next) in enumerate(STATUSES, start=1):
        row, _created = model.objects.get_or_create(
            code=code,
            defaults={
                "name_es": name_es,
                "name_en": name_en,
                "is_initial": initial,
                "is_final": final,
                "colour": colour,
                "sort_order": order,
            },
        )
        if row.role is None and not model.objects.filter(role=role).exists():
            row.role = role
            row.save(update_fields=["role"])
        rows[code] = row
    for code, *_rest, next_codes in STATUSES:
        targets = [model.objects.filter(code=n).first() for n in next_codes]
        rows[code].next_statuses.add(*[t for t in targets if t is not None])


class Migration(migrations.Migration):
    dependencies = [("masters", "0010_dispatch_roles")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
