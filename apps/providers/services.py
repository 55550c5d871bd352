"""Writes to the provider network. Admin, API and commands call these; every change is audited."""

import re

from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.crud import audited_create, audited_delete, audited_update
from apps.core.exceptions import ValidationFailed
from apps.core.validators import is_currency_code, is_website
from apps.providers.models import (
    WEEKDAYS,
    LocationService,
    Provider,
    ProviderLocation,
    ProviderPaymentMethod,
    ProviderReliability,
)

_LANGUAGE = re.compile(r"^[a-z]{2}$")


def provider_validate(*, instance: Provider, data: dict) -> None:
    languages = data.get("languages")
    if languages is not None:
        if not isinstance(languages, list) or not all(isinstance(x, str) and _LANGUAGE.match(x) for x in languages):
            raise ValidationFailed.field("languages", _('Use a list of two-letter language codes, e.g. ["es", "en"].'))
        data["languages"] = sorted(set(languages))
    if data.get("website") and not is_website(data["website"]):
        raise ValidationFailed.field("website", _("Give the website as http(s)://name.domain, with an optional path."))


def search_index_rebuild(*, provider_ids) -> int:
    """Rebuild the search-index rows of these providers' locations; returns the rows written.

    Called inside the caller's transaction by every write that can change what a search finds
    (provider activity, rating or assistances; a location's place or activity).
    """
    provider_ids = list(provider_ids)
    LocationService.objects.filter(provider_id__in=provider_ids).delete()
    serves = Provider.assistances.through.objects.filter(provider_id__in=provider_ids, provider__is_active=True)
    by_provider: dict[int, list[int]] = {}
    for provider_id, assistance_id in serves.values_list("provider_id", "assistance_id"):
        by_provider.setdefault(provider_id, []).append(assistance_id)
    locations = ProviderLocation.objects.filter(provider_id__in=by_provider, is_active=True).values_list(
        "id", "provider_id", "geo_cell", "latitude", "longitude", "provider__rating"
    )
    rows = [
        LocationService(
            assistance_id=assistance_id,
            location_id=location_id,
            provider_id=provider_id,
            geo_cell=cell,
            latitude=latitude,
            longitude=longitude,
            provider_rating=rating,
        )
        for location_id, provider_id, cell, latitude, longitude, rating in locations
        for assistance_id in by_provider[provider_id]
    ]
    LocationService.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@transaction.atomic
def provider_create(*, data: dict, actor=None) -> Provider:
    provider = audited_create(model=Provider, data=data, actor=actor, validate=provider_validate)
    search_index_rebuild(provider_ids=[provider.pk])
    return provider


@transaction.atomic
def provider_update(*, instance: Provider, data: dict, actor=None) -> Provider:
    provider = audited_update(instance=instance, data=data, actor=actor, validate=provider_validate)
    search_index_rebuild(provider_ids=[provider.pk])
    return provider


def provider_delete(*, instance: Provider, actor=None) -> None:
    audited_delete(instance=instance, actor=actor)


HOUR_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _opening_hours_valid(value) -> bool:
    """Weekdays mon-sun, each a list of [opening, closing] HH:MM pairs (closing earlier: past midnight)."""
    if not isinstance(value, dict) or not set(value) <= set(WEEKDAYS):
        return False
    return all(
        isinstance(intervals, list)
        and all(
            isinstance(interval, list)
            and len(interval) == 2
            and all(isinstance(t, str) and re.match(HOUR_PATTERN, t) for t in interval)
            for interval in intervals
        )
        for intervals in value.values()
    )


def location_validate(*, instance: ProviderLocation, data: dict) -> None:
    """A location's city must belong to its country; its opening hours have the documented shape."""
    city = data.get("city", instance.city if instance.city_id else None)
    country = data.get("country", instance.country if instance.country_id else None)
    if city is not None and country is not None and city.country_id != country.pk:
        raise ValidationFailed.field("city", _("The city is not in the location's country."), "city_country_mismatch")
    if "opening_hours" in data and not _opening_hours_valid(data["opening_hours"]):
        message = _('Use {"mon": [["08:00", "18:00"]], ...}: weekdays mon-sun, intervals of two HH:MM times.')
        raise ValidationFailed.field("opening_hours", message)


