"""The source is a code of the masters.Source catalog (seeded there), no longer a fixed list of choices."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("masters", "0003_source"),
        ("assistances", "0003_event_search_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="source_code",
            field=models.CharField(db_index=True, max_length=8, verbose_name="source"),
        ),
    ]
