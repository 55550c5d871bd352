"""Adjustment reasons (modelled on X12 claim-adjustment reason codes) and initial reserves per
assistance type for every source (operators change both in the admin; only missing rows are created)."""

from decimal import Decimal

from django.db import migrations

# code, Spanish, English, X12 CARC
REASONS = [
    ("DUPLICATE", "Cargo duplicado", "Duplicate charge", "18"),
    ("ABOVE_AGREED", "Supera el precio acordado", "Exceeds the agreed price", "45"),
    ("BUNDLED", "Incluido en otro servicio", "Bundled into another service", "97"),
    ("NOT_COVERED", "No cubierto", "Not covered", "96"),
    ("NEGOTIATED", "Descuento negociado", "Negotiated discount", "131"),
    ("BENEFIT_MAX", "Límite del beneficio alcanzado", "Benefit maximum reached", "119"),
    ("NOT_AUTHORISED", "Sin autorización previa", "Not authorised in advance", "197"),
    ("DOCUMENTATION", "Falta documentación", "Documentation missing", "16"),
]

# assistance code → initial reserve (USD) for every source.
RESERVES = {
    "MED_CONSULTATION": "150",
    "MED_HOME_VISIT": "250",
    "MED_TELEMEDICINE": "60",
    "MED_EMERGENCY": "1500",
    "MED_HOSPITALIZATION": "8000",
    "MED_SURGERY": "15000",
    "MED_AMBULANCE": "600",
    "MED_LAB_IMAGING": "400",
    "DENTAL_EMERGENCY": "300",
    "REPAT_MEDICAL": "25000",
    "REPAT_FUNERAL": "12000",
    "TOWING": "250",
    "ROADSIDE_REPAIR": "150",
}


def seed(apps, schema_editor):
    reason_model = apps.get_model("claims", "AdjustmentReason")
    for order, (code, name_es, name_en, x12) in enumerate(REASONS, start=1):
        reason_model.objects.get_or_create(
            code=code, defaults={"name_es": name_es, "name_en": name_en, "x12_code": x12, "sort_order": order * 10}
        )
    assistance_model = apps.get_model("masters", "Assistance")
    estimate_model = apps.get_model("claims", "ReserveEstimate")
    for assistance in assistance_model.objects.filter(code__in=RESERVES):
        estimate_model.objects.get_or_create(
            source_code="",
            assistance=assistance,
            defaults={"amount": Decimal(RESERVES[assistance.code]), "currency": "USD"},
        )


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial"), ("masters", "0009_seed_bill_statuses")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
