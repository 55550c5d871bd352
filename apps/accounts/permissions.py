"""Operators only: the resources tied to a user account, which partner clients may not use.

Here rather than beside the partners' scope checks (``apps.clients.permissions``) because accounts
sits below clients: both the users API and the cases' drafts refuse partners with it.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission


class OperatorsOnly(exceptions.PermissionDenied):
    default_detail = _("This resource is for operators only.")
    default_code = "operators_only"


class OperatorsOnlyPermission(BasePermission):
    """For resources tied to a user account (drafts): partner clients are refused."""

    def has_permission(self, request, view) -> bool:
        if getattr(request.user, "is_api_client", False):
            raise OperatorsOnly()
        return True
