from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from apps.masters.api.examples import CATEGORY_EXAMPLES, CITY_EXAMPLES, COUNTRY_EXAMPLES
from apps.masters.models import Assistance, Category, City, Country, EventStatus

_NAME_FIELDS = ["code", "name", "name_es", "name_en", "description"]


class AssistanceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="Name in the request's language (Accept-Language).")

    class Meta:
        model = Assistance
        fields = [*_NAME_FIELDS, "default_sla_minutes", "requires_provider", "sort_order", "is_active"]
        read_only_fields = fields


@extend_schema_serializer(examples=CATEGORY_EXAMPLES)
class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="Name in the request's language (Accept-Language).")
    assistances = AssistanceSerializer(many=True, read_only=True)

    class Meta:
        model = Category
        fields = [*_NAME_FIELDS, "sort_order", "is_active", "assistances"]
        read_only_fields = fields


class StatusSerializer(serializers.ModelSerializer):
    """One status of a machine and the codes it may move to."""

    name = serializers.CharField(read_only=True, help_text="Name in the request's language (Accept-Language).")
    next_statuses = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = EventStatus  # the three status models share these fields
        fields = [*_NAME_FIELDS, "is_initial", "is_final", "next_statuses", "sort_order", "is_active"]
        read_only_fields = fields


@extend_schema_serializer(examples=COUNTRY_EXAMPLES)
class CountrySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="Name in the request's language (Accept-Language).")
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Country
        fields = [
            "iso2",
            "iso3",
            "numeric_code",
            "name",
            "name_es",
            "name_en",
            "continent",
            "capital",
            "currency_code",
            "phone_prefix",
            "latitude",
            "longitude",
            "time_zone",
            "is_active",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=CITY_EXAMPLES)
class CitySerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.iso2", read_only=True)
    latitude = serializers.FloatField(read_only=True)
    longitude = serializers.FloatField(read_only=True)

    class Meta:
        model = City
        fields = [
            "code",
            "name",
            "country",
            "admin1_code",
            "latitude",
            "longitude",
            "time_zone",
            "population",
            "is_active",
        ]
        read_only_fields = fields
