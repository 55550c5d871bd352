"""Reads of the provider network: lists and the nearest-location search."""

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connections
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from apps.masters.models import Assistance, Category, City, Country
from apps.providers import geo
from apps.providers.models import (
    WEEKDAYS,
    LocationService,
    Provider,
    ProviderLocation,
    ProviderPaymentMethod,
    ProviderReliability,
)

_SERVES = Provider.assistances.through

# What is written to providers (guarantee letters, dispatch offers and links) comes in these languages.
PROVIDER_LANGUAGES = ("es", "pt", "en")
# Countries whose language a provider is written in when it lists none of ours.
_PORTUGUESE_COUNTRIES = {"BR", "PT", "AO", "MZ", "CV", "GW", "ST", "TL"}
_SPANISH_COUNTRIES = {
    "AR", "BO", "CL", "CO", "CR", "CU", "DO", "EC", "ES", "GQ", "GT", "HN", "MX", "NI", "PA", "PE", "PR", "PY",
    "SV", "UY", "VE",
}  # fmt: skip


def provider_language(provider: Provider) -> str:
    """The provider's language if it reads one of ours (es, pt, en), else its country's, else English."""
    for code in provider.languages or []:
        if code in PROVIDER_LANGUAGES:
            return code
    iso2 = provider.country.iso2 if provider.country_id else ""
    if iso2 in _PORTUGUESE_COUNTRIES:
        return "pt"
    if iso2 in _SPANISH_COUNTRIES:
        return "es"
    return "en"


def provider_list() -> QuerySet[Provider]:
    return (
        Provider.objects.select_related("country")
        .prefetch_related("assistances")
        .annotate(location_count=Count("locations", distinct=True))
        .order_by("display_name", "id")
    )


def location_list(*, provider: Provider) -> QuerySet[ProviderLocation]:
    return ProviderLocation.objects.filter(provider=provider).select_related("country", "city").order_by("id")


def payment_method_list(*, provider: Provider) -> QuerySet[ProviderPaymentMethod]:
    return ProviderPaymentMethod.objects.filter(provider=provider).order_by("-is_default", "id")


@dataclass(frozen=True)
class ProviderRef:
    id: int
    display_name: str
    provider_type: str
    rating: Decimal
    phone: str
    email: str


@dataclass(frozen=True)
class CityRef:
    code: str
    name: str


@dataclass(frozen=True)
class LocationHit:
    """One search result: a location, its provider and its distance (None without a point).

    Plain values rather than model instances: the search is on the operators' hot path, and
    building four model instances per row cost more than the indexed query itself.
    """

    id: int
    name: str
    address: str
    country: str
    city: CityRef | None
    latitude: float
    longitude: float
    service_radius_km: int
    is_24h: bool
    phone: str
    provider: ProviderRef
    distance_km: float | None = None
    # The reliability ranking's parts (``reliability_score``); None under the distance ranking.
    acceptance: float | None = None
    on_time: float | None = None
    open_now: bool | None = None
    score: float | None = None
    history_offers: int | None = None  # offers in the last 90 days behind ``acceptance``

    @property
    def within_service_area(self) -> bool | None:
        return None if self.distance_km is None else self.distance_km <= self.service_radius_km


_HIT_FIELDS = (
    "id",
    "name",
    "address",
    "country__iso2",
    "city__code",
    "city__name",
    "latitude",
    "longitude",
    "service_radius_km",
    "is_24h",
    "phone",
    "provider_id",
    "provider__display_name",
    "provider__provider_type",
    "provider__rating",
    "provider__phone",
    "provider__email",
)


def _hit(row: dict, distance: float | None) -> LocationHit:
    return LocationHit(
        id=row["id"],
        name=row["name"],
        address=row["address"],
        country=row["country__iso2"],
        city=CityRef(row["city__code"], row["city__name"]) if row["city__code"] is not None else None,
        latitude=row["latitude"],
        longitude=row["longitude"],
        service_radius_km=row["service_radius_km"],
        is_24h=row["is_24h"],
        phone=row["phone"],
        provider=ProviderRef(
            id=row["provider_id"],
            display_name=row["provider__display_name"],
            provider_type=row["provider__provider_type"],
            rating=row["provider__rating"],
            phone=row["provider__phone"],
            email=row["provider__email"],
        ),
        distance_km=distance,
    )


