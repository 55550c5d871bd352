"""The source is a code of the masters.Source catalog (seeded there), no longer a fixed list of choices."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("masters", "0003_source"),
        ("clients", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="apiclient",
            name="source_code",
            field=models.CharField(
                help_text="The partner's source: the client sees and changes only cases of this source.",
                max_length=8,
                verbose_name="source",
            ),
        ),
    ]
