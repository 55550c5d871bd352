"""Realistic demo providers at any scale, placed in the imported cities (bulk inserts, no per-row services).

Demo data is not business data: it bypasses the services (and so the audit trail) on purpose, so a
100,000-location network loads in about a minute. Primary keys are assigned here so the rows can be
linked without reading them back (MySQL returns no ids from a bulk insert).
"""

import itertools
import random
from collections.abc import Callable

from django.db import transaction

from apps.core.bulk import next_pk
from apps.masters.models import Assistance, City
from apps.providers import geo
from apps.providers.models import Provider, ProviderLocation, ProviderPaymentMethod, ProviderType
from apps.providers.services import search_index_rebuild

# What each kind of provider typically does, by assistance code (codes missing from the catalog are skipped).
SERVICES_BY_TYPE = {
    ProviderType.HOSPITAL: [
        "MED_EMERGENCY",
        "MED_HOSPITALIZATION",
        "MED_SURGERY",
        "MED_LAB_IMAGING",
        "MED_CONSULTATION",
    ],
    ProviderType.CLINIC: ["MED_CONSULTATION", "MED_LAB_IMAGING", "MED_EMERGENCY"],
    ProviderType.DOCTOR: ["MED_CONSULTATION", "MED_HOME_VISIT", "MED_TELEMEDICINE"],
    ProviderType.DENTIST: ["DENTAL_EMERGENCY"],
    ProviderType.AMBULANCE: ["MED_AMBULANCE", "REPAT_MEDICAL"],
    ProviderType.PHARMACY: ["PHARMACY_PRESCRIPTION", "PHARMACY_DELIVERY"],
    ProviderType.LABORATORY: ["MED_LAB_IMAGING"],
    ProviderType.TOW_TRUCK: ["TOWING", "ROADSIDE_REPAIR", "FUEL_DELIVERY"],
    ProviderType.MECHANIC: ["ROADSIDE_REPAIR"],
    ProviderType.LOCKSMITH: ["LOCKSMITH"],
    ProviderType.LAWYER: ["LEGAL_ADVICE", "BAIL_BOND"],
    ProviderType.INTERPRETER: ["INTERPRETER"],
    ProviderType.FUNERAL_HOME: ["REPAT_FUNERAL"],
    ProviderType.HOTEL: ["CONVALESCENCE_HOTEL"],
}
TYPE_WEIGHTS = {
    ProviderType.DOCTOR: 20,
    ProviderType.CLINIC: 18,
    ProviderType.HOSPITAL: 8,
    ProviderType.PHARMACY: 12,
    ProviderType.DENTIST: 8,
    ProviderType.AMBULANCE: 6,
    ProviderType.LABORATORY: 4,
    ProviderType.TOW_TRUCK: 8,
    ProviderType.MECHANIC: 4,
    ProviderType.LOCKSMITH: 3,
    ProviderType.LAWYER: 4,
    ProviderType.INTERPRETER: 2,
    ProviderType.FUNERAL_HOME: 2,
    ProviderType.HOTEL: 1,
}
NAME_PATTERNS = {
    ProviderType.HOSPITAL: ["Hospital {w}", "Hospital {w} de {city}", "{w} Medical Center"],
    ProviderType.CLINIC: ["Clínica {w}", "Centro Médico {w}", "{w} Clinic {city}"],
    ProviderType.DOCTOR: ["Dr. {surname}", "Dra. {surname}", "Consultorio {surname}"],
    ProviderType.DENTIST: ["Odontología {surname}", "{w} Dental"],
    ProviderType.AMBULANCE: ["Ambulancias {w}", "{w} Emergencias"],
    ProviderType.PHARMACY: ["Farmacia {w}", "Farmacia {surname}", "{w} Pharmacy"],
    ProviderType.LABORATORY: ["Laboratorio {w}", "Diagnóstico {w}"],
    ProviderType.TOW_TRUCK: ["Grúas {w}", "Auxilio {w} {city}"],
    ProviderType.MECHANIC: ["Taller {surname}", "Mecánica {w}"],
    ProviderType.LOCKSMITH: ["Cerrajería {w}", "Cerrajería {surname}"],
    ProviderType.LAWYER: ["Estudio {surname} & Asociados", "{surname} Abogados"],
    ProviderType.INTERPRETER: ["Traducciones {w}", "{w} Interpreters"],
    ProviderType.FUNERAL_HOME: ["Servicios Funerarios {w}"],
    ProviderType.HOTEL: ["Hotel {w} {city}"],
}
WORDS = ["San Rafael", "Central", "del Sol", "Santa María", "Integral", "Express", "Norte", "Sur", "Alemana",
         "Británica", "Americana", "Las Américas", "Los Andes", "Pacífico", "Atlántico", "Internacional", "Rápido",
         "Vida", "Salud Total", "Horizonte", "Metropolitana", "Costa", "Imperial", "Global"]  # fmt: skip
