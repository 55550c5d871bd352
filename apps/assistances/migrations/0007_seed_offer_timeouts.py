"""How long an offer waits for an answer before the next provider is offered: per priority for every
assistance type (operators refine per type in the admin)."""

from django.db import migrations

MINUTES = {"critical": 3, "high": 5, "normal": 10, "low": 20}


def seed(apps, schema_editor):
    model = apps.get_model("assistances", "OfferTimeout")
    for priority, minutes in MINUTES.items():
        model.objects.get_or_create(assistance=None, priority=priority, defaults={"minutes": minutes})


class Migration(migrations.Migration):
    dependencies = [("assistances", "0006_dispatch")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
