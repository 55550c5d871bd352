"""Default delegated authority (operators may change it in the admin): a TMO operator guarantees up to
USD 1,000 on their own, an assistances-admin up to USD 10,000, for every source."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [("assistances-tmo", Decimal("1000.00")), ("assistances-admin", Decimal("10000.00"))]


def seed(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    authority = apps.get_model("guarantees", "DelegatedAuthority")
    for name, amount in DEFAULTS:
        group = group_model.objects.filter(name=name).first()
        if group is not None:
            authority.objects.get_or_create(group=group, source_code="", defaults={"amount": amount, "currency": "USD"})


class Migration(migrations.Migration):
    dependencies = [
        ("guarantees", "0001_initial"),
        ("masters", "0007_seed_guarantee_statuses"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
