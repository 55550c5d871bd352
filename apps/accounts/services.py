"""Operator sign-in through OIDC (Amazon Cognito): who the identity is, and what it may do here.

The rules live here so the login callback and the silent session refresh apply them the same way:

- An identity is the token's ``sub``. A user already linked to that ``sub`` is that identity, whatever
  its e-mail is today.
- A user with the same e-mail but no ``sub`` yet is linked only when the provider says the e-mail is
  verified; otherwise anyone able to sign up with someone else's address would take over that account.
- Access comes from the Cognito groups in the verified ID token, mapped to the Django groups of
  ``apps.accounts.roles`` on every sign-in. No mapped group means no admin access at all: the pool
  allows self sign-up, so "has an account" must never be enough. A linked user who lost every mapped
  group keeps their row (it is referenced by cases and audit entries) but is demoted before being refused.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.core.exceptions import ApplicationError
from apps.core.services import model_update

logger = logging.getLogger(__name__)

# Cognito group name → Django group name. The seed's pool uses the same names for both.
COGNITO_GROUP_MAP: dict[str, str] = {ADMIN_GROUP: ADMIN_GROUP, TMO_GROUP: TMO_GROUP}


class SignInRefused(ApplicationError):
    """The identity is valid but may not use the admin (no mapped group, unverified e-mail, ...)."""

    status_code = 403
    default_code = "sign_in_refused"


@dataclass(frozen=True)
class OidcIdentity:
    """The claims the sign-in rules need, taken from the verified ID token (groups only from there)."""

    sub: str
    email: str
    email_verified: bool
    cognito_groups: tuple[str, ...] = ()
    first_name: str = ""
    last_name: str = ""


def mapped_groups(cognito_groups: Iterable[str]) -> set[str]:
    """Django group names granted by these Cognito groups; unknown Cognito groups grant nothing."""
    return {COGNITO_GROUP_MAP[name] for name in cognito_groups if name in COGNITO_GROUP_MAP}


def _find_user(identity: OidcIdentity) -> User | None:
    """The user this identity is, or None when it is new. Raises when linking would be unsafe."""
    user = User.objects.filter(cognito_sub=identity.sub).first()
    if user is not None:
        return user
    by_email = User.objects.filter(email__iexact=identity.email).first()
    if by_email is None:
        return None
    if by_email.cognito_sub:
        # The address belongs to another Cognito identity (an account deleted and re-created in the pool,
        # or a reused address): an administrator has to decide, not the sign-in.
        raise SignInRefused(
            _("This e-mail address is linked to another identity. Ask an administrator."), code="email_taken"
        )
    if not identity.email_verified:
        raise SignInRefused(
            _("Your e-mail address is not verified with the identity provider."), code="email_not_verified"
        )
    return by_email


def _sync_groups(user: User, wanted: set[str]) -> dict:
    """Make the user's mapped groups exactly ``wanted``; groups outside the map are left alone."""
    before = set(user.groups.filter(name__in=COGNITO_GROUP_MAP.values()).values_list("name", flat=True))
    if before == wanted:
        return {}
    user.groups.remove(*Group.objects.filter(name__in=before - wanted))
    user.groups.add(*Group.objects.filter(name__in=wanted - before))
    return {"groups": [sorted(before), sorted(wanted)]}


def operator_sign_in(*, identity: OidcIdentity) -> User:
    """Resolve, create or update the user for a verified OIDC identity and sync its access.

    Returns the user allowed into the admin, or raises ``SignInRefused``. Run at every login and at
    every silent session refresh, so a group removed in Cognito is removed here at the next one.
    """
    if not identity.sub or not identity.email:
        raise SignInRefused(_("The identity provider did not send an e-mail address."), code="claims_missing")
    wanted = mapped_groups(identity.cognito_groups)
    with transaction.atomic():
        user = _find_user(identity)
        if user is not None:
            user = User.objects.select_for_update().get(pk=user.pk)
        if wanted:
            return _grant_access(user, identity, wanted)
        if user is not None and user.cognito_sub == identity.sub:
            # Access granted by Cognito is taken back by Cognito. An account only matched by e-mail
            # (never linked) is refused but left as it is. The demotion must be committed before
            # refusing, hence the raise below is outside the transaction.
            changes = _sync_groups(user, set())
            changes.update(model_update(instance=user, data={"is_staff": False}))
            if changes:
                audit_record(action=AuditAction.UPDATE, instance=user, changes=changes, actor=user)
    logger.info("OIDC sign-in refused: no mapped group", extra={"sub": identity.sub})
    raise SignInRefused(
        _("Your account has no access to this application. Ask an administrator to add you to a group."),
        code="no_group",
    )


def _grant_access(user: User | None, identity: OidcIdentity, wanted: set[str]) -> User:
    data = {"is_staff": True, "cognito_sub": identity.sub}
    if identity.first_name:
        data["first_name"] = identity.first_name
    if identity.last_name:
        data["last_name"] = identity.last_name
    if user is None:
        user = User(email=User.objects.normalize_email(identity.email).lower())
        user.set_unusable_password()  # only Cognito can sign this user in
        model_update(instance=user, data=data)
        _sync_groups(user, wanted)
        audit_record(
            action=AuditAction.CREATE,
            instance=user,
            changes={"cognito_sub": [None, identity.sub], "groups": [[], sorted(wanted)]},
            actor=user,
        )
        return user

    if not user.is_active:
        raise SignInRefused(_("This account is disabled."), code="inactive")
    email = identity.email.lower()
    if (
        identity.email_verified
        and email != user.email
        and not User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
    ):
        data["email"] = email  # the address changed in Cognito and was verified there
    changes = model_update(instance=user, data=data)
    changes.update(_sync_groups(user, wanted))
    if changes:
        audit_record(action=AuditAction.UPDATE, instance=user, changes=changes, actor=user)
    return user


def operator_from_access_token(*, sub: str, cognito_groups: Iterable[str]) -> User:
    """The operator a Cognito *user* access token of the front end stands for, with its groups synced.

    The same rules as a sign-in, for the seed's browser front end calling the API with its users'
    tokens: the identity is ``sub``, linked to a user at their first sign-in to the back office (an
    access token carries no e-mail to link by); the access comes from ``cognito:groups`` of the
    verified token, mapped and applied to the user as at every sign-in. An unknown or disabled
    identity, or one in no operator group, is refused.
    """
    if not sub:
        raise SignInRefused(_("The token names no user."), code="claims_missing")
    user = User.objects.filter(cognito_sub=sub).first()
    if user is None or not user.is_active:
        raise SignInRefused(_("Unknown or disabled operator: sign in to the back office first."), code="unknown_user")
    wanted = mapped_groups(cognito_groups)
    if not wanted:
        raise SignInRefused(
            _("Your account has no access to this application. Ask an administrator to add you to a group."),
            code="no_group",
        )
    current = set(user.groups.filter(name__in=COGNITO_GROUP_MAP.values()).values_list("name", flat=True))
    if current != wanted or not user.is_staff:
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=user.pk)
            changes = _sync_groups(user, wanted)
            changes.update(model_update(instance=user, data={"is_staff": True}))
            if changes:
                audit_record(action=AuditAction.UPDATE, instance=user, changes=changes, actor=user)
    return user
