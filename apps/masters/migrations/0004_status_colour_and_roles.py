"""Colours and roles of the statuses become catalog data (they were a map in the cases admin and codes in
the services).

Self-contained like 0002. Rows are matched by code and only empty values are filled, so operators'
own choices survive a re-run; a code that is missing is skipped.
"""

import django.core.validators
from django.db import migrations, models

# The cases admin's former map; every other status keeps the grey it had.
COLOURS = {
    "EventStatus": {"OPENED": "#417690", "IN_PROGRESS": "#2d7a2d", "ON_HOLD": "#c77c02", "MONITORING": "#6a4fa3"},
}

# The codes the services compared against.
ROLES = {
    "EventProviderStatus": {"STARTED": "started", "RESOLVED": "resolved", "CANCELLED": "cancelled"},
    "VoucherStatus": {"ACTIVE": "in_force"},
}


def seed(apps, schema_editor):
    for model_name, colours in COLOURS.items():
        model = apps.get_model("masters", model_name)
        for code, colour in colours.items():
            model.objects.filter(code=code, colour="").update(colour=colour)
    for model_name, roles in ROLES.items():
        model = apps.get_model("masters", model_name)
        for code, role in roles.items():
            if not model.objects.filter(role=role).exists():
                model.objects.filter(code=code, role__isnull=True).update(role=role)


class Migration(migrations.Migration):
    dependencies = [
        ("masters", "0003_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="eventproviderstatus",
            name="colour",
            field=models.CharField(
                blank=True,
                help_text="Hex colour (#rrggbb) the back office shows the status in; grey when empty.",
                max_length=7,
                validators=[
                    django.core.validators.RegexValidator(
                        "^#[0-9A-Fa-f]{6}$", "Use a hex colour: # and six hex digits, e.g. #417690."
                    )
                ],
                verbose_name="colour",
            ),
        ),
        migrations.AddField(
            model_name="eventproviderstatus",
            name="role",
            field=models.CharField(
                blank=True,
                choices=[
                    ("in_force", "in force"),
                    ("started", "started"),
                    ("resolved", "resolved"),
                    ("cancelled", "cancelled"),
                ],
                help_text="What the application knows this status as; at most one status per role.",
                max_length=16,
                null=True,
                unique=True,
                verbose_name="role",
            ),
        ),
        migrations.AddField(
            model_name="eventstatus",
            name="colour",
            field=models.CharField(
                blank=True,
                help_text="Hex colour (#rrggbb) the back office shows the status in; grey when empty.",
                max_length=7,
                validators=[
                    django.core.validators.RegexValidator(
                        "^#[0-9A-Fa-f]{6}$", "Use a hex colour: # and six hex digits, e.g. #417690."
                    )
                ],
                verbose_name="colour",
            ),
        ),
        migrations.AddField(
            model_name="eventstatus",
            name="role",
            field=models.CharField(
                blank=True,
                choices=[
                    ("in_force", "in force"),
                    ("started", "started"),
                    ("resolved", "resolved"),
                    ("cancelled", "cancelled"),
                ],
                help_text="What the application knows this status as; at most one status per role.",
                max_length=16,
                null=True,
                unique=True,
                verbose_name="role",
            ),
        ),
        migrations.AddField(
            model_name="voucherstatus",
            name="colour",
            field=models.CharField(
                blank=True,
                help_text="Hex colour (#rrggbb) the back office shows the status in; grey when empty.",
                max_length=7,
                validators=[
                    django.core.validators.RegexValidator(
                        "^#[0-9A-Fa-f]{6}$", "Use a hex colour: # and six hex digits, e.g. #417690."
                    )
                ],
                verbose_name="colour",
            ),
        ),
        migrations.AddField(
            model_name="voucherstatus",
            name="role",
            field=models.CharField(
                blank=True,
                choices=[
                    ("in_force", "in force"),
                    ("started", "started"),
                    ("resolved", "resolved"),
                    ("cancelled", "cancelled"),
                ],
                help_text="What the application knows this status as; at most one status per role.",
                max_length=16,
                null=True,
                unique=True,
                verbose_name="role",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
