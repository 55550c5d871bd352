"""Bulk loading for demo data at scale: plain multi-row INSERTs with primary keys chosen up front."""

from django.db import connection
from django.db.models import Max, Model


def next_pk(model: type[Model]) -> int:
    """The first free primary key, so rows can be linked without reading them back
    (MySQL returns no ids from a bulk insert)."""
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def insert_rows(model: type[Model], columns: list[str], rows: list[tuple], chunk: int = 5000) -> None:
    """Multi-row INSERTs of plain values: building model instances cost more than the database did."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(model._meta.get_field(column).column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608 - names come from the models  # nosec B608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            cursor.executemany(sql, rows[start : start + chunk])
