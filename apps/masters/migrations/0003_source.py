"""The sources catalog, seeded with the codes cases, vouchers and API clients already store.

The seed is self-contained (no imports from app code) like 0002, and matches rows by code.
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# code, Spanish, English, sort order, receives MOK tracking (the seed's Step Functions Choice: MOK only)
SOURCES = [
    ("MOK", "MOK", "MOK", 10, True),
    ("KOM", "KOM", "KOM", 20, False),
    ("PHONE", "Teléfono", "Phone", 30, False),
    ("WEB", "Web", "Web", 40, False),
    ("OTHER", "Otro", "Other", 50, False),
]


def load(apps, schema_editor):
    Source = apps.get_model("masters", "Source")
    existing = set(Source.objects.values_list("code", flat=True))
    Source.objects.bulk_create(
        Source(code=code, name_es=es, name_en=en, sort_order=order, receives_tracking=tracked)
        for code, es, en, order, tracked in SOURCES
        if code not in existing
    )


class Migration(migrations.Migration):
    dependencies = [
        ("masters", "0002_seed_catalogs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Source",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("name_es", models.CharField(max_length=150, verbose_name="name (Spanish)")),
                ("name_en", models.CharField(max_length=150, verbose_name="name (English)")),
                ("description", models.TextField(blank=True, verbose_name="description")),
                ("sort_order", models.PositiveSmallIntegerField(default=0, verbose_name="sort order")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "code",
                    models.CharField(
                        max_length=8,
                        unique=True,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[A-Z][A-Z0-9_]*$",
                                "Use upper-case letters, digits and underscores, starting with a letter.",
                            )
                        ],
                        verbose_name="code",
                    ),
                ),
                (
                    "receives_tracking",
                    models.BooleanField(
                        default=False,
                        help_text="Changes to cases of this source produce MOK tracking messages.",
                        verbose_name="receives tracking",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="updated by",
                    ),
                ),
            ],
            options={
                "verbose_name": "source",
                "verbose_name_plural": "sources",
                "ordering": ["sort_order", "code"],
                "abstract": False,
            },
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
