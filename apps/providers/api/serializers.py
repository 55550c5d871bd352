import math

from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from apps.core.serializers import CurrencyCodeField, StrictFieldsMixin
from apps.core.validators import WEBSITE_PATTERN
from apps.masters.api.fields import AssistanceField, CategoryField, CountryField, city_in
from apps.masters.models import City
from apps.providers import geo
from apps.providers.api import examples
from apps.providers.models import WEEKDAYS, Provider, ProviderLocation, ProviderPaymentMethod, ProviderType, mask
from apps.providers.selectors import RANK_DISTANCE, RANK_RELIABILITY, RANKS, LocationQuery
from apps.providers.services import HOUR_PATTERN

_TIMESTAMPS = ["created_at", "updated_at"]


@extend_schema_serializer(examples=examples.PROVIDER_EXAMPLES)
class ProviderSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    country = CountryField()
    languages = serializers.ListField(
        child=serializers.RegexField(r"^[a-z]{2}$", max_length=2),
        required=False,
        help_text="ISO 639-1 codes, e.g. es, en (stored sorted, without repeats).",
    )
    assistances = AssistanceField(many=True, required=False)
    location_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Provider
        fields = [
            "id",
            "display_name",
            "legal_name",
            "tax_id",
            "country",
            "provider_type",
            "assistances",
            "email",
            "gop_email",
            "phone",
            "website",
            "languages",
            "rating",
            "is_active",
            "location_count",
            *_TIMESTAMPS,
        ]
        read_only_fields = ["id", "location_count", *_TIMESTAMPS]
        # The service's rule (apps.core.validators), here so that the schema states it as a pattern.
        extra_kwargs = {"website": {"validators": [RegexValidator(WEBSITE_PATTERN)]}}


def map_url(latitude: float, longitude: float) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={latitude:.6f}&mlon={longitude:.6f}#map=16/{latitude:.6f}/{longitude:.6f}"
    )


class CityRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


_INTERVAL = {
    "type": "array",
    "items": {"type": "string", "pattern": HOUR_PATTERN},
    "minItems": 2,
    "maxItems": 2,
    "description": "Opening and closing time, HH:MM (24 h); a closing time before the opening one runs past midnight.",
}


@extend_schema_field(
    {
        "type": "object",
        "properties": {day: {"type": "array", "items": _INTERVAL} for day in WEEKDAYS},
        "additionalProperties": False,
        "description": 'Per weekday, the intervals open, e.g. {"mon": [["08:00", "18:00"]], "sat": []}.',
    }
)
class OpeningHoursField(serializers.JSONField):
    """Opening hours per weekday, documented with the shape ``providers.services.location_validate`` checks."""


