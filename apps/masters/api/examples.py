"""OpenAPI examples of the catalogs: rows exactly as a freshly migrated database (migration 0002) and the
packaged GeoNames data (``manage.py import_geo``) answer them, in English (``Accept-Language: en``)."""

from drf_spectacular.utils import OpenApiExample

PHARMACY = {
    "code": "PHARMACY",
    "name": "Pharmacy",
    "name_es": "Farmacia",
    "name_en": "Pharmacy",
    "description": "",
    "sort_order": 30,
    "is_active": True,
    "assistances": [
        {
            "code": "PHARMACY_PRESCRIPTION",
            "name": "Prescribed medicines",
            "name_es": "Medicamentos recetados",
            "name_en": "Prescribed medicines",
            "description": "",
            "default_sla_minutes": 180,
            "requires_provider": True,
            "sort_order": 10,
            "is_active": True,
        },
        {
            "code": "PHARMACY_DELIVERY",
            "name": "Medicine delivery",
            "name_es": "Envío de medicamentos",
            "name_en": "Medicine delivery",
            "description": "",
            "default_sla_minutes": 240,
            "requires_provider": True,
            "sort_order": 20,
            "is_active": True,
        },
    ],
}

CASE_STATUS = {
    "code": "IN_PROGRESS",
    "name": "In progress",
    "name_es": "En gestión",
    "name_en": "In progress",
    "description": "",
    "is_initial": False,
    "is_final": False,
    "next_statuses": ["ON_HOLD", "MONITORING", "RESOLVED", "CANCELLED"],
    "sort_order": 20,
    "is_active": True,
}

CASE_PROVIDER_STATUS = {
    "code": "ASSIGNED",
    "name": "Assigned",
    "name_es": "Asignado",
    "name_en": "Assigned",
    "description": "",
    "is_initial": True,
    "is_final": False,
    "next_statuses": ["EN_ROUTE", "STARTED", "CANCELLED"],
    "sort_order": 10,
    "is_active": True,
}

VOUCHER_STATUS = {
    "code": "ACTIVE",
    "name": "Active",
    "name_es": "Vigente",
    "name_en": "Active",
    "description": "",
    "is_initial": True,
    "is_final": False,
    "next_statuses": ["SUSPENDED", "EXPIRED", "CANCELLED"],
    "sort_order": 20,
    "is_active": True,
}

SPAIN = {
    "iso2": "ES",
    "iso3": "ESP",
    "numeric_code": "724",
    "name": "Spain",
    "name_es": "España",
    "name_en": "Spain",
    "continent": "EU",
    "capital": "Madrid",
    "currency_code": "EUR",
    "phone_prefix": "34",
    "latitude": 40.4165,
    "longitude": -3.70256,
    "time_zone": "Europe/Madrid",
    "is_active": True,
}

MADRID = {
    "code": "3117735",
    "name": "Madrid",
    "country": "ES",
    "admin1_code": "29",
    "latitude": 40.4165,
    "longitude": -3.70256,
    "time_zone": "Europe/Madrid",
    "population": 3255944,
    "is_active": True,
}

CATEGORY_EXAMPLES = [OpenApiExample("The pharmacy category", value=PHARMACY, response_only=True)]
COUNTRY_EXAMPLES = [OpenApiExample("Spain", value=SPAIN, response_only=True)]
CITY_EXAMPLES = [OpenApiExample("Madrid", value=MADRID, response_only=True)]
# One serializer serves the three status machines: each view shows a status of its own machine.
CASE_STATUS_EXAMPLES = [OpenApiExample("A case in progress", value=CASE_STATUS, response_only=True)]
CASE_PROVIDER_STATUS_EXAMPLES = [
    OpenApiExample("A provider assigned to a case", value=CASE_PROVIDER_STATUS, response_only=True)
]
VOUCHER_STATUS_EXAMPLES = [OpenApiExample("An active voucher", value=VOUCHER_STATUS, response_only=True)]