SURNAMES = ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Pérez", "Gómez", "Sánchez",
            "Romero", "Díaz", "Álvarez", "Torres", "Ruiz", "Silva", "Costa", "Müller", "Smith", "Rossi", "Dubois",
            "Schmidt", "Johnson", "Moreau", "Bianchi"]  # fmt: skip
BANKS = ["Banco Santander", "BBVA", "HSBC", "Citibank", "Banco de la Nación", "Itaú", "Bancolombia", "Deutsche Bank",
         "BNP Paribas", "Barclays"]  # fmt: skip
LANGUAGES = ["es", "en", "pt", "fr", "de", "it"]
ROUND_THE_CLOCK = {ProviderType.HOSPITAL, ProviderType.AMBULANCE}
STREETS = ["Av.", "Calle", "Rua", "Street", "Boulevard"]


def _jitter(rng: random.Random, value: float, spread: float, low: float, high: float) -> float:
    return max(low, min(high, value + rng.uniform(-spread, spread)))


def _opening_hours(rng: random.Random) -> dict:
    weekday = [["08:00", "20:00"]] if rng.random() < 0.7 else [["09:00", "13:00"], ["15:00", "19:00"]]
    hours = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), weekday)
    hours["sat"] = [["09:00", "13:00"]] if rng.random() < 0.6 else []
    hours["sun"] = []
    return hours


