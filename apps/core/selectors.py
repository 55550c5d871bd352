from django.db.models import Count, Max, Model, QuerySet


def table_version(*sources: type[Model] | QuerySet) -> str:
    """A cheap fingerprint of rows' content: newest ``updated_at`` and row count of each source.

    A source is a model (the whole table) or a queryset (a slice of it, e.g. one country's
    cities). Any insert, update (services always touch ``updated_at``) or delete changes it. One
    query per source; keep an index that covers the filter and ``updated_at`` on large tables.
    """
    parts = []
    for source in sources:
        queryset = source if isinstance(source, QuerySet) else source._default_manager.all()
        agg = queryset.order_by().aggregate(newest=Max("updated_at"), total=Count("pk"))
        newest = agg["newest"].isoformat() if agg["newest"] else "-"
        parts.append(f"{queryset.model._meta.label_lower}:{agg['total']}:{newest}")
    return ";".join(parts)
