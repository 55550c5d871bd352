from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def user_reference(verbose_name=None, *, related_name: str | None = "+", editable: bool = True) -> models.ForeignKey:
    """A link to the user who did or owns something, emptied (not cascaded) when that user is deleted.

    People leave while what they did must stay: a case, a call, a status change or an API key
    outlives its operator's account. One definition keeps every such column the same
    (nullable, SET_NULL, no reverse accessor unless asked for).
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=editable,
        related_name=related_name,
    )


class TimeStampedModel(models.Model):
    """Creation and last-change times, kept by the database layer on every save."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class BaseModel(TimeStampedModel):
    """Timestamps plus the user who created and last changed the row (empty for system writes)."""

    created_by = user_reference(_("created by"), editable=False)
    updated_by = user_reference(_("updated by"), editable=False)

    class Meta:
        abstract = True


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key``, replayed to retries of it.

    Keys are scoped to the caller; the same key with a different body is refused. Rows are
    short-lived (a periodic clean-up can drop them after a day).
    """

    scope = models.CharField(_("caller"), max_length=100)
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=255)
    body_sha256 = models.CharField(_("body digest"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status"))
    response_body = models.JSONField(_("response"), null=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_uniq")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
