"""``GET /v1/users``: the operators of the Cognito user pool and their groups (the seed's ListUsers)."""

import base64
import binascii
import json

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from apps.accounts import selectors
from apps.accounts.api.serializers import CognitoUserPageSerializer, UserListQuerySerializer
from apps.accounts.permissions import OperatorsOnly
from apps.accounts.roles import ADMIN_GROUP
from apps.core.api import CommandAPIView


class AdministratorsOnly(exceptions.PermissionDenied):
    default_detail = _("Only administrators may list the user pool.")
    default_code = "administrators_only"


class CognitoUnavailableError(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The user directory is unavailable; retry shortly.")
    default_code = "service_unavailable"
    wait = 10


class IsPoolAdministrator(BasePermission):
    """Operators of ``assistances-admin`` (or superusers); partner API clients and TMO operators are refused."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if getattr(user, "is_api_client", False):
            raise OperatorsOnly()
        if user.is_superuser or user.groups.filter(name=ADMIN_GROUP).exists():
            return True
        raise AdministratorsOnly()


def _invalid_cursor():
    return exceptions.ValidationError({"cursor": [_("Invalid cursor.")]}, code="invalid_cursor")


def encode_cursor(*, token: str, group: str | None, email: str | None) -> str:
    """Cognito's token, bound to the filters it was issued for (a token only continues its own listing)."""
    raw = json.dumps({"t": token, "g": group or "", "e": email or ""}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, group: str | None, email: str | None) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        token, cursor_group, cursor_email = data["t"], data["g"], data["e"]
    except (ValueError, UnicodeError, binascii.Error, KeyError, TypeError):
        raise _invalid_cursor() from None
    if not isinstance(token, str) or not token or (cursor_group, cursor_email) != (group or "", email or ""):
        raise _invalid_cursor()
    return token


class CognitoUserListView(CommandAPIView):
    """The pool's users, a page at a time."""

    permission_classes = [IsAuthenticated, IsPoolAdministrator]

    def allowed_query_params(self) -> set[str]:
        return {"group", "email", "cursor", "page_size", "format"}

    @extend_schema(
        operation_id="users_list",
        summary="List the user pool's operators",
        description=(
            "Users of the Cognito user pool with their operator groups (`assistances-admin`, `assistances-tmo`). "
            "Administrators only. Pages follow Cognito's own pagination: "
            "forward only through `next`; with both `group` and `email` a page may hold fewer users than "
            "`page_size` and still have a next one. 503 when Cognito cannot be reached."
        ),
        parameters=[UserListQuerySerializer],
        responses={200: CognitoUserPageSerializer},
        tags=["users"],
    )
    def get(self, request):
        params = self.validated(UserListQuerySerializer, data=request.query_params)
        group = params.get("group")
        email = params.get("email") or None
        token = decode_cursor(params["cursor"], group=group, email=email) if params.get("cursor") else None
        try:
            page = selectors.cognito_user_list(limit=params["page_size"], token=token, group=group, email_prefix=email)
        except selectors.InvalidPageToken:
            raise _invalid_cursor() from None
        except selectors.CognitoUnavailable:
            raise CognitoUnavailableError() from None
        next_url = None
        if page.next_token:
            cursor = encode_cursor(token=page.next_token, group=group, email=email)
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", cursor)
        body = {"next": next_url, "previous": None, "results": page.users}
        return Response(CognitoUserPageSerializer(body).data)
