"""Writes to the catalogs. The admin and commands call these, so every change is validated and audited."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from apps.audit.crud import audited_create, audited_delete, audited_update
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.core.exceptions import ApplicationError, ValidationFailed, coded
from apps.core.services import bulk_upsert
from apps.core.text import ascii_fold
from apps.masters import selectors
from apps.masters.models import City, Country, Source, StatusBase


def _validate_status_transitions(instance: StatusBase, data: dict) -> None:
    """A final status has no way out, and a status cannot lead to itself."""
    is_final = data.get("is_final", instance.is_final)
    if "next_statuses" in data:
        next_codes = {getattr(s, "code", s) for s in data["next_statuses"]}
    elif instance.pk:
        next_codes = set(instance.next_statuses.values_list("code", flat=True))
    else:
        next_codes = set()
    if is_final and next_codes:
        raise ApplicationError(
            _("A final status cannot have allowed next statuses."),
            code="final_status_with_transitions",
            extra={"errors": {"next_statuses": [_("A final status cannot have allowed next statuses.")]}},
        )
    code = data.get("code", instance.code)
    if code and code in next_codes:
        raise ApplicationError(
            _("A status cannot be its own next status."),
            code="status_self_transition",
            extra={"errors": {"next_statuses": [_("A status cannot be its own next status.")]}},
        )


def _validate_source_edit(instance: Source, data: dict) -> None:
    # Cases, vouchers and API clients store the code itself: renaming it would orphan them.
    if instance.pk and "code" in data and data["code"] != Source.objects.get(pk=instance.pk).code:
        message = _("A source's code cannot change: cases, vouchers and API clients refer to it.")
        raise ApplicationError(message, code="source_code_immutable", extra={"errors": {"code": [message]}})


def catalog_entry_validate(*, instance: Model, data: dict) -> None:
    """Business rules of a catalog edit beyond field validation (raises ApplicationError)."""
    if isinstance(instance, StatusBase):
        _validate_status_transitions(instance, data)
    if isinstance(instance, Source):
        _validate_source_edit(instance, data)


def catalog_entry_create(*, model: type[Model], data: dict, actor=None) -> Model:
    """Create a catalog row (category, assistance, status, country, city) and audit it."""
    return audited_create(model=model, data=data, actor=actor, validate=catalog_entry_validate)


def catalog_entry_update(*, instance: Model, data: dict, actor=None) -> Model:
    return audited_update(instance=instance, data=data, actor=actor, validate=catalog_entry_validate)


def catalog_entry_delete(*, instance: Model, actor=None) -> None:
    if isinstance(instance, Source):
        # Rows keep the code (no foreign key holds them back): a source goes out of use instead.
        raise ApplicationError(
            _("A source cannot be deleted; deactivate it instead."), code="source_not_deletable", status_code=409
        )
    audited_delete(instance=instance, actor=actor)


def source_error(code: str):
    """The field error for a source that is not a known, active one of the catalog, or None."""
    if selectors.source_is_usable(code):
        return None
    return coded(_("Unknown source: %(code)s.") % {"code": code}, "invalid_choice")


def source_check(*, code: str, field: str) -> None:
    """Refuse a source that is not a known, active one (cases, vouchers and API clients take one)."""
    error = source_error(code)
    if error is not None:
        raise ValidationFailed({field: [error]})


# --- Countries and cities import ------------------------------------------------------------------


@dataclass(frozen=True)
class CountryRow:
    iso2: str
    iso3: str
    numeric_code: str
    name_en: str
    name_es: str
    continent: str = ""
    capital: str = ""
    currency_code: str = ""
    phone_prefix: str = ""
    latitude: float | None = None
    longitude: float | None = None
    time_zone: str = ""


@dataclass(frozen=True)
class CityRow:
    country_iso2: str
    code: str
    name: str
    latitude: float
    longitude: float
    time_zone: str = ""
    admin1_code: str = ""
    population: int = 0


@dataclass(frozen=True)
class GeoImportResult:
    countries_created: int
    countries_updated: int
    cities_created: int
    cities_updated: int


_COUNTRY_FIELDS = [f for f in CountryRow.__dataclass_fields__ if f != "iso2"]
_CITY_FIELDS = ["name", "ascii_name", "latitude", "longitude", "time_zone", "admin1_code", "population"]


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@transaction.atomic
def geo_import(
    *,
    countries: list[CountryRow],
    cities: list[CityRow],
    batch_size: int = 2000,
    progress=None,
    source_label: str = "",
) -> GeoImportResult:
    """Upsert countries (by ISO alpha-2) and cities (by country + code) in one transaction.

    Idempotent: importing the same data twice leaves the same rows. Rows are validated by the
    caller (the parsers raise with the offending line); a city whose country is neither in the
    database nor in ``countries`` is refused here, and nothing is written.
    ``progress`` is called with the number of rows written after each batch.
    """
    existing_countries = set(Country.objects.values_list("iso2", flat=True))
    country_objs = [Country(iso2=row.iso2, **{f: getattr(row, f) for f in _COUNTRY_FIELDS}) for row in countries]
    for batch in _batches(country_objs, batch_size):
        bulk_upsert(Country, batch, unique_fields=["iso2"], update_fields=[*_COUNTRY_FIELDS, "updated_at"])
        if progress:
            progress(len(batch))
    countries_created = len({row.iso2 for row in countries} - existing_countries)

    country_ids = dict(Country.objects.values_list("iso2", "id"))
    missing = sorted({row.country_iso2 for row in cities} - country_ids.keys())
    if missing:
        raise ApplicationError(
            _("Cities refer to unknown countries: %(codes)s.") % {"codes": ", ".join(missing[:20])},
            code="unknown_country",
        )
    existing_cities = set(City.objects.values_list("country_id", "code"))
    city_keys = set()
    city_objs = []
    for row in cities:
        key = (country_ids[row.country_iso2], row.code)
        city_keys.add(key)
        city_objs.append(
            City(
                country_id=key[0],
                code=row.code,
                name=row.name,
                ascii_name=ascii_fold(row.name),
                latitude=row.latitude,
                longitude=row.longitude,
                time_zone=row.time_zone,
                admin1_code=row.admin1_code,
                population=row.population,
            )
        )
    for batch in _batches(city_objs, batch_size):
        bulk_upsert(City, batch, unique_fields=["country", "code"], update_fields=[*_CITY_FIELDS, "updated_at"])
        if progress:
            progress(len(batch))
    result = GeoImportResult(
        countries_created=countries_created,
        countries_updated=len({row.iso2 for row in countries}) - countries_created,
        cities_created=len(city_keys - existing_cities),
        cities_updated=len(city_keys & existing_cities),
    )
    audit_record(
        action=AuditAction.IMPORT,
        object_type=Country._meta.label_lower,
        object_id="*",
        object_repr=source_label or "geo import",
        changes=result.__dict__,
    )
    return result
