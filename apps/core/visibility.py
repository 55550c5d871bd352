"""What a partner may see, decided in one place: each model's queryset declares its rule, the API applies it.

Every model the API reads has a ``ScopedQuerySet`` subclass as its manager
(``objects = EventQuerySet.as_manager()``) whose ``partner_scope`` says how a row belongs to a partner source:

- a lookup path to the owning source code (``"source_code"``, ``"event__source_code"``...): a
  partner sees the rows of its own source only;
- ``OPEN``: shared data every partner with ``read`` sees (catalogs, the provider network);
- ``NOBODY``: operators' data no partner ever sees (drafts tied to a user account);
- ``OWNER`` (``OwnedQuerySet``): the rule of the row's owner, through its ``owner_field``
  (stored files);
- nothing declared: partners are refused (``visible()`` raises), so a new model cannot leak by
  being forgotten.

Operators (session users) see everything; their limits are their group's model permissions.

``apps.core.api.APIMixin`` runs every list, retrieve, search and filter through ``visible()``
before any filter backend, so the scope comes first and search runs inside it; command views look
objects up with ``APIMixin.get_visible()``; related fields in serializers use
``VisibleRelatedFieldMixin`` (a foreign object reads "unknown", exactly like a missing one).
Services that take a partner's choice of an object (a voucher by number, a case id) check it
again with ``visible_to`` (defence in depth: admin and tasks reach services without a view).
"""

import logging
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

logger = logging.getLogger(__name__)

OPEN = "__open__"
NOBODY = "__nobody__"
OWNER = "__owner__"

# What a partner reads where an operator's identity would be (note authors, status changes,
# assigned operator, who took a call): operators' names and e-mail addresses stay inside.
OPERATOR_LABEL = _("Bigtree operator")


class ScopeNotDeclared(exceptions.PermissionDenied):
    """A partner asked for rows of a model that declares no partner rule: refused, never guessed."""

    default_detail = _("This resource is not available to partner systems.")
    default_code = "not_available_to_partners"


def partner_source(caller) -> str | None:
    """The source a partner caller is confined to, or None for operators (and for no caller at all)."""
    if caller is not None and getattr(caller, "is_api_client", False):
        # A partner without a source would see another's rows if None meant "operator": fail closed.
        return getattr(caller, "source_code", None) or ""
    return None


def is_partner(caller) -> bool:
    return partner_source(caller) is not None


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows which partner may see each of its rows (see the module docstring)."""

    # A lookup to the owning source code, OPEN or NOBODY; None (the default) refuses partners.
    partner_scope: ClassVar[str | None] = None

    def partner_q(self, source: str) -> Q:
        """The rows ``source`` may see. Override to add a rule (notes: shared ones only)."""
        scope = self.partner_scope
        if scope == OPEN:
            return Q()
        if scope == NOBODY or not source:
            return Q(pk__in=[])
        return Q(**{scope: source})

    def visible_to(self, caller) -> "ScopedQuerySet":
        source = partner_source(caller)
        if source is None:
            return self
        if self.partner_scope is None:
            logger.error("partner read of %s refused: its queryset declares no partner_scope", self.model.__name__)
            raise ScopeNotDeclared()
        return self.filter(self.partner_q(source))


def visible(queryset, caller):
    """``queryset`` narrowed to what ``caller`` may see; refused for a partner when the model has no rule."""
    if isinstance(queryset, type) and issubclass(queryset, models.Model):
        queryset = queryset._default_manager.all()
    if isinstance(queryset, ScopedQuerySet):
        return queryset.visible_to(caller)
    if is_partner(caller):
        model = getattr(queryset, "model", None)
        logger.error("partner read of %s refused: not a ScopedQuerySet", getattr(model, "__name__", queryset))
        raise ScopeNotDeclared()
    return queryset


class OpenQuerySet(ScopedQuerySet):
    """Shared data: every partner with ``read`` sees every row (catalogs, the provider network)."""

    partner_scope = OPEN


class OperatorsOnlyQuerySet(ScopedQuerySet):
    """Operators' data that no partner ever sees."""

    partner_scope = NOBODY


def _through(q: Q, field: str) -> Q:
    """``q`` (a rule on a model) as a rule on the rows that point at it through ``field``."""
    children = [
        _through(child, field) if isinstance(child, Q) else (f"{field}__{child[0]}", child[1]) for child in q.children
    ]
    return Q(*children, _connector=q.connector, _negated=q.negated)


class OwnedQuerySet(ScopedQuerySet):
    """Rows that belong to whoever may see their owner (a call's files, an issuance record's documents).

    The model names its ForeignKey to the owner in ``owner_field``; the owner's own rule is applied
    through that ForeignKey, so a child can never be more visible than what it belongs to.
    """

    partner_scope = OWNER

    def partner_q(self, source: str) -> Q:
        field = self.model.owner_field
        owner = self.model._meta.get_field(field).related_model
        return _through(owner._default_manager.all().partner_q(source), field)


class VisibleRelatedFieldMixin:
    """A related field (by id, number, code...) that finds only what the request's caller may see.

    A partner naming another source's object gets the same "unknown" error as for a missing one.
    The caller is the request's user, or ``caller`` in the context when a service reads input outside
    a request (a draft promoted from the admin). Without either there is no caller to scope by:
    nothing is found (fail closed), which the tests would show at once.
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        if "caller" in self.context:
            return visible(queryset, self.context["caller"])
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return visible(queryset, request.user)


def operator_label(*, caller, is_operator: bool, name: str) -> str:
    """How a person appears to ``caller``: operators see ``name``, partners a label for operators."""
    if is_operator and is_partner(caller):
        return str(OPERATOR_LABEL)
    return name


class VisiblePrimaryKeyRelatedField(VisibleRelatedFieldMixin, serializers.PrimaryKeyRelatedField):
    """An object by id among those the caller may see."""


class VisibleSlugRelatedField(VisibleRelatedFieldMixin, serializers.SlugRelatedField):
    """An object by a unique code or number among those the caller may see."""
