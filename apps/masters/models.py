"""Catalogs: assistance categories and types, sources, the three status machines, countries and cities.

The status machines are data (allowed next statuses per status), editable in the admin; code
compares status *codes*, never database ids.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel, user_reference
from apps.core.text import ascii_fold
from apps.core.visibility import OpenQuerySet

code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9_]*$", _("Use upper-case letters, digits and underscores, starting with a letter.")
)
colour_validator = RegexValidator(r"^#[0-9A-Fa-f]{6}$", _("Use a hex colour: # and six hex digits, e.g. #417690."))


def in_english() -> bool:
    """Whether the active language is English (the console's other language; Spanish is the default)."""
    return (get_language() or "es").startswith("en")


def localized_name(name_es: str, name_en: str) -> str:
    """A catalog name in the active language: English when active and given, Spanish otherwise."""
    return (name_en if in_english() else "") or name_es


class LocalizedNameMixin(models.Model):
    """Spanish and English names; ``name`` picks the active language (Spanish as fallback)."""

    name_es = models.CharField(_("name (Spanish)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return localized_name(self.name_es, self.name_en)


class CatalogEntry(LocalizedNameMixin, BaseModel):
    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OpenQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        # Operators read names; codes are for machines (searching by code still works).
        return self.name


class Category(CatalogEntry):
    """A family of assistances (medical, legal, baggage...), as partners and operators group them."""

    class Meta(CatalogEntry.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class Assistance(CatalogEntry):
    """A type of assistance a traveller can ask for, with the time the operation commits to."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="assistances"
    )
    default_sla_minutes = models.PositiveIntegerField(
        _("default SLA (minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(60 * 24 * 30)],
        help_text=_("Time to resolve a case of this type at normal priority."),
    )
    requires_provider = models.BooleanField(
        _("requires a provider"), default=True, help_text=_("Whether a provider must be assigned to resolve it.")
    )

    class Meta(CatalogEntry.Meta):
        verbose_name = _("assistance type")
        verbose_name_plural = _("assistance types")


SOURCE_CODE_LENGTH = 8


class RatePolicy(models.TextChoices):
    """Which day's rate converts an amount for a source's cases (the partner's contract says which)."""

    SERVICE_DATE = "service", _("service date")
    GOP_DATE = "gop", _("guarantee of payment date")
    PURCHASE_DATE = "purchase", _("voucher purchase date")


class Source(CatalogEntry):
    """Where a case, a voucher or a partner's API client comes from (MOK, KOM, phone, web...).

    Cases (``Event.source_code``), vouchers (``Voucher.source``) and API clients
    (``ApiClient.source_code``) store the code; a partner sees the rows of its own source only.
    ``receives_tracking`` says whether changes to this source's cases produce MOK tracking
    messages. Sources are deactivated, never deleted or recoded: stored rows keep their code.
    """

    # Cases, vouchers and API clients store the code in eight characters.
    code = models.CharField(_("code"), max_length=SOURCE_CODE_LENGTH, unique=True, validators=[code_validator])
    receives_tracking = models.BooleanField(
        _("receives tracking"),
        default=False,
        help_text=_("Changes to cases of this source produce MOK tracking messages."),
    )
    rate_policy = models.CharField(
        _("exchange rate date"),
        max_length=16,
        choices=RatePolicy.choices,
        default=RatePolicy.SERVICE_DATE,
        help_text=_("Which day's exchange rate converts a guarantee into the voucher's currency."),
    )
    default_currency = models.CharField(
        _("default currency"),
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 currency code (e.g. USD)."))],
        help_text=_("The currency of this source's vouchers when the partner names none."),
    )
    large_loss_amount = models.DecimalField(
        _("large-loss threshold"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("A case whose incurred reaches this amount (default currency) is reported to the partner."),
    )

    class Meta(CatalogEntry.Meta):
        verbose_name = _("source")
        verbose_name_plural = _("sources")


class StatusRole(models.TextChoices):
    """What a service needs a status for, beyond the machine's shape (catalog data, never a code in the code).

    A service that must react to a status ("the provider's service started: stamp the time") or pick
    one ("a voucher issued without a status gets the one in force") asks for the status holding a
    role, so operators may rename or recode statuses without touching the code. One role per status
    and at most one status per role and machine (a unique column: MySQL allows many NULLs); each
    machine lists the roles its services read in ``ROLES``, and only those may be set.
    """

    IN_FORCE = "in_force", _("in force")
    STARTED = "started", _("started")
    RESOLVED = "resolved", _("resolved")
    CANCELLED = "cancelled", _("cancelled")
    # A guarantee of payment's life (apps.guarantees); DRAFT is its machine's initial status.
    DRAFT = "draft", _("draft")
    ISSUED = "issued", _("issued")
    SENT = "sent", _("sent")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    AMENDED = "amended", _("amended")
    FINAL = "final", _("final")
    CLOSED = "closed", _("closed")
    EXPIRED = "expired", _("expired")
    # A provider's dispatch on a case: offered, then en route (accepted is ASSIGNED's role).
    OFFERED = "offered", _("offered")
    EN_ROUTE = "en_route", _("en route")
    # A provider's bill (apps.claims): received is its machine's initial status.
    RECEIVED = "received", _("received")
    IN_REVIEW = "in_review", _("in review")
    APPROVED = "approved", _("approved")
    PARTIAL = "partial", _("partially approved")
    REJECTED = "rejected", _("rejected")
    SCHEDULED = "scheduled", _("scheduled for payment")
    PAID = "paid", _("paid")


class StatusBase(CatalogEntry):
    """A state of a status machine. ``next_statuses`` lists the transitions allowed out of it.

    ``colour`` is how lists show it; ``role`` what the services know it as (see :class:`StatusRole`).
    """

    # The roles this machine's services read; the admin offers only these.
    ROLES: tuple[str, ...] = ()
    DEFAULT_COLOUR = "#666666"

    is_initial = models.BooleanField(_("initial"), default=False, help_text=_("New records may start here."))
    is_final = models.BooleanField(_("final"), default=False, help_text=_("No transition leaves this status."))
    next_statuses = models.ManyToManyField(
        "self",
        verbose_name=_("allowed next statuses"),
        symmetrical=False,
        blank=True,
        related_name="previous_statuses",
    )
    colour = models.CharField(
        _("colour"),
        max_length=7,
        blank=True,
        validators=[colour_validator],
        help_text=_("Hex colour (#rrggbb) the back office shows the status in; grey when empty."),
    )
    # null: blank roles must not collide in the unique index (Django's rule for unique + blank).
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=StatusRole.choices,
        null=True,
        blank=True,
        unique=True,
        help_text=_("What the application knows this status as; at most one status per role."),
    )

    class Meta(CatalogEntry.Meta):
        abstract = True

    @property
    def display_colour(self) -> str:
        return self.colour or self.DEFAULT_COLOUR


class StatusChange(models.Model):
    """One move of a record's status: the history row a :class:`~apps.masters.services.StatusMachine` writes.

    The columns every machine's history shares live here; each history adds its foreign key to the
    record (named by ``subject_field``) and its ``from_status``/``to_status`` keys to its own catalog.
    """

    subject_field: str = ""

    reason = models.TextField(_("reason"), blank=True)
    changed_by = user_reference(_("changed by"))
    actor_repr = models.CharField(_("by"), max_length=255, blank=True)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        abstract = True
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{getattr(self, self.subject_field + '_id')}: {self.from_status_id} → {self.to_status_id}"


class EventStatus(StatusBase):
    """Status of an assistance case."""

    class Meta(StatusBase.Meta):
        verbose_name = _("case status")
        verbose_name_plural = _("case statuses")


class EventProviderStatus(StatusBase):
    """Status of a provider's service within a case."""

    # Dispatch: an offer (offered) is accepted (accepted: ASSIGNED, told to MOK), declined or expires;
    # then en route, started on arrival (told to MOK), resolved (told to MOK) or cancelled. The
    # services stamp each step's time; a cancellation releases the amount guaranteed on the voucher.
    ROLES = (
        StatusRole.OFFERED,
        StatusRole.ACCEPTED,
        StatusRole.DECLINED,
        StatusRole.EXPIRED,
        StatusRole.EN_ROUTE,
        StatusRole.STARTED,
        StatusRole.RESOLVED,
        StatusRole.CANCELLED,
    )

    class Meta(StatusBase.Meta):
        verbose_name = _("case provider status")
        verbose_name_plural = _("case provider statuses")


class VoucherStatus(StatusBase):
    """Status of a voucher (coverage certificate)."""

    # In force: the only status that covers, and the one a voucher issued without a status gets.
    ROLES = (StatusRole.IN_FORCE,)

    class Meta(StatusBase.Meta):
        verbose_name = _("voucher status")
        verbose_name_plural = _("voucher statuses")


class GuaranteeStatus(StatusBase):
    """Status of a guarantee of payment (the letter a provider acts on)."""

    # Every step of the letter's life is a service (issue, send, accept...), and each finds its
    # status by role: operators may rename or recolour them, not change what they mean.
    ROLES = (
        StatusRole.DRAFT,
        StatusRole.ISSUED,
        StatusRole.SENT,
        StatusRole.ACCEPTED,
        StatusRole.DECLINED,
        StatusRole.AMENDED,
        StatusRole.FINAL,
        StatusRole.CLOSED,
        StatusRole.CANCELLED,
        StatusRole.EXPIRED,
    )

    class Meta(StatusBase.Meta):
        verbose_name = _("guarantee status")
        verbose_name_plural = _("guarantee statuses")


class BillStatus(StatusBase):
    """Status of a provider's bill (received, reviewed, scheduled, paid)."""

    ROLES = (
        StatusRole.RECEIVED,
        StatusRole.IN_REVIEW,
        StatusRole.APPROVED,
        StatusRole.PARTIAL,
        StatusRole.REJECTED,
        StatusRole.SCHEDULED,
        StatusRole.PAID,
    )

    class Meta(StatusBase.Meta):
        verbose_name = _("bill status")
        verbose_name_plural = _("bill statuses")


STATUS_MODELS = (EventStatus, EventProviderStatus, VoucherStatus, GuaranteeStatus, BillStatus)

_coordinates = {"max_digits": 9, "decimal_places": 6, "null": True, "blank": True}


class Country(LocalizedNameMixin, BaseModel):
    """A country (ISO 3166-1). Coordinates and time zone are those of its capital, where known."""

    iso2 = models.CharField(_("ISO alpha-2"), max_length=2, unique=True)
    iso3 = models.CharField(_("ISO alpha-3"), max_length=3, unique=True)
    numeric_code = models.CharField(_("ISO numeric"), max_length=3, blank=True)
    continent = models.CharField(_("continent"), max_length=2, blank=True)
    capital = models.CharField(_("capital"), max_length=150, blank=True)
    currency_code = models.CharField(_("currency"), max_length=3, blank=True)
    phone_prefix = models.CharField(_("phone prefix"), max_length=20, blank=True)
    latitude = models.DecimalField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)], **_coordinates
    )
    longitude = models.DecimalField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)], **_coordinates
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OpenQuerySet.as_manager()

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name_es"]

    def __str__(self) -> str:
        return self.name


