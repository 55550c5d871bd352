import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditSource(models.TextChoices):
    ADMIN = "admin", _("Admin")
    API = "api", _("API")
    WORKER = "worker", _("Worker")
    SYSTEM = "system", _("System")
    WEB = "web", _("Web")


class ActorType(models.TextChoices):
    USER = "user", _("User")
    API_CLIENT = "api_client", _("API client")
    SYSTEM = "system", _("System")


class AuditAction(models.TextChoices):
    """Every action written to the audit log: the trail is searched by action, so a new kind of entry
    gets its member here rather than a free string at the call site."""

    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    STATUS_CHANGE = "status_change", _("Status change")
    IMPORT = "import", _("Import")
    API_KEY_ISSUE = "api_key_issue", _("API key issue")
    API_KEY_REVOKE = "api_key_revoke", _("API key revoke")
    APPROVAL = "approval", _("Approval or refusal")


class AuditLog(models.Model):
    """One entry of the append-only audit trail: who did what to which object, and what changed.

    No foreign keys on purpose: the trail must outlive the users, clients and objects it mentions,
    so actor and object are stored as type + id + a readable label captured at write time.
    ``message_id`` makes delivery idempotent once entries travel through a queue.
    """

    message_id = models.UUIDField(_("message id"), default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor_type = models.CharField(_("actor type"), max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(_("actor id"), max_length=64, blank=True)
    actor_repr = models.CharField(_("actor"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    case_reference = models.CharField(_("case reference"), max_length=64, blank=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=128, blank=True, db_index=True)
    source = models.CharField(_("source"), max_length=16, choices=AuditSource.choices)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        who = self.actor_repr or self.actor_type
        when = timezone.localtime(self.occurred_at) if self.occurred_at else None  # the operator's clock, not UTC
        return f"{when:%d/%m/%Y %H:%M:%S} · {who} · {self.action_label} · {self.object_repr or self.object_id}"

    @property
    def action_label(self) -> str:
        """The action in the reader's language (older entries may hold an action no longer listed)."""
        return str(AuditAction(self.action).label) if self.action in AuditAction.values else self.action


class AuditOutbox(models.Model):
    """An audit entry committed with the change it describes, waiting to reach the audit queue.

    Written in the caller's transaction; published to SQS after commit. The worker that stores the
    ``AuditLog`` row deletes this row in the same transaction, so a row still here means "not yet
    confirmed": the periodic sweeper publishes it again (the log's unique ``message_id`` makes a
    second delivery a no-op). A crash between commit and publish, or a broker outage, only delays an
    entry.
    """

    message_id = models.UUIDField(_("message id"), default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"), db_index=True)
    republished_at = models.DateTimeField(_("last republished at"), null=True, blank=True)
    republish_count = models.PositiveIntegerField(_("republished"), default=0)

    class Meta:
        verbose_name = _("audit outbox entry")
        verbose_name_plural = _("audit outbox")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return str(self.message_id)
