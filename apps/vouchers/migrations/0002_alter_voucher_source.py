"""The source is a code of the masters.Source catalog (seeded there), no longer a fixed list of choices."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("masters", "0003_source"),
        ("vouchers", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="voucher",
            name="source",
            field=models.CharField(max_length=8, verbose_name="source"),
        ),
    ]
