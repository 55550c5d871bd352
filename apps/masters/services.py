"""Writes to the catalogs. The admin and commands call these, so every change is validated and audited."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.crud import audit_import, audited_create, audited_delete, audited_update
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.core.context import Actor, user_or_none
from apps.core.exceptions import ApplicationError, ConflictError, ValidationFailed, coded
from apps.core.services import bulk_upsert
from apps.core.text import ascii_fold
from apps.masters import selectors
from apps.masters.models import City, Country, Source, StatusBase
from apps.masters.selectors import status_allows

# --- Status machines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusMachine:
    """The part every status machine shares: find the target status, check the move, record it.

    One instance per machine, at module level in the app that owns the records::

        VOUCHER_MACHINE = StatusMachine(VoucherStatus, history=VoucherStatusHistory, subject="voucher", user="actor")

        to_status = VOUCHER_MACHINE.check_transition(from_status=voucher.status, to_code=to_code)
        ...  # the domain's own effects: save the record, stamp times, audit
        VOUCHER_MACHINE.record(subject=voucher, from_status=from_status, to_status=to_status, actor=actor)

    Errors are the same for every machine, so clients handle them once:

    - an unknown code is a 400 ``validation_error`` whose ``errors[field]`` carries ``does_not_exist``
      (as any unknown reference: the fuzzer's data-dependent code);
    - a move the machine does not allow is a 409 ``illegal_transition`` with ``from_status``,
      ``to_status`` and ``allowed`` (the codes reachable from the current status).

    The history model is a :class:`~apps.masters.models.StatusChange` (or has its columns) with
    ``from_status`` (nullable: a record's first row has none), ``to_status`` and a foreign key to the
    record (``subject``); ``user`` names its foreign key to the user. Other columns (a kind...) are
    passed to :meth:`record` as keywords. A
    machine without history (case providers) leaves ``history`` out and only checks.
    """

    statuses: type[StatusBase]
    history: type[Model] | None = None
    subject: str = ""  # the history's foreign key to the record whose status changes
    user: str = "changed_by"  # the history's foreign key to the user who changed it
    nobody: str = ""  # actor_repr of a change no one made (a periodic task, an import)
    field: str = "status"  # where an unknown code is reported in ``errors``

    def __post_init__(self):
        if self.history is not None and not self.subject:
            raise TypeError("A machine with a history names the history's foreign key to the record (subject=...).")

    def resolve(self, code: str) -> StatusBase:
        """The status with this code; a 400 if the machine has none."""
        status = self.statuses.objects.filter(code=code).first()
        if status is None:
            message = _("Unknown %(machine)s %(code)s.") % {"machine": self.statuses._meta.verbose_name, "code": code}
            raise ValidationFailed({self.field: [coded(message, "does_not_exist")]}, message)
        return status

    def with_role(self, role: str) -> StatusBase:
        """The status holding ``role`` (a :class:`~apps.masters.models.StatusRole`); a 409 if none does."""
        status = self.statuses.objects.filter(role=role).first()
        if status is None:
            raise ConflictError(
                _("No %(machine)s has the role %(role)s; set it in the admin.")
                % {"machine": self.statuses._meta.verbose_name, "role": role},
                code="status_role_missing",
            )
        return status

    def check_transition(self, *, from_status: StatusBase, to_code: str) -> StatusBase:
        """The status to move to from ``from_status``, once the machine allows the move (409 if not)."""
        to_status = self.resolve(to_code)
        if not status_allows(self.statuses, from_code=from_status.code, to_code=to_status.code):
            allowed = sorted(from_status.next_statuses.values_list("code", flat=True))
            raise ConflictError(
                _("The %(machine)s %(from)s cannot lead to %(to)s (allowed: %(allowed)s).")
                % {
                    "machine": self.statuses._meta.verbose_name,
                    "from": from_status.code,
                    "to": to_status.code,
                    "allowed": ", ".join(allowed) or _("none"),
                },
                code="illegal_transition",
                extra={"from_status": from_status.code, "to_status": to_status.code, "allowed": allowed},
            )
        return to_status

    def record(
        self,
        *,
        subject: Model,
        from_status: StatusBase | None,
        to_status: StatusBase,
        actor: Actor,
        reason: str = "",
        at: datetime | None = None,
        **columns,
    ) -> Model:
        """Append a history row: ``subject`` went from ``from_status`` (None on creation) to ``to_status``."""
        if self.history is None:
            raise TypeError(f"The {self.statuses.__name__} machine keeps no history.")
        return self.history.objects.create(
            **{self.subject: subject, self.user: user_or_none(actor)},
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            actor_repr=str(actor)[:255] if actor is not None else self.nobody,
            changed_at=at or timezone.now(),
            **columns,
        )

    def move_to_role(
        self, subject: Model, role: str, *, actor: Actor, reason: str = "", at: datetime, case_reference: str = ""
    ) -> None:
        """Move ``subject`` to the status holding ``role``, if allowed (409 if not): saved, recorded, audited.

        For records whose services know their statuses by role only (a bill, a guarantee): a move to
        where the record already is does nothing, so a step may be repeated safely.
        """
        target = self.with_role(role)
        before = subject.status
        if before.pk == target.pk:
            return
        to_status = self.check_transition(from_status=before, to_code=target.code)
        subject.status = to_status
        subject.updated_by = user_or_none(actor) or subject.updated_by
        subject.save(update_fields=["status", "updated_by", "updated_at"])
        self.record(subject=subject, from_status=before, to_status=to_status, actor=actor, reason=reason, at=at)
        audit_record(
            action=AuditAction.STATUS_CHANGE,
            instance=subject,
            changes={"status": [before.code, to_status.code], "reason": reason},
            actor=actor,
            case_reference=case_reference,
        )


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


def _validate_status_role(instance: StatusBase, data: dict) -> None:
    """Only a role the machine's services read: another would suggest an effect that never happens."""
    role = data.get("role", instance.role)
    if role and role not in instance.ROLES:
        message = _("The %(machine)s machine has no role %(role)s.") % {
            "machine": instance._meta.verbose_name,
            "role": role,
        }
        raise ValidationFailed({"role": [message]}, message)


def catalog_entry_validate(*, instance: Model, data: dict) -> None:
    """Business rules of a catalog edit beyond field validation (raises ApplicationError)."""
    if isinstance(instance, StatusBase):
        _validate_status_transitions(instance, data)
        _validate_status_role(instance, data)
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
    audit_import(Country, source_label or "geo import", result.__dict__)
    return result