class City(BaseModel):
    """A city of a country (GeoNames data by default). ``code`` is the source's own id."""

    country = models.ForeignKey(Country, verbose_name=_("country"), on_delete=models.CASCADE, related_name="cities")
    code = models.CharField(_("code"), max_length=20, help_text=_("Identifier in the source data (GeoNames id)."))
    name = models.CharField(_("name"), max_length=200)
    ascii_name = models.CharField(_("ASCII name"), max_length=200, blank=True)
    admin1_code = models.CharField(_("region code"), max_length=20, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    population = models.PositiveBigIntegerField(_("population"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OpenQuerySet.as_manager()

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["country_id", "-population", "name"]
        constraints = [models.UniqueConstraint(fields=["country", "code"], name="city_country_code_uniq")]
        indexes = [
            models.Index(fields=["country", "name"], name="city_country_name_idx"),
            models.Index(fields=["country", "ascii_name"], name="city_country_ascii_idx"),
            models.Index(fields=["country", "-population"], name="city_country_pop_idx"),
            models.Index(fields=["country", "updated_at"], name="city_country_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Derived search key; bulk imports set it themselves.
        self.ascii_name = ascii_fold(self.name)
        super().save(*args, **kwargs)


class ExchangeRate(models.Model):
    """How many units of ``to_currency`` one unit of ``from_currency`` buys on ``date``, per ``source``.

    Rates are data, never code: a conversion looks up the latest rate on or before its date
    (``apps.masters.exchange_rates.convert``) and the row it used is stored with the converted amount,
    so a report re-run later gives the same totals even after new rates arrive. ``source`` names where
    the rate came from (a bank's table, the partner's contract, the demo table), not a masters.Source.
    """

    date = models.DateField(_("date"))
    from_currency = models.CharField(_("from currency"), max_length=3)
    to_currency = models.CharField(_("to currency"), max_length=3)
    # 10 decimals keep the inverse of a large rate (1 PYG in CLF) meaningful.
    rate = models.DecimalField(
        _("rate"), max_digits=24, decimal_places=10, validators=[MinValueValidator(Decimal("0.0000000001"))]
    )
    source = models.CharField(_("rate source"), max_length=40, help_text=_("Where the rate comes from."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OpenQuerySet.as_manager()

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-date", "from_currency", "to_currency", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "from_currency", "to_currency", "source"], name="exchange_rate_unique_per_day"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
        ]
        indexes = [models.Index(fields=["from_currency", "to_currency", "date"], name="exchange_rate_pair_date_idx")]

    def __str__(self) -> str:
        return f"{self.date} 1 {self.from_currency} = {self.rate.normalize():f} {self.to_currency} ({self.source})"
