"""Generic write helpers shared by every app's services."""

from django.db import connections, models, transaction


def _comparable(value):
    if isinstance(value, models.Model):
        return value.pk
    return value


def run_after_commit(func) -> None:
    """Run ``func`` once the current transaction commits (at once outside a transaction).

    A seam of its own so the test suite, whose tests run inside a transaction that never commits,
    can run the publication where the commit would have been (it patches the name where it is used).
    """
    transaction.on_commit(func, robust=True)


def model_update(*, instance: models.Model, data: dict) -> dict:
    """Apply ``data`` to ``instance`` (plain and many-to-many fields) and return what changed.

    Returns ``{field: [before, after]}`` with JSON-friendly values; nothing is saved unless
    something changed. Many-to-many fields are set after the row is saved. ``full_clean`` runs
    before saving so model validation is the same from the admin, the API and commands.
    """
    changes: dict = {}
    m2m: dict = {}
    for name, value in data.items():
        field = instance._meta.get_field(name)
        if field.many_to_many:
            before = sorted(str(v) for v in getattr(instance, name).values_list("pk", flat=True)) if instance.pk else []
            after = sorted(str(getattr(v, "pk", v)) for v in value)
            if before != after:
                m2m[name] = value
                changes[name] = [before, after]
            continue
        if field.many_to_one or field.one_to_one:
            # Compare ids: reading an unset relation on a new row raises instead of returning None.
            current_id = getattr(instance, field.attname)
            if current_id != _comparable(value):
                before = getattr(instance, name) if current_id is not None else None
                changes[name] = [serialize_value(before), serialize_value(value)]
                setattr(instance, name, value)
            continue
        current = getattr(instance, name)
        if _comparable(current) != _comparable(value):
            changes[name] = [serialize_value(current), serialize_value(value)]
            setattr(instance, name, value)
    if changes or instance.pk is None:
        instance.full_clean(exclude=list(m2m))
        instance.save()
        for name, value in m2m.items():
            getattr(instance, name).set(value)
    return changes


def serialize_value(value):
    """A JSON-safe rendering of a field value for audit trails."""
    if isinstance(value, models.Model):
        return {"id": value.pk, "repr": str(value)}
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def model_snapshot(instance: models.Model) -> dict:
    """All concrete field values of a row, JSON-safe (for audit of creations and deletions)."""
    snapshot = {}
    for field in instance._meta.concrete_fields:
        snapshot[field.attname] = serialize_value(getattr(instance, field.attname))
    if instance.pk is not None:
        for field in instance._meta.many_to_many:
            snapshot[field.name] = sorted(str(pk) for pk in getattr(instance, field.name).values_list("pk", flat=True))
    return snapshot


def bulk_upsert(model: type[models.Model], objs: list, *, unique_fields: list[str], update_fields: list[str]) -> None:
    """Insert or update rows in one statement per batch, on every backend the project runs on.

    MySQL's ON DUPLICATE KEY UPDATE takes no conflict target (any unique key triggers it), while
    SQLite and PostgreSQL need one; Django refuses the argument where it is not supported.
    """
    features = connections[model._default_manager.db].features
    target = unique_fields if features.supports_update_conflicts_with_target else None
    model._default_manager.bulk_create(objs, update_conflicts=True, unique_fields=target, update_fields=update_fields)