@extend_schema_serializer(examples=examples.LOCATION_EXAMPLES)
class ProviderLocationSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A provider's location. ``city`` is written as the city's code (within ``country``)."""

    opening_hours = OpeningHoursField(required=False)

    country = CountryField()
    city = serializers.CharField(
        required=False, allow_null=True, max_length=20, help_text=_("City code (see the countries catalog).")
    )
    city_name = serializers.CharField(source="city.name", read_only=True, default=None)
    map_url = serializers.SerializerMethodField()

    class Meta:
        model = ProviderLocation
        fields = [
            "id",
            "provider",
            "name",
            "address",
            "country",
            "city",
            "city_name",
            "latitude",
            "longitude",
            "service_radius_km",
            "is_24h",
            "opening_hours",
            "phone",
            "is_active",
            "map_url",
            *_TIMESTAMPS,
        ]
        read_only_fields = ["id", "provider", "map_url", *_TIMESTAMPS]

    def get_map_url(self, obj) -> str:
        return map_url(obj.latitude, obj.longitude)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["city"] = instance.city.code if instance.city_id else None
        return data

    def validate(self, attrs):
        if "city" in attrs:
            code = attrs["city"]
            if code in (None, ""):
                attrs["city"] = None
            else:
                country = attrs.get("country") or getattr(self.instance, "country", None)
                attrs["city"] = city_in(country, code)
        return attrs


@extend_schema_serializer(examples=examples.PAYMENT_METHOD_EXAMPLES)
class PaymentMethodSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """Bank data is masked unless the caller holds providers.reveal_bank_data."""

    currency = CurrencyCodeField(max_length=3)
    masked = serializers.BooleanField(
        read_only=True, default=True, help_text="Whether account_number is masked for this caller."
    )

    class Meta:
        model = ProviderPaymentMethod
        fields = [
            "id",
            "provider",
            "kind",
            "bank_name",
            "holder_name",
            "account_number",
            "swift_bic",
            "currency",
            "is_default",
            "is_active",
            "masked",
            *_TIMESTAMPS,
        ]
        read_only_fields = ["id", "provider", "masked", *_TIMESTAMPS]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not request.user.has_perm("providers.reveal_bank_data"):
            data["account_number"] = mask(data["account_number"])
            data["masked"] = True
        else:
            data["masked"] = False
        return data


class LocationSearchParams(serializers.Serializer):
    """Query parameters of the provider searches."""

    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lng = serializers.FloatField(required=False, min_value=-180, max_value=180)
    radius_km = serializers.FloatField(required=False, default=50, min_value=0.1, max_value=geo.MAX_RADIUS_KM)
    assistance = AssistanceField(required=False)
    category = CategoryField(required=False)
    country = CountryField(required=False)
    city = serializers.CharField(required=False, max_length=20, help_text=_("City code (see the countries catalog)."))
    type = serializers.ChoiceField(choices=ProviderType.choices, required=False)
    q = serializers.CharField(required=False, max_length=100, help_text=_("Provider name contains."))
    limit = serializers.IntegerField(required=False, default=20, min_value=1, max_value=100)
    rank = serializers.ChoiceField(
        choices=RANKS,
        required=False,
        default=RANK_DISTANCE,
        help_text=_(
            "distance: nearest first, then best rated. reliability: a score of proximity within the radius"
            " (40 %), acceptance rate (35 %) and on-time arrivals (25 %) over the last 90 days, with a"
            " neutral prior of 0.8 for providers with little history, minus 0.3 when closed now."
        ),
    )

    # The general search must be anchored somewhere; one provider's search need not be.
    require_area = True

    def validate(self, attrs):
        for name in ("lat", "lng", "radius_km"):
            if name in attrs and not math.isfinite(attrs[name]):
                raise serializers.ValidationError({name: [_("Must be a finite number.")]})
        if ("lat" in attrs) != ("lng" in attrs):
            missing = "lng" if "lat" in attrs else "lat"
            raise serializers.ValidationError({missing: [_("lat and lng go together.")]}, code="required_together")
        if "city" in attrs:
            cities = City.objects.filter(code=attrs["city"])
            if "country" in attrs:
                cities = cities.filter(country=attrs["country"])
            city = cities.select_related("country").first()
            if city is None:
                raise serializers.ValidationError({"city": [_("Unknown city code.")]}, code="does_not_exist")
            attrs["city"] = city
        if self.require_area and not ({"lat", "city", "country"} & attrs.keys()):
            raise serializers.ValidationError(
                {"lat": [_("Give a point (lat, lng), a city or a country to search around.")]},
                code="search_point_required",
            )
        return attrs

    def to_query(self, **extra) -> LocationQuery:
        data = self.validated_data
        return LocationQuery(
            lat=data.get("lat"),
            lng=data.get("lng"),
            radius_km=data["radius_km"],
            assistance=data.get("assistance"),
            category=data.get("category"),
            country=data.get("country"),
            city=data.get("city"),
            provider_type=data.get("type"),
            text=data.get("q"),
            limit=data["limit"],
            rank=data["rank"],
            at=timezone.now() if data["rank"] == RANK_RELIABILITY else None,
            **extra,
        )


class ProviderLocationSearchParams(LocationSearchParams):
    require_area = False


class SearchProviderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    provider_type = serializers.CharField()
    rating = serializers.DecimalField(max_digits=3, decimal_places=2)
    phone = serializers.CharField()
    email = serializers.CharField()


class RankingSerializer(serializers.Serializer):
    score = serializers.FloatField()
    acceptance = serializers.FloatField(help_text=_("Acceptance rate with the neutral prior."))
    on_time = serializers.FloatField(help_text=_("On-time arrival share with the neutral prior."))
    open_now = serializers.BooleanField(allow_null=True, help_text=_("Null: no opening hours on record."))
    offers_90_days = serializers.IntegerField()


class LocationHitSerializer(serializers.Serializer):
    """One search result: the location, its provider, and how far it is."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    country = serializers.CharField()
    city = CityRefSerializer(allow_null=True)
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    service_radius_km = serializers.IntegerField()
    is_24h = serializers.BooleanField()
    phone = serializers.CharField()
    provider = SearchProviderSerializer()
    distance_km = serializers.SerializerMethodField()
    within_service_area = serializers.BooleanField(allow_null=True)
    map_url = serializers.SerializerMethodField()
    ranking = serializers.SerializerMethodField(
        help_text=_("The reliability score and its parts (rank=reliability); null when ranked by distance.")
    )

    def get_distance_km(self, obj) -> float | None:
        return None if obj.distance_km is None else round(obj.distance_km, 3)

    def get_map_url(self, obj) -> str:
        return map_url(obj.latitude, obj.longitude)

    @extend_schema_field(RankingSerializer(allow_null=True))
    def get_ranking(self, obj) -> dict | None:
        if obj.score is None:
            return None
        return {
            "score": obj.score,
            "acceptance": obj.acceptance,
            "on_time": obj.on_time,
            "open_now": obj.open_now,
            "offers_90_days": obj.history_offers,
        }


@extend_schema_serializer(examples=examples.SEARCH_EXAMPLES)
class LocationSearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = LocationHitSerializer(many=True)