@dataclass(frozen=True)
class LocationQuery:
    """What a caller is looking for. A point (lat, lng) ranks by distance within ``radius_km``;
    without one, a city or country narrows the area and rating ranks."""

    lat: float | None = None
    lng: float | None = None
    radius_km: float = 50.0
    assistance: Assistance | None = None
    category: Category | None = None
    country: Country | None = None
    city: City | None = None
    provider_type: str | None = None
    text: str | None = None
    provider: Provider | None = None
    limit: int = 20
    # "distance": nearest first, then best rated (the default); "reliability": the weighted score of
    # ``reliability_score`` over the nearest RERANK_FACTOR × limit candidates.
    rank: str = "distance"
    # When the search is for (an aware datetime): the reliability ranking then checks opening hours.
    at: datetime.datetime | None = None

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lng is not None


def _cells(query: LocationQuery) -> Q:
    cells = Q()
    for low, high in geo.cell_ranges(query.lat, query.lng, query.radius_km):
        cells |= Q(geo_cell__range=(low, high))
    return cells


def _matching(qs: QuerySet, query: LocationQuery, *, place: str) -> QuerySet:
    """``qs`` narrowed by the filters of ``query`` that both searches apply (the index and the
    candidates); ``place`` is the path from a row to its location's country and city."""
    if query.provider is not None:
        qs = qs.filter(provider=query.provider)
    if query.category is not None:
        qs = qs.filter(
            Exists(_SERVES.objects.filter(provider_id=OuterRef("provider_id"), assistance__category=query.category))
        )
    if query.country is not None:
        qs = qs.filter(**{f"{place}country": query.country})
    if query.city is not None:
        qs = qs.filter(**{f"{place}city": query.city})
    if query.provider_type:
        qs = qs.filter(provider__provider_type=query.provider_type)
    if query.text:
        qs = qs.filter(Q(provider__display_name__icontains=query.text) | Q(provider__legal_name__icontains=query.text))
    return qs


def _rank_by_index(query: LocationQuery) -> QuerySet:
    """(location id, distance) of the nearest matches, read from the search index of one assistance."""
    qs = LocationService.objects.filter(_cells(query), assistance=query.assistance)
    qs = _matching(qs, query, place="location__")
    return (
        qs.annotate(distance_km=geo.distance_expression(query.lat, query.lng), hit_id=F("location_id"))
        .filter(distance_km__lte=query.radius_km)
        .order_by("distance_km", "-provider_rating", "location_id")
        .values_list("hit_id", "distance_km")[: query.limit]
    )


def _hits(ranked: QuerySet, history: dict | None = None) -> list[LocationHit]:
    inner_sql, params = ranked.query.sql_with_params()
    return _hits_sql(inner_sql, params, connections[ranked.db], history=history)


def _rank_sql_common(query: LocationQuery, connection) -> tuple[str, list]:
    """The ranking of the most frequent search (an assistance around a point, maybe within one
    provider) written as SQL: the same statement the ORM builds in ``_rank_by_index``, without the
    ORM's compile cost, which on this path exceeded the time the database took."""
    table = connection.ops.quote_name(LocationService._meta.db_table)
    distance, distance_params = geo.haversine_sql(
        "s.latitude", "s.longitude", query.lat, query.lng, vendor=connection.vendor
    )
    ranges = geo.cell_ranges(query.lat, query.lng, query.radius_km)
    cells = " OR ".join("s.geo_cell BETWEEN %s AND %s" for _ in ranges)
    where = f"s.assistance_id = %s AND ({cells}) AND {distance} <= %s"
    params = [query.assistance.pk, *(bound for pair in ranges for bound in pair), *distance_params, query.radius_km]
    if query.provider is not None:
        where += " AND s.provider_id = %s"
        params.append(query.provider.pk)
    # Only the quoted table name and the fragments above (placeholders only) are interpolated; every
    # value travels in ``params``.
    sql = (
        f"SELECT s.location_id AS hit_id, {distance} AS distance_km FROM {table} s WHERE {where}"  # noqa: S608  # nosec B608
        " ORDER BY distance_km, s.provider_rating DESC, s.location_id LIMIT %s"
    )
    return sql, [*distance_params, *params, query.limit]


