from django.db.models import Count, Max, Model


def table_version(*models: type[Model]) -> str:
    """A cheap fingerprint of tables' content: newest ``updated_at`` and row count of each.

    Any insert, update (services always touch ``updated_at``) or delete changes it. One query per
    table, both answered from the primary key and an index scan on small catalogs.
    """
    parts = []
    for model in models:
        agg = model._default_manager.aggregate(newest=Max("updated_at"), total=Count("pk"))
        newest = agg["newest"].isoformat() if agg["newest"] else "-"
        parts.append(f"{model._meta.label_lower}:{agg['total']}:{newest}")
    return ";".join(parts)
