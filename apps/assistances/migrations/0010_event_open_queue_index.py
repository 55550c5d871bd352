"""The queue's index: (closed_at, sla_due_at, opened_at) with the id, the owner and the no-provider flag.

With the id the queue's page is read in index order; with the two other columns its counters come from
the index alone (found at 2,000,000 cases by bench/growth.py). It replaces event_open_sla_idx, whose
uses (open cases by SLA) its first columns still serve; the new one is built before the old one goes.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assistances", "0009_note_kind_complaint"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                fields=["closed_at", "sla_due_at", "opened_at", "id", "assigned_operator", "no_provider_at"],
                name="event_open_queue_idx",
            ),
        ),
        migrations.RemoveIndex(
            model_name="event",
            name="event_open_sla_idx",
        ),
    ]
