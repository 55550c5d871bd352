"""Tracking messages for partner MOK: what happened on its cases, waiting to be delivered."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class TrackingAction(models.TextChoices):
    EVENT_PROVIDER_CREATE = "EVENT_PROVIDER_CREATE", _("Provider assigned")
    EVENT_PROVIDER_START = "EVENT_PROVIDER_START", _("Provider started")
    EVENT_PROVIDER_RESOLVE = "EVENT_PROVIDER_RESOLVE", _("Provider resolved")
    NOTE_REGISTER = "NOTE_REGISTER", _("Note registered")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class TrackingMessage(TimeStampedModel):
    """One message for MOK's tracking endpoint, written in the same transaction as the change it reports.

    Delivery (HTTP POST, then an SNS notification) is asynchronous; its state, attempts, last error
    and response code are kept here, so nothing is lost and failures can be retried.
    """

    event = models.ForeignKey(
        "assistances.Event", verbose_name=_("case"), on_delete=models.CASCADE, related_name="tracking_messages"
    )
    action = models.CharField(_("action"), max_length=32, choices=TrackingAction.choices)
    payload = models.JSONField(_("payload"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    # When the next attempt is due. A worker claims a message by moving this forward by a lease, so
    # a second worker skips it, and a worker that dies mid-delivery only delays it by the lease.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tracking message")
        verbose_name_plural = _("tracking messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "created_at"], name="tracking_state_idx"),
            models.Index(fields=["state", "next_attempt_at"], name="tracking_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.pk}"


class AttemptKind(models.TextChoices):
    POST = "post", _("POST to MOK")
    NOTIFY = "notify", _("SNS notification")


class TrackingAttempt(models.Model):
    """One delivery attempt of a tracking message: when, how it ended, how long it took.

    Every attempt is kept (not only the last one), so an operator looking at a failed message sees
    the whole story: timeouts first, then a 500, then the 400 that made the worker give up.
    """

    message = models.ForeignKey(
        TrackingMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField(_("attempt"))
    kind = models.CharField(_("kind"), max_length=8, choices=AttemptKind.choices, default=AttemptKind.POST)
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["message", "attempted_at", "id"]

    def __str__(self) -> str:
        return f"#{self.message_id} attempt {self.number}"
