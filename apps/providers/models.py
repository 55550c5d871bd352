"""The provider network: who can help a traveller, where, and how they are paid."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel
from apps.core.visibility import OpenQuerySet, OperatorsOnlyQuerySet
from apps.providers import geo

# Opening hours are kept per weekday under these keys (Monday first, as Python counts them).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ProviderType(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    CLINIC = "clinic", _("Clinic")
    DOCTOR = "doctor", _("Doctor")
    DENTIST = "dentist", _("Dentist")
    AMBULANCE = "ambulance", _("Ambulance")
    PHARMACY = "pharmacy", _("Pharmacy")
    LABORATORY = "laboratory", _("Laboratory")
    TOW_TRUCK = "tow_truck", _("Tow truck")
    MECHANIC = "mechanic", _("Mechanic")
    LOCKSMITH = "locksmith", _("Locksmith")
    LAWYER = "lawyer", _("Lawyer")
    INTERPRETER = "interpreter", _("Interpreter")
    FUNERAL_HOME = "funeral_home", _("Funeral home")
    HOTEL = "hotel", _("Hotel")
    TRANSPORT = "transport", _("Transport")
    OTHER = "other", _("Other")


class Provider(BaseModel):
    """A company or professional that renders assistance services to travellers."""

    legal_name = models.CharField(_("legal name"), max_length=200)
    display_name = models.CharField(_("display name"), max_length=200, db_index=True)
    tax_id = models.CharField(_("tax id"), max_length=40)
    country = models.ForeignKey(
        "masters.Country", verbose_name=_("country"), on_delete=models.PROTECT, related_name="providers"
    )
    provider_type = models.CharField(_("type"), max_length=20, choices=ProviderType.choices, db_index=True)
    assistances = models.ManyToManyField(
        "masters.Assistance", verbose_name=_("assistance types served"), related_name="providers", blank=True
    )
    email = models.EmailField(_("e-mail"), blank=True)
    # Guarantee-of-payment letters go here (a hospital's admissions or billing desk); the general e-mail otherwise.
    gop_email = models.EmailField(_("e-mail for guarantees of payment"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True, help_text=_("ISO 639-1 codes, e.g. es, en."))
    rating = models.DecimalField(
        _("rating"),
        max_digits=3,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("internal notes"), blank=True)

    objects = OpenQuerySet.as_manager()

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["display_name", "id"]
        constraints = [models.UniqueConstraint(fields=["country", "tax_id"], name="provider_country_tax_id_uniq")]
        permissions = [("reveal_bank_data", _("Can see providers' bank data unmasked"))]

    def __str__(self) -> str:
        return self.display_name


class ProviderLocation(BaseModel):
    """A place where a provider renders service, with the radius it covers from there.

    ``geo_cell`` is derived from the coordinates on every save; the nearest-location search
    narrows candidates with it through an index before computing exact distances.
    """

    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=255)
    country = models.ForeignKey(
        "masters.Country", verbose_name=_("country"), on_delete=models.PROTECT, related_name="provider_locations"
    )
    city = models.ForeignKey(
        "masters.City",
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="provider_locations",
        null=True,
        blank=True,
    )
    latitude = models.FloatField(_("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(_("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    geo_cell = models.PositiveIntegerField(_("geo cell"), editable=False, default=0)
    service_radius_km = models.PositiveIntegerField(
        _("service radius (km)"), default=25, validators=[MinValueValidator(1), MaxValueValidator(2000)]
    )
    is_24h = models.BooleanField(_("open 24 hours"), default=False)
    opening_hours = models.JSONField(
        _("opening hours"),
        default=dict,
        blank=True,
        help_text=_('Per weekday, e.g. {"mon": [["08:00", "18:00"]], "sat": []}.'),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OpenQuerySet.as_manager()

    class Meta:
        verbose_name = _("provider location")
        verbose_name_plural = _("provider locations")
        ordering = ["provider_id", "id"]
        indexes = [
            # The geo search: a range of cells per latitude row, active rows only, then the provider join.
            models.Index(fields=["geo_cell", "is_active", "provider"], name="location_geo_idx"),
            models.Index(fields=["city", "is_active"], name="location_city_idx"),
            models.Index(fields=["country", "is_active"], name="location_country_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.address

    def save(self, *args, **kwargs):
        self.geo_cell = geo.cell_of(self.latitude, self.longitude)
        super().save(*args, **kwargs)


class PaymentMethodKind(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CARD = "card", _("Card")
    CASH = "cash", _("Cash")
    ONLINE = "online", _("Online payment")


class ProviderPaymentMethod(BaseModel):
    """How a provider is paid. Account data is sensitive: masked on output unless the viewer may see it."""

    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="payment_methods"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PaymentMethodKind.choices)
    bank_name = models.CharField(_("bank"), max_length=150, blank=True)
    holder_name = models.CharField(_("account holder"), max_length=200, blank=True)
    account_number = models.CharField(_("account number / IBAN"), max_length=64, blank=True)
    swift_bic = models.CharField(_("SWIFT/BIC"), max_length=11, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OpenQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")
        ordering = ["provider_id", "-is_default", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {mask(self.account_number)}".strip()


def mask(value: str, visible: int = 4) -> str:
    """'ES9121000418450200051332' → '••••••••••••••••••••1332'. Short values are hidden entirely."""
    if not value:
        return ""
    if len(value) <= visible + 2:
        return "•" * len(value)
    return "•" * (len(value) - visible) + value[-visible:]


class LocationService(models.Model):
    """Search index: one row per (active location of an active provider, assistance it serves).

    Derived data, rebuilt by the providers' services whenever a provider, its assistances or a
    location change (``search_index_rebuild``). The nearest search for an assistance reads only
    this table's index: the cell ranges within one assistance, with the coordinates in the index,
    so candidates are never joined before they are ranked.
    """

    assistance = models.ForeignKey("masters.Assistance", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(ProviderLocation, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    geo_cell = models.PositiveIntegerField()
    latitude = models.FloatField()
    longitude = models.FloatField()
    provider_rating = models.DecimalField(max_digits=3, decimal_places=2)

    objects = OpenQuerySet.as_manager()

    class Meta:
        verbose_name = _("location search index entry")
        verbose_name_plural = _("location search index")
        constraints = [models.UniqueConstraint(fields=["assistance", "location"], name="location_service_uniq")]
        indexes = [
            models.Index(
                fields=["assistance", "geo_cell", "latitude", "longitude", "provider_rating"],
                name="location_service_geo_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.assistance_id}@{self.location_id}"


class ProviderReliability(models.Model):
    """How a provider answered its offers over the last 90 days, for ranking the search.

    Written by the dispatch's periodic job (``apps.assistances``) from the assignments' timestamps, so the
    search joins one row instead of scanning them; a provider without a row has no history (neutral).
    """

    provider = models.OneToOneField(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="reliability"
    )
    offers = models.PositiveIntegerField(_("offers (90 days)"), default=0)
    accepted = models.PositiveIntegerField(_("accepted (90 days)"), default=0)
    arrivals = models.PositiveIntegerField(_("arrivals with a promised time (90 days)"), default=0)
    on_time = models.PositiveIntegerField(_("arrivals on time (90 days)"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Our measure of the network, not shared with partners (the network itself is open data).
    objects = OperatorsOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("provider reliability")
        verbose_name_plural = _("provider reliability")

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.accepted}/{self.offers}, {self.on_time}/{self.arrivals}"