@transaction.atomic
def location_create(*, data: dict, actor=None, provider: Provider | None = None) -> ProviderLocation:
    if provider is not None:
        data = {**data, "provider": provider}
    location = audited_create(model=ProviderLocation, data=data, actor=actor, validate=location_validate)
    search_index_rebuild(provider_ids=[location.provider_id])
    return location


@transaction.atomic
def location_update(*, instance: ProviderLocation, data: dict, actor=None) -> ProviderLocation:
    previous_provider_id = instance.provider_id
    location = audited_update(instance=instance, data=data, actor=actor, validate=location_validate)
    search_index_rebuild(provider_ids={previous_provider_id, location.provider_id})
    return location


def location_delete(*, instance: ProviderLocation, actor=None) -> None:
    # The index rows go with the location (ON DELETE CASCADE).
    audited_delete(instance=instance, actor=actor)


def _unset_other_defaults(method: ProviderPaymentMethod, actor) -> None:
    """At most one default method per provider (MySQL has no partial unique index, so the service keeps it)."""
    others = ProviderPaymentMethod.objects.select_for_update().filter(provider_id=method.provider_id, is_default=True)
    for other in others.exclude(pk=method.pk):
        audited_update(instance=other, data={"is_default": False}, actor=actor)


def payment_method_validate(*, instance: ProviderPaymentMethod, data: dict) -> None:
    kind = data.get("kind", instance.kind)
    account = data.get("account_number", instance.account_number)
    if kind == "bank_transfer" and not account:
        raise ValidationFailed.field(
            "account_number", _("A bank transfer needs an account number or IBAN."), "required_for_kind"
        )
    if "account_number" in data:
        data["account_number"] = re.sub(r"\s+", "", data["account_number"] or "").upper()
    if "currency" in data:
        if not is_currency_code(data["currency"]):
            raise ValidationFailed.field("currency", _("Use a three-letter ISO 4217 code."))
        data["currency"] = data["currency"].upper()


@transaction.atomic
def payment_method_create(*, data: dict, actor=None, provider: Provider | None = None) -> ProviderPaymentMethod:
    if provider is not None:
        data = {**data, "provider": provider}
    # Lock the provider so two concurrent "default" writes cannot both win.
    Provider.objects.select_for_update().filter(pk=data["provider"].pk).first()
    method = audited_create(model=ProviderPaymentMethod, data=data, actor=actor, validate=payment_method_validate)
    if method.is_default:
        _unset_other_defaults(method, actor)
    return method


@transaction.atomic
def payment_method_update(*, instance: ProviderPaymentMethod, data: dict, actor=None) -> ProviderPaymentMethod:
    Provider.objects.select_for_update().filter(pk=instance.provider_id).first()
    method = audited_update(instance=instance, data=data, actor=actor, validate=payment_method_validate)
    if method.is_default:
        _unset_other_defaults(method, actor)
    return method


def payment_method_delete(*, instance: ProviderPaymentMethod, actor=None) -> None:
    audited_delete(instance=instance, actor=actor)


@transaction.atomic
def reliability_replace(*, counts: dict[int, dict]) -> int:
    """Make ProviderReliability hold exactly ``counts`` (provider id → offers, accepted, arrivals,
    on_time): rows upserted in bulk, providers no longer in the window removed (no history again:
    the search's neutral prior). Derived figures, rewritten hourly: not audited. Returns the rows written."""
    now = timezone.now()
    rows = [
        ProviderReliability(
            provider_id=provider_id,
            offers=row["offers"],
            accepted=row["accepted"],
            arrivals=row["arrivals"],
            on_time=row["on_time"],
            updated_at=now,
        )
        for provider_id, row in counts.items()
    ]
    ProviderReliability.objects.exclude(provider_id__in=list(counts)).delete()
    # MariaDB upserts on any unique key (ON DUPLICATE KEY) and refuses a named target; SQLite needs it.
    features = connections[ProviderReliability.objects.db].features
    ProviderReliability.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["provider"] if features.supports_update_conflicts_with_target else None,
        update_fields=["offers", "accepted", "arrivals", "on_time", "updated_at"],
    )
    return len(rows)
