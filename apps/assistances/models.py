"""Assistance cases ("events"): the operators' daily work and the partners' main resource."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.files.models import StoredFile
from apps.core.models import BaseModel, TimeStampedModel, user_reference
from apps.core.money import validate_amount
from apps.core.visibility import OperatorsOnlyQuerySet, ScopedQuerySet
from apps.masters.models import SOURCE_CODE_LENGTH, StatusChange


class EventQuerySet(ScopedQuerySet):
    """Cases belong to the partner of their source."""

    partner_scope = "source_code"


class CaseChildQuerySet(ScopedQuerySet):
    """Rows of a case (status history, switches, provider assignments) belong to the case's partner."""

    partner_scope = "event__source_code"


class NoteQuerySet(CaseChildQuerySet):
    """A partner sees the notes of its own cases that are shared with it, never internal ones."""

    def partner_q(self, source: str) -> Q:
        return super().partner_q(source) & Q(visibility=NoteVisibility.SHARED)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


# How much of the assistance's default SLA each priority gets.
SLA_FACTOR = {Priority.LOW: 2.0, Priority.NORMAL: 1.0, Priority.HIGH: 0.5, Priority.CRITICAL: 0.25}


class Event(BaseModel):
    """An assistance case: a traveller who needs help, where, under which voucher, and its progress.

    ``code`` is the public reference (BT-YYYY-NNNNNNN), derived from the primary key so concurrent
    creations can never collide. ``external_reference`` is the partner's own id, unique per source
    (NULL when there is none, which MySQL's unique index allows many times). ``version`` increases
    on every change and guards against lost updates (If-Match / optimistic concurrency).
    """

    code = models.CharField(_("code"), max_length=20, unique=True, editable=False)
    # A code of masters.Source, checked when the case is opened (a plain column, see masters.Source).
    source_code = models.CharField(_("source"), max_length=SOURCE_CODE_LENGTH, db_index=True)
    external_reference = models.CharField(_("external reference"), max_length=100, null=True, blank=True)
    voucher = models.ForeignKey(
        "vouchers.Voucher",
        verbose_name=_("voucher"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    covered = models.BooleanField(_("covered at opening"), default=False)
    coverage = models.JSONField(_("coverage check at opening"), default=dict, blank=True)
    coverage_override_reason = models.TextField(_("coverage override reason"), blank=True)
    traveller_name = models.CharField(_("traveller"), max_length=200)
    traveller_document_type = models.CharField(_("document type"), max_length=16, blank=True)
    traveller_document_number = models.CharField(_("document number"), max_length=40, blank=True, db_index=True)
    traveller_phone = models.CharField(_("traveller phone"), max_length=40, blank=True)
    traveller_email = models.EmailField(_("traveller e-mail"), blank=True)
    assistance = models.ForeignKey(
        "masters.Assistance", verbose_name=_("assistance type"), on_delete=models.PROTECT, related_name="events"
    )
    country = models.ForeignKey(
        "masters.Country", verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    city = models.ForeignKey(
        "masters.City", verbose_name=_("city"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    description = models.TextField(_("description"), blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.ForeignKey(
        "masters.EventStatus", verbose_name=_("status"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_operator = user_reference(_("assigned operator"), related_name="assigned_events")
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    sla_due_at = models.DateTimeField(_("SLA due"), null=True, blank=True)
    sla_breached_at = models.DateTimeField(_("SLA breach flagged at"), null=True, blank=True)
    # Dispatch: offers cascade to the next provider unless an operator turns it off; when no provider
    # accepted within the limit the case is flagged; a provider arriving later than promised too.
    cascade_enabled = models.BooleanField(_("offer the next provider automatically"), default=True)
    no_provider_at = models.DateTimeField(_("no provider flagged at"), null=True, blank=True)
    eta_breached_at = models.DateTimeField(_("late provider flagged at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source_code", "external_reference"], name="event_source_external_ref_uniq")
        ]
        # Found with EXPLAIN at 200,000 cases: a filter on a catalog code or the operator reads the
        # newest page's keys from (fk, opened_at, id) alone instead of sorting every matching case;
        # (closed_at, sla_due_at, opened_at) serves open cases by SLA (filter, admin, breach flagging);
        # with the id, the queue's page in its order, and with the owner and the no-provider flag, the
        # queue's counters from the index alone (no case row read: 2,000,000 cases, bench/growth.py).
        indexes = [
            models.Index(fields=["status", "sla_due_at"], name="event_status_sla_idx"),
            models.Index(fields=["assigned_operator", "status"], name="event_operator_idx"),
            models.Index(fields=["-opened_at", "-id"], name="event_recent_idx"),
            models.Index(fields=["status", "-opened_at", "-id"], name="event_status_recent_idx"),
            models.Index(fields=["assistance", "-opened_at", "-id"], name="event_assistance_recent_idx"),
            models.Index(fields=["country", "-opened_at", "-id"], name="event_country_recent_idx"),
            models.Index(fields=["assigned_operator", "-opened_at", "-id"], name="event_operator_recent_idx"),
            models.Index(
                fields=["closed_at", "sla_due_at", "opened_at", "id", "assigned_operator", "no_provider_at"],
                name="event_open_queue_idx",
            ),
            models.Index(fields=["external_reference"], name="event_external_ref_idx"),
            # The case search (selectors.event_search): a part of a name is found by scanning this
            # narrow index instead of the case rows (30 ms against 0.7 s at 200,000), and a partner's
            # search reads its own source's range only; the e-mail is an equality.
            models.Index(fields=["source_code", "traveller_name"], name="event_source_name_idx"),
            models.Index(fields=["traveller_email"], name="event_traveller_email_idx"),
        ]

    def __str__(self) -> str:
        return self.code


class StatusChangeKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    MANUAL = "manual", _("Manual change")
    TEMPORARY = "temporary", _("Temporary switch")
    REVERT = "revert", _("Automatic revert")
    REVERT_SKIPPED = "revert_skipped", _("Revert skipped")
    CANCEL_SWITCH = "cancel_switch", _("Switch cancelled")


class EventStatusHistory(StatusChange):
    """One status change of a case: from, to, who, when, why."""

    subject_field = "event"

    event = models.ForeignKey(Event, verbose_name=_("case"), on_delete=models.CASCADE, related_name="status_history")
    from_status = models.ForeignKey(
        "masters.EventStatus",
        verbose_name=_("from status"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_status = models.ForeignKey(
        "masters.EventStatus", verbose_name=_("to status"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=StatusChangeKind.choices)

    objects = CaseChildQuerySet.as_manager()

    class Meta(StatusChange.Meta):
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ["-changed_at", "-id"]


class SwitchState(models.TextChoices):
    ACTIVE = "active", _("Active")
    REVERTED = "reverted", _("Reverted")
    CANCELLED = "cancelled", _("Cancelled")
    SKIPPED = "skipped", _("Skipped (status changed meanwhile)")


class EventStatusSwitch(TimeStampedModel):
    """A temporary status (the seed's EventStatusSwitchTemp): reverted to ``revert_to`` at ``revert_at``.

    A periodic task reverts due switches; if the case's status is no longer ``switched_to`` by then
    (someone changed it by hand), the revert is skipped and recorded instead of overwriting.
    """

    event = models.ForeignKey(Event, verbose_name=_("case"), on_delete=models.CASCADE, related_name="status_switches")
    switched_to = models.ForeignKey(
        "masters.EventStatus", verbose_name=_("switched to"), on_delete=models.PROTECT, related_name="+"
    )
    revert_to = models.ForeignKey(
        "masters.EventStatus", verbose_name=_("revert to"), on_delete=models.PROTECT, related_name="+"
    )
    revert_at = models.DateTimeField(_("revert at"))
    state = models.CharField(_("state"), max_length=10, choices=SwitchState.choices, default=SwitchState.ACTIVE)
    reason = models.TextField(_("reason"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_by = user_reference(_("created by"))

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("temporary status switch")
        verbose_name_plural = _("temporary status switches")
        ordering = ["revert_at"]
        indexes = [models.Index(fields=["state", "revert_at"], name="switch_due_idx")]

    def __str__(self) -> str:
        until = timezone.localtime(self.revert_at)  # the operator's clock, as everywhere in the console
        return _("until %(time)s") % {"time": f"{until:%d/%m/%Y %H:%M}"}


class EventProvider(BaseModel):
    """A provider assigned to a case, its own status machine, its costs and the amount guaranteed."""

    event = models.ForeignKey(Event, verbose_name=_("case"), on_delete=models.CASCADE, related_name="providers")
    provider = models.ForeignKey(
        "providers.Provider", verbose_name=_("provider"), on_delete=models.PROTECT, related_name="assignments"
    )
    location = models.ForeignKey(
        "providers.ProviderLocation",
        verbose_name=_("location"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.ForeignKey(
        "masters.EventProviderStatus", verbose_name=_("status"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Dispatch, measured on timestamps (the scorecards read these, never typed figures).
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    offer_rank = models.PositiveSmallIntegerField(_("offer number"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    eta_at = models.DateTimeField(_("promised arrival"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    expired_at = models.DateTimeField(_("offer expired at"), null=True, blank=True)
    en_route_at = models.DateTimeField(_("en route at"), null=True, blank=True)
    eta_breached_at = models.DateTimeField(_("late arrival flagged at"), null=True, blank=True)
    reason = models.TextField(_("provider's or operator's reason"), blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    estimated_cost = models.DecimalField(_("estimated cost"), max_digits=12, decimal_places=2, null=True, blank=True)
    final_cost = models.DecimalField(_("final cost"), max_digits=12, decimal_places=2, null=True, blank=True)
    guaranteed_amount = models.DecimalField(
        _("guaranteed amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    commitment = models.ForeignKey(
        "vouchers.BenefitCommitment",
        verbose_name=_("commitment on the voucher"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("case provider")
        verbose_name_plural = _("case providers")
        ordering = ["-assigned_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_id} · {self.provider_id}"

    def clean(self) -> None:
        # The amounts are in the assignment's currency (the provider's): at most its minor unit.
        errors = {}
        for name in ("estimated_cost", "final_cost", "guaranteed_amount"):
            try:
                validate_amount(getattr(self, name), self.currency, field=name)
            except ValidationError as exc:
                errors.update(exc.error_dict)
        if errors:
            raise ValidationError(errors)


class AssignmentProof(StoredFile):
    """The provider's proof of the service (a photo, JPEG or PNG, or a signed PDF), sent through its
    dispatch link and checked by content; partners see those of their own cases (the owner rule)."""

    storage_bucket = "assists"
    owner_field = "assignment"

    assignment = models.ForeignKey(
        EventProvider, verbose_name=_("case provider"), on_delete=models.PROTECT, related_name="proofs"
    )

    class Meta:
        verbose_name = _("proof of service")
        verbose_name_plural = _("proofs of service")
        ordering = ["assignment_id", "id"]
        indexes = [models.Index(fields=["assignment", "sha256"], name="assignment_proof_sha_idx")]


class OfferTimeout(models.Model):
    """How long an offer waits for the provider's answer, per assistance type and priority (an empty
    assistance: every type); the cascade then offers the next provider."""

    assistance = models.ForeignKey(
        "masters.Assistance", verbose_name=_("assistance"), on_delete=models.CASCADE, null=True, blank=True
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    minutes = models.PositiveSmallIntegerField(_("minutes to answer"))

    objects = OperatorsOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("offer timeout")
        verbose_name_plural = _("offer timeouts")
        constraints = [models.UniqueConstraint(fields=["assistance", "priority"], name="offer_timeout_uniq")]

    def __str__(self) -> str:
        return f"{self.assistance_id or '*'} · {self.priority} · {self.minutes}"


class NoteVisibility(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    SHARED = "shared", _("Shared with the partner")


class NoteKind(models.TextChoices):
    GENERAL = "general", _("General")
    MEDICAL = "medical", _("Medical")
    PROVIDER = "provider", _("Provider")
    TRAVELLER = "traveller", _("Traveller contact")
    BILLING = "billing", _("Billing")
    # A complaint about the service on the case: it counts against the providers that had accepted
    # the job by then (their scorecards).
    COMPLAINT = "complaint", _("Complaint")


class Note(TimeStampedModel):
    """A note on a case. Partners see only shared notes."""

    event = models.ForeignKey(Event, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("kind"), max_length=12, choices=NoteKind.choices, default=NoteKind.GENERAL)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=NoteVisibility.choices, default=NoteVisibility.INTERNAL
    )
    body = models.TextField(_("text"))
    author = user_reference(_("author"), related_name=None)
    author_repr = models.CharField(_("author"), max_length=255, blank=True)

    objects = NoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["event", "-created_at"], name="note_event_idx")]

    def __str__(self) -> str:
        return self.body[:60]


class EventDraft(TimeStampedModel):
    """A partly filled case (the seed's EventDraft), owned by its author, promoted when valid."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="event_drafts"
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    promoted_event = models.ForeignKey(
        Event, verbose_name=_("opened as case"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = OperatorsOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("case draft")
        verbose_name_plural = _("case drafts")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"draft {self.pk}"
