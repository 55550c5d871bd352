"""OpenAPI examples of the provider network: a clinic in Madrid, its emergency ward and how it is paid.
It is the clinic case BT-2026-0001042 is assigned to (``apps.assistances.api.examples``)."""

from drf_spectacular.utils import OpenApiExample

from apps.core.examples import exchange, update_exchange

PROVIDER_REQUEST = {
    "display_name": "Clínica Castellana Urgencias",
    "legal_name": "Clínica Castellana S.L.",
    "tax_id": "B87654321",
    "country": "ES",
    "provider_type": "clinic",
    "assistances": ["MED_CONSULTATION", "MED_EMERGENCY", "MED_LAB_IMAGING"],
    "email": "urgencias@clinicacastellana.example",
    "gop_email": "admisiones@clinicacastellana.example",
    "phone": "+34 915 550 123",
    "website": "https://www.clinicacastellana.example",
    "languages": ["es", "en"],
    "rating": "4.60",
    "is_active": True,
}

PROVIDER = {
    "id": 318,
    **PROVIDER_REQUEST,
    "languages": ["en", "es"],  # stored sorted
    "location_count": 1,
    "created_at": "2025-11-03T15:02:11.734120-03:00",
    "updated_at": "2026-01-12T10:48:55.090317-03:00",
}

PROVIDER_UPDATE_REQUEST = {"phone": "+34 915 550 124", "rating": "4.70"}

HOURS = {
    "mon": [["08:00", "22:00"]],
    "tue": [["08:00", "22:00"]],
    "wed": [["08:00", "22:00"]],
    "thu": [["08:00", "22:00"]],
    "fri": [["08:00", "22:00"]],
    "sat": [["09:00", "14:00"]],
    "sun": [],
}

LATITUDE, LONGITUDE = 40.4213, -3.6829

LOCATION_REQUEST = {
    "name": "Urgencias Retiro",
    "address": "Calle de Alcalá 117, 28009 Madrid",
    "country": "ES",
    "city": "3117735",
    "latitude": LATITUDE,
    "longitude": LONGITUDE,
    "service_radius_km": 25,
    "is_24h": False,
    "opening_hours": HOURS,
    "phone": "+34 915 550 123",
    "is_active": True,
}

LOCATION = {
    "id": 527,
    "provider": 318,
    "name": LOCATION_REQUEST["name"],
    "address": LOCATION_REQUEST["address"],
    "country": "ES",
    "city": "3117735",
    "city_name": "Madrid",
    "latitude": LATITUDE,
    "longitude": LONGITUDE,
    "service_radius_km": 25,
    "is_24h": False,
    "opening_hours": HOURS,
    "phone": "+34 915 550 123",
    "is_active": True,
    "map_url": "https://www.openstreetmap.org/?mlat=40.421300&mlon=-3.682900#map=16/40.421300/-3.682900",
    "created_at": "2025-11-03T15:06:40.218553-03:00",
    "updated_at": "2025-11-03T15:06:40.218590-03:00",
}

LOCATION_UPDATE_REQUEST = {"opening_hours": {**HOURS, "sun": [["10:00", "14:00"]]}}

PAYMENT_METHOD_REQUEST = {
    "kind": "bank_transfer",
    "bank_name": "Banco Santander",
    "holder_name": "Clínica Castellana S.L.",
    "account_number": "ES9121000418450200051332",
    "swift_bic": "BSCHESMMXXX",
    "currency": "EUR",
    "is_default": True,
    "is_active": True,
}

PAYMENT_METHOD = {
    "id": 96,
    "provider": 318,
    **PAYMENT_METHOD_REQUEST,
    # Partners and operators without providers.reveal_bank_data read the last four digits only.
    "account_number": "••••••••••••••••••••1332",
    "masked": True,
    "created_at": "2025-11-03T15:09:12.661904-03:00",
    "updated_at": "2025-11-03T15:09:12.661937-03:00",
}

# The search SEARCH_RESULTS answers: emergency care around the traveller's hotel in Madrid.
SEARCH_PARAMETERS = {"lat": 40.4203, "lng": -3.7058, "radius_km": 25, "assistance": "MED_EMERGENCY"}

SEARCH_RESULTS = {
    "count": 1,
    "results": [
        {
            "id": 527,
            "name": LOCATION["name"],
            "address": LOCATION["address"],
            "country": "ES",
            "city": {"code": "3117735", "name": "Madrid"},
            "latitude": LATITUDE,
            "longitude": LONGITUDE,
            "service_radius_km": 25,
            "is_24h": False,
            "phone": "+34 915 550 123",
            "provider": {
                "id": 318,
                "display_name": PROVIDER["display_name"],
                "provider_type": "clinic",
                "rating": "4.60",
                "phone": PROVIDER["phone"],
                "email": PROVIDER["email"],
            },
            # From the point searched around (SEARCH_PARAMETERS).
            "distance_km": 1.942,
            "within_service_area": True,
            "map_url": LOCATION["map_url"],
            # Ranked by distance (the default): no score.
            "ranking": None,
        }
    ],
}

PROVIDER_EXAMPLES = exchange("A clinic", PROVIDER_REQUEST, "A clinic of the network", PROVIDER)
PROVIDER_CREATE_EXAMPLES = [
    PROVIDER_EXAMPLES[0],
    OpenApiExample(
        "The clinic added",
        value={**PROVIDER, "location_count": 0, "updated_at": PROVIDER["created_at"]},
        response_only=True,
    ),
]
PROVIDER_UPDATE_EXAMPLES = update_exchange(
    "A new phone number and rating",
    PROVIDER_UPDATE_REQUEST,
    "The clinic updated",
    PROVIDER,
    updated_at="2026-03-02T12:15:08.340776-03:00",
)
LOCATION_EXAMPLES = exchange("An emergency ward", LOCATION_REQUEST, "The emergency ward", LOCATION)
LOCATION_UPDATE_EXAMPLES = update_exchange(
    "Open on Sunday mornings too",
    LOCATION_UPDATE_REQUEST,
    "The emergency ward updated",
    LOCATION,
    updated_at="2026-02-20T17:03:29.125884-03:00",
)
PAYMENT_METHOD_EXAMPLES = exchange("A bank account", PAYMENT_METHOD_REQUEST, "A masked bank account", PAYMENT_METHOD)
PAYMENT_METHOD_UPDATE_EXAMPLES = update_exchange(
    "No longer the default",
    {"is_default": False},
    "The bank account updated",
    PAYMENT_METHOD,
    updated_at="2026-02-10T09:31:44.902651-03:00",
)
# The same search with ``rank=reliability``: the score and its parts (selectors.reliability_score).
SEARCH_RESULTS_RELIABILITY = {
    "count": 1,
    "results": [
        {
            **SEARCH_RESULTS["results"][0],
            "ranking": {
                "score": 0.854424,
                "acceptance": 0.92,
                "on_time": 0.9167,
                "open_now": True,
                "offers_90_days": 20,
            },
        }
    ],
}

SEARCH_EXAMPLES = [
    OpenApiExample("A clinic near the traveller", value=SEARCH_RESULTS, response_only=True),
    OpenApiExample("Ranked by reliability (rank=reliability)", value=SEARCH_RESULTS_RELIABILITY, response_only=True),
]
