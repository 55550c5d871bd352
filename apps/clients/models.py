"""Partner systems allowed into the API: their Cognito app client, scopes, API keys and usage plan."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel, user_reference
from apps.masters.models import SOURCE_CODE_LENGTH

# The seed's API Gateway usage plan, applied to every client unless changed.
DEFAULT_RATE_PER_SECOND = 10.0
DEFAULT_BURST = 20
DEFAULT_MONTHLY_QUOTA = 10_000


class ApiClient(BaseModel):
    """A partner system (KOM, MOK, ...) calling the API with a Cognito access token and an API key.

    ``cognito_client_id`` is the Cognito app client whose client-credentials tokens identify it;
    ``source_code`` confines it to its own cases; ``allowed_scopes`` caps what its tokens may do
    (a scope counts only when both the token and this list carry it). The usage plan (rate, burst,
    monthly quota) is enforced per API key.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    source_code = models.CharField(
        _("source"),
        max_length=SOURCE_CODE_LENGTH,
        help_text=_("The partner's source: the client sees and changes only cases of this source."),
    )
    cognito_client_id = models.CharField(
        _("Cognito app client id"),
        max_length=128,
        unique=True,
        help_text=_("The client_id claim of the partner's access tokens."),
    )
    allowed_scopes = models.JSONField(_("allowed scopes"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    rate_per_second = models.FloatField(
        _("rate (requests per second)"), default=DEFAULT_RATE_PER_SECOND, validators=[MinValueValidator(0.01)]
    )
    burst = models.PositiveIntegerField(_("burst"), default=DEFAULT_BURST, validators=[MinValueValidator(1)])
    monthly_quota = models.PositiveIntegerField(
        _("monthly quota"), default=DEFAULT_MONTHLY_QUOTA, validators=[MinValueValidator(1)]
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.source_code})"


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Keys not revoked, or whose revocation (scheduled by a rotation) is still ahead."""
        now = now or timezone.now()
        return self.filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=now))


class ApiKey(models.Model):
    """One API key of a client (the ``x-api-key`` header). Only its SHA-256 digest is stored.

    The plaintext is shown once, when the key is issued. Revoking sets ``revoked_at``; a rotation
    may set it in the future, so the old key keeps working while the partner switches over. Keys
    are never deleted: the audit trail refers to them.
    """

    client = models.ForeignKey(ApiClient, verbose_name=_("client"), on_delete=models.PROTECT, related_name="api_keys")
    label = models.CharField(_("label"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, help_text=_("The first characters of the key."))
    key_hash = models.CharField(_("key digest"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = user_reference(_("created by"), editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.client.name})" if self.client_id else f"{self.prefix}…"

    def is_usable(self, now=None) -> bool:
        return self.revoked_at is None or self.revoked_at > (now or timezone.now())