def _hits_sql(inner_sql: str, params: list, connection, *, history: dict | None = None) -> list[LocationHit]:
    """The ranked locations with their provider, city and country, in the same round trip.

    The ranking query becomes a derived table joined to the few rows it keeps; through the ORM
    this took a second query, and on the operators' hot path that was half the time. With
    ``history`` (a dict filled in place: provider id → (offers, accepted, arrivals, on time)), the
    provider's reliability row is joined too (one more LEFT JOIN on its unique key).
    """
    q = connection.ops.quote_name
    location, provider = q(ProviderLocation._meta.db_table), q(Provider._meta.db_table)
    country, city = q(Country._meta.db_table), q(City._meta.db_table)
    reliability_columns = reliability_join = ""
    if history is not None:
        reliability_columns = ", rel.offers, rel.accepted, rel.arrivals, rel.on_time"
        reliability_join = f" LEFT JOIN {q(ProviderReliability._meta.db_table)} rel ON rel.provider_id = p.id"
    # Only quoted table names and Django-compiled SQL (values stay in ``params``) are interpolated.
    sql = (
        "SELECT r.hit_id, r.distance_km, l.name, l.address, co.iso2, ci.code, ci.name, l.latitude, l.longitude,"  # noqa: S608  # nosec B608
        " l.service_radius_km, l.is_24h, l.phone, p.id, p.display_name, p.provider_type, p.rating, p.phone, p.email"
        f"{reliability_columns}"
        f" FROM ({inner_sql}) r"
        f" JOIN {location} l ON l.id = r.hit_id"
        f" JOIN {provider} p ON p.id = l.provider_id"
        f" JOIN {country} co ON co.id = l.country_id"
        f" LEFT JOIN {city} ci ON ci.id = l.city_id"
        f"{reliability_join}"
        " ORDER BY r.distance_km, p.rating DESC, r.hit_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if history is not None:
        history.update((row[12], tuple(value or 0 for value in row[18:22])) for row in rows)
    return [
        LocationHit(
            id=row[0],
            distance_km=row[1],
            name=row[2],
            address=row[3],
            country=row[4],
            city=CityRef(row[5], row[6]) if row[5] is not None else None,
            latitude=row[7],
            longitude=row[8],
            service_radius_km=row[9],
            is_24h=bool(row[10]),
            phone=row[11],
            provider=ProviderRef(
                id=row[12],
                display_name=row[13],
                provider_type=row[14],
                # SQLite hands DECIMAL back as a float; keep the two-decimal value exact.
                rating=Decimal(str(row[15])).quantize(Decimal("0.01")),
                phone=row[16],
                email=row[17],
            ),
        )
        for row in rows
    ]


def _candidates(query: LocationQuery) -> QuerySet[ProviderLocation]:
    """Active locations of active providers matching every filter but the distance."""
    qs = ProviderLocation.objects.filter(is_active=True, provider__is_active=True)
    if query.assistance is not None:
        qs = qs.filter(Exists(_SERVES.objects.filter(provider_id=OuterRef("provider_id"), assistance=query.assistance)))
    return _matching(qs, query, place="")


def location_search(query: LocationQuery, *, use_index: bool = True) -> list[LocationHit]:
    """Active locations of active providers matching ``query``: nearest first, then best rated
    (``rank="distance"``), or by the reliability score (``rank="reliability"``, see ``_reliability_ranked``).

    With a point, candidates come from index range scans: the search index of the assistance
    when one is asked for, the location table's geo cells otherwise; only the winners are then
    read with their provider, city and country. ``use_index=False`` computes the same answer by
    scanning every candidate location, the naive way (the benchmark's baseline, a test oracle).
    """
    if query.rank == RANK_RELIABILITY:
        return _reliability_ranked(query, use_index=use_index)
    return _distance_ranked(query, use_index=use_index)


def _distance_ranked(query: LocationQuery, *, use_index: bool, history: dict | None = None) -> list[LocationHit]:
    if not query.has_point:
        fields = _HIT_FIELDS + (_HISTORY_FIELDS if history is not None else ())
        rows = _candidates(query).order_by("-provider__rating", "id").values(*fields)[: query.limit]
        if history is not None:
            history.update((row["provider_id"], tuple(row[f] or 0 for f in _HISTORY_FIELDS)) for row in rows)
        return [_hit(row, None) for row in rows]

    if use_index and query.assistance is not None:
        if not (query.category or query.country or query.city or query.provider_type or query.text):
            connection = connections[LocationService.objects.db]
            return _hits_sql(*_rank_sql_common(query, connection), connection, history=history)
        return _hits(_rank_by_index(query), history)
    qs = _candidates(query)
    if use_index:
        qs = qs.filter(_cells(query))
    return _hits(
        qs.annotate(distance_km=geo.distance_expression(query.lat, query.lng), hit_id=F("id"))
        .filter(distance_km__lte=query.radius_km)
        .order_by("distance_km", "-provider__rating", "id")
        .values_list("hit_id", "distance_km")[: query.limit],
        history,
    )


# --- the reliability ranking ---------------------------------------------------------------------------
#
# score = W_DISTANCE · (1 − distance / radius)          (proximity: 1 at the point, 0 at the radius)
#       + W_ACCEPTANCE · acceptance + W_ON_TIME · on_time
#       − CLOSED_PENALTY if the location is closed at the time of the search
#
# acceptance = (accepted + PRIOR_WEIGHT · PRIOR_RATE) / (offers + PRIOR_WEIGHT)
# on_time    = (on time + PRIOR_WEIGHT · PRIOR_RATE) / (arrivals with a promised time + PRIOR_WEIGHT)
#
# Both rates are Bayesian averages over the provider's last 90 days (ProviderReliability, refreshed
# hourly by apps.assistances): a provider without history scores the neutral prior (0.8, a fixed
# network-wide expectation rather than a per-query average, so the search reads no aggregate), and
# five answers weigh as much as the prior — a new provider is neither penalised nor trusted blindly.
# Without a point the proximity term is left out and the two rates share its weight. Open now: 24-hour
# locations are open; hours are read in the location's zone (its city's, else its country's); a
# location without hours on record, or a search without a time, is not penalised.
#
# Speed: the nearest RERANK_FACTOR × limit candidates come from the distance search (same index,
# one extra LEFT JOIN to the reliability row), then are re-ranked in Python; a reliable provider
# beyond those candidates is not seen (at 20 results: the nearest 100 locations).
RANK_DISTANCE = "distance"
RANK_RELIABILITY = "reliability"
RANKS = (RANK_DISTANCE, RANK_RELIABILITY)
RERANK_FACTOR = 5
RERANK_MAX = 500
PRIOR_RATE = 0.8
PRIOR_WEIGHT = 5
W_DISTANCE, W_ACCEPTANCE, W_ON_TIME = 0.4, 0.35, 0.25
CLOSED_PENALTY = 0.3

_HISTORY_FIELDS = (
    "provider__reliability__offers",
    "provider__reliability__accepted",
    "provider__reliability__arrivals",
    "provider__reliability__on_time",
)


def bayesian_rate(successes: int, trials: int) -> float:
    """The rate pulled towards the neutral prior: PRIOR_RATE with no trials, the observed rate with many."""
    return (successes + PRIOR_WEIGHT * PRIOR_RATE) / (trials + PRIOR_WEIGHT)


@dataclass(frozen=True)
class ScoreParts:
    proximity: float | None
    acceptance: float
    on_time: float
    open_now: bool | None
    score: float


def reliability_score(
    *,
    distance_km: float | None,
    radius_km: float,
    offers: int = 0,
    accepted: int = 0,
    arrivals: int = 0,
    on_time: int = 0,
    open_now: bool | None = None,
) -> ScoreParts:
    """The documented score above, with its parts (the console shows each)."""
    acceptance = bayesian_rate(accepted, offers)
    punctuality = bayesian_rate(on_time, arrivals)
    if distance_km is None:
        proximity = None
        score = (W_ACCEPTANCE * acceptance + W_ON_TIME * punctuality) / (W_ACCEPTANCE + W_ON_TIME)
    else:
        proximity = max(0.0, 1.0 - distance_km / radius_km) if radius_km > 0 else 0.0
        score = W_DISTANCE * proximity + W_ACCEPTANCE * acceptance + W_ON_TIME * punctuality
    if open_now is False:
        score -= CLOSED_PENALTY
    return ScoreParts(proximity, acceptance, punctuality, open_now, round(score, 6))


def _zone(name: str | None):
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _open_now(hits: list[LocationHit], at: datetime.datetime | None) -> dict[int, bool | None]:
    """Location id → open at ``at`` in its own zone (None: unknown); one query for the candidates."""
    if at is None:
        return {}
    rows = ProviderLocation.objects.filter(pk__in=[hit.id for hit in hits if not hit.is_24h]).values_list(
        "id", "opening_hours", "city__time_zone", "country__time_zone"
    )
    state = {hit.id: True for hit in hits if hit.is_24h}
    for location_id, hours, city_zone, country_zone in rows:
        zone = _zone(city_zone) or _zone(country_zone)
        if zone is None or not hours:
            state[location_id] = None
            continue
        local = at.astimezone(zone)
        state[location_id] = opening_state(hours=hours, is_24h=False, local_time=local).open_now
    return state


def _reliability_ranked(query: LocationQuery, *, use_index: bool) -> list[LocationHit]:
    wide = dataclasses.replace(
        query, rank=RANK_DISTANCE, limit=min(RERANK_MAX, max(query.limit, query.limit * RERANK_FACTOR))
    )
    history: dict[int, tuple] = {}
    hits = _distance_ranked(wide, use_index=use_index, history=history)
    opening = _open_now(hits, query.at)
    scored = []
    for order, hit in enumerate(hits):
        offers, accepted, arrivals, on_time = history.get(hit.provider.id, (0, 0, 0, 0))
        parts = reliability_score(
            distance_km=hit.distance_km,
            radius_km=query.radius_km,
            offers=offers,
            accepted=accepted,
            arrivals=arrivals,
            on_time=on_time,
            open_now=opening.get(hit.id),
        )
        ranked = dataclasses.replace(
            hit,
            acceptance=round(parts.acceptance, 4),
            on_time=round(parts.on_time, 4),
            open_now=parts.open_now,
            score=parts.score,
            history_offers=offers,
        )
        scored.append((-parts.score, order, ranked))  # ties keep the distance order
    scored.sort(key=lambda item: item[:2])
    return [hit for *_, hit in scored[: query.limit]]


# --- opening hours, read in the case's local time ------------------------------------------------------


@dataclass(frozen=True)
class OpeningState:
    """Whether a location serves at a given local time, and today's hours as text."""

    open_now: bool | None  # None: the location has no hours on record
    is_24h: bool
    today: str  # "08:00–18:00, 20:00–23:00", "" when closed all day or unknown


def opening_hours_of(*, location_ids) -> dict[int, dict]:
    """Opening hours per location id (one query; the search's hits do not carry them)."""
    return dict(ProviderLocation.objects.filter(pk__in=list(location_ids)).values_list("id", "opening_hours"))


def opening_state(*, hours: dict | None, is_24h: bool, local_time) -> OpeningState:
    """Open or closed at ``local_time`` (an aware datetime in the place's zone).

    Intervals closing earlier than they open run past midnight, so yesterday's late interval is
    checked too (a pharmacy open 20:00–02:00 is open at 01:00 on the next day).
    """
    if is_24h:
        return OpeningState(open_now=True, is_24h=True, today="00:00–24:00")
    if not hours:
        return OpeningState(open_now=None, is_24h=False, today="")
    day = WEEKDAYS[local_time.weekday()]
    yesterday = WEEKDAYS[(local_time.weekday() - 1) % 7]
    now = local_time.strftime("%H:%M")
    today_intervals = hours.get(day) or []
    is_open = any((start <= now < end) if start < end else (now >= start) for start, end in today_intervals) or any(
        start > end and now < end for start, end in hours.get(yesterday) or []
    )
    return OpeningState(
        open_now=is_open, is_24h=False, today=", ".join(f"{start}–{end}" for start, end in today_intervals)
    )
