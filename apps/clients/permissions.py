"""Scope checks for partner requests, beside the operators' model permissions.

Operators (session users) are governed by their group's model permissions
(``apps.core.permissions.ModelPermissions``); partner clients are not users, so for them the
token's scopes decide, and the selectors confine them to their own source's objects.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from apps.clients import scopes
from apps.clients.authentication import REALM, ClientCredentials


class InsufficientScope(exceptions.PermissionDenied):
    default_detail = _("The access token does not carry the scope this operation needs.")
    default_code = "insufficient_scope"

    def __init__(self, action: str):
        super().__init__()
        needed = " ".join(sorted(scopes.scopes_for(action)))
        # RFC 6750 §3.1: a 403 for a missing scope names the scopes that would do.
        self.auth_header = f'Bearer realm="{REALM}", error="insufficient_scope", scope="{needed}"'


class PartnerWriteRefused(exceptions.PermissionDenied):
    default_detail = _("Partner systems cannot change this resource.")
    default_code = "partner_write_not_allowed"


# A view's ``partner_write_sources``: which partners' sources may write through it. Views without
# the attribute are read-only for partners (least privilege: providers, vouchers, status changes and
# assignments are the operators' work).
ANY_SOURCE = "*"


def _is_api_client(request) -> bool:
    return bool(getattr(request.user, "is_api_client", False))


class TokenScopePermission(BasePermission):
    """Partner requests need ``<resource server>/read`` for GET/HEAD/OPTIONS, ``/write`` otherwise.

    Without the credentials of a token (``request.auth``), a partner is refused: scopes are never
    assumed. Operators pass here and are checked by their model permissions.
    """

    def has_permission(self, request, view) -> bool:
        if not _is_api_client(request):
            return True
        action = scopes.action_for_method(request.method)
        credentials = request.auth
        if not (isinstance(credentials, ClientCredentials) and scopes.grants(credentials.scopes, action)):
            raise InsufficientScope(action)
        if action == scopes.WRITE:
            allowed = getattr(view, "partner_write_sources", ())
            if allowed != ANY_SOURCE and getattr(request.user, "source_code", None) not in allowed:
                raise PartnerWriteRefused()
        return True