def generate_providers(
    *,
    providers: int,
    locations: int,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
    rng: random.Random | None = None,
) -> tuple[int, int, int]:
    """Create ``providers`` providers with ``locations`` locations in total (at least one each).

    Locations are placed around the imported cities, weighted by population, within ~10 km of the
    centre. Returns (providers, locations, payment methods) created.
    """
    rng = rng or random.Random(20261127)  # noqa: S311 - demo data, not security  # nosec B311
    cities = list(
        City.objects.filter(is_active=True).values_list(
            "id", "country_id", "name", "latitude", "longitude", "population"
        )
    )
    if not cities:
        raise ValueError("No cities: run `manage.py import_geo` first.")
    locations = max(locations, providers)
    # Cumulative weights once: rng.choices would otherwise re-add 34,000 weights on every call.
    cum_weights = list(itertools.accumulate(max(population, 1000) ** 0.7 for *_, population in cities))
    assistance_ids = dict(Assistance.objects.values_list("code", "id"))
    types = list(TYPE_WEIGHTS)
    type_weights = list(itertools.accumulate(TYPE_WEIGHTS.values()))
    through = Provider.assistances.through

    # Spread the extra locations: a third go to a few chains (the first 1% of providers), the rest anywhere.
    extra = [0] * providers
    chains = max(1, providers // 100)
    for _ in range(locations - providers):
        extra[rng.randrange(chains) if rng.random() < 0.3 else rng.randrange(providers)] += 1

    created = [0, 0, 0]
    provider_pk = next_pk(Provider)
    location_pk = next_pk(ProviderLocation)
    method_pk = next_pk(ProviderPaymentMethod)
    for start in range(0, providers, batch_size):
        count = min(batch_size, providers - start)
        batch_providers, batch_serves, batch_locations, batch_methods = [], [], [], []
        for offset in range(count):
            index = start + offset
            city_id, country_id, city_name, lat, lng, _pop = rng.choices(cities, cum_weights=cum_weights)[0]
            provider_type = rng.choices(types, cum_weights=type_weights)[0]
            name = rng.choice(NAME_PATTERNS[provider_type]).format(
                w=rng.choice(WORDS), surname=rng.choice(SURNAMES), city=city_name
            )
            pk = provider_pk + index
            batch_providers.append(
                Provider(
                    pk=pk,
                    legal_name=f"{name} S.A.",
                    display_name=name,
                    tax_id=f"DEMO-{pk:09d}",
                    country_id=country_id,
                    provider_type=provider_type,
                    email=f"contacto{pk}@proveedores.example",
                    phone=f"+{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(1000000, 9999999)}",
                    languages=sorted(set(rng.sample(LANGUAGES, rng.randint(1, 3)))),
                    rating=round(rng.triangular(2.5, 5.0, 4.3), 2),
                    is_active=rng.random() < 0.95,
                )
            )
            for code in SERVICES_BY_TYPE.get(provider_type, []):
                if code in assistance_ids:
                    batch_serves.append(through(provider_id=pk, assistance_id=assistance_ids[code]))
            for n in range(1 + extra[index]):
                if n == 0:
                    loc_city = (city_id, country_id, city_name, lat, lng)
                else:
                    loc_city = rng.choices(cities, cum_weights=cum_weights)[0][:5]
                l_city_id, l_country_id, l_city_name, l_lat, l_lng = loc_city
                latitude = _jitter(rng, float(l_lat), 0.09, -90, 90)
                longitude = _jitter(rng, float(l_lng), 0.09, -180, 180)
                batch_locations.append(
                    ProviderLocation(
                        pk=location_pk,
                        provider_id=pk,
                        name=f"{name} · {l_city_name}" if n else name,
                        address=f"{rng.choice(STREETS)} {rng.choice(SURNAMES)} {rng.randint(1, 3000)}",
                        country_id=l_country_id,
                        city_id=l_city_id,
                        latitude=latitude,
                        longitude=longitude,
                        geo_cell=geo.cell_of(latitude, longitude),
                        service_radius_km=rng.choice([10, 15, 25, 25, 50, 100]),
                        is_24h=provider_type in ROUND_THE_CLOCK or rng.random() < 0.15,
                        opening_hours=_opening_hours(rng),
                        is_active=rng.random() < 0.97,
                    )
                )
                location_pk += 1
            batch_methods.append(
                ProviderPaymentMethod(
                    pk=method_pk,
                    provider_id=pk,
                    kind="bank_transfer",
                    bank_name=rng.choice(BANKS),
                    holder_name=f"{name} S.A.",
                    account_number=f"XX{rng.randint(10, 99)}{rng.randint(10**17, 10**18 - 1)}",
                    swift_bic="DEMOXXXX",
                    currency=rng.choice(["USD", "EUR", "USD", "ARS", "BRL", "MXN", "COP"]),
                    is_default=True,
                )
            )
            method_pk += 1
        with transaction.atomic():
            Provider.objects.bulk_create(batch_providers)
            through.objects.bulk_create(batch_serves)
            ProviderLocation.objects.bulk_create(batch_locations, batch_size=batch_size)
            ProviderPaymentMethod.objects.bulk_create(batch_methods)
            search_index_rebuild(provider_ids=[provider.pk for provider in batch_providers])
        created[0] += len(batch_providers)
        created[1] += len(batch_locations)
        created[2] += len(batch_methods)
        if progress:
            progress(len(batch_providers) + len(batch_locations))
    return created[0], created[1], created[2]
