from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assistances", "0002_event_list_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["source_code", "traveller_name"], name="event_source_name_idx"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["traveller_email"], name="event_traveller_email_idx"),
        ),
    ]
