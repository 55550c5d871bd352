"""Reads of the operators' identities in the Cognito user pool (the seed's ListUsers Lambda).

The pool is the source of truth for who may sign in and with which group; these selectors read it
through the ``cognito-idp`` API (``ListUsers`` and ``ListUsersInGroup``), one page per call, so an
administrator can see the pool without the AWS console. The endpoint comes from ``AWS_ENDPOINT_URL``
when it is set (moto's server in tests), as boto3 itself reads it; credentials from the task role.

Pagination follows Cognito's own tokens (forward only): ``ListUsers`` answers a ``PaginationToken``,
``ListUsersInGroup`` a ``NextToken``; both are handed back to the caller as they are and sent again
for the next page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP

logger = logging.getLogger(__name__)

# The Cognito groups that mean something here (apps.accounts.roles); other groups are not shown.
OPERATOR_GROUPS = (ADMIN_GROUP, TMO_GROUP)
# Cognito refuses a Limit above 60 on ListUsers and ListUsersInGroup.
COGNITO_MAX_PAGE_SIZE = 60
# Cognito's Filter is at most 256 characters; `email ^= ""` takes 11 of them (escapes take more).
EMAIL_PREFIX_MAX_LENGTH = 200
# A page filtered here (group + e-mail prefix) is filled from several Cognito pages; this bounds the
# calls one request may cost. A page cut short still carries the token to continue from.
MAX_CALLS_PER_PAGE = 10
# Group memberships are read in full on every request (to show each user's groups); a pool whose
# operator groups outgrow this is beyond what one listing request should read.
MAX_GROUP_MEMBER_PAGES = 50

# Answers to a pagination token that is stale or not Cognito's (moto's paginator says InvalidToken);
# only counted as the caller's error when a token was sent. Anything else is Cognito's.
_CALLER_ERRORS = frozenset({"InvalidParameterException", "InvalidToken"})
_CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 2})


class CognitoUnavailable(Exception):
    """The user pool cannot be read now (unreachable, throttled, misconfigured or not configured)."""


class InvalidPageToken(Exception):
    """Cognito refused the pagination token (expired, or from another listing)."""


@dataclass(frozen=True)
class CognitoUser:
    """One identity of the pool, as an administrator needs to see it."""

    username: str
    sub: str
    email: str
    email_verified: bool
    enabled: bool
    status: str
    created: datetime | None
    modified: datetime | None
    groups: tuple[str, ...]


@dataclass(frozen=True)
class CognitoUserPage:
    users: list[CognitoUser]
    next_token: str | None


def email_filter(prefix: str) -> str:
    """Cognito's ``Filter`` expression for "e-mail starts with ``prefix``".

    The value is a double-quoted string in which ``"`` and ``\\`` are escaped with a backslash, so
    a prefix can neither end the string early nor add another condition.
    """
    escaped = prefix.replace("\\", "\\\\").replace('"', '\\"')
    return f'email ^= "{escaped}"'


def _client():
    if not settings.COGNITO_USER_POOL_ID:
        raise CognitoUnavailable("COGNITO_USER_POOL_ID is not set")
    return boto3.client("cognito-idp", region_name=settings.AWS_REGION, config=_CLIENT_CONFIG)


def _call(method, *, missing_ok: bool = False, **kwargs) -> dict | None:
    """One Cognito call; its failures become ``CognitoUnavailable`` or ``InvalidPageToken``.

    ``missing_ok``: a resource that does not exist (a group not created in this pool) answers None.
    """
    try:
        return method(UserPoolId=settings.COGNITO_USER_POOL_ID, **kwargs)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if missing_ok and code == "ResourceNotFoundException":
            return None
        if code in _CALLER_ERRORS and ("PaginationToken" in kwargs or "NextToken" in kwargs):
            raise InvalidPageToken(code) from exc
        logger.error("Cognito %s failed: %s", method.__name__, code or exc)
        raise CognitoUnavailable(code or str(exc)) from exc
    except BotoCoreError as exc:  # unreachable, timed out, no credentials...
        logger.error("Cognito %s failed: %s", method.__name__, type(exc).__name__)
        raise CognitoUnavailable(type(exc).__name__) from exc


def _attributes(raw: dict) -> dict[str, str]:
    # ListUsers names them "Attributes"; AdminGetUser "UserAttributes".
    return {item["Name"]: item.get("Value", "") for item in raw.get("Attributes") or raw.get("UserAttributes") or []}


def _user(raw: dict, memberships: dict[str, set[str]]) -> CognitoUser:
    attributes = _attributes(raw)
    username = raw["Username"]
    return CognitoUser(
        username=username,
        sub=attributes.get("sub", ""),
        email=attributes.get("email", ""),
        email_verified=attributes.get("email_verified", "").lower() == "true",
        enabled=bool(raw.get("Enabled", False)),
        status=raw.get("UserStatus", ""),
        created=raw.get("UserCreateDate"),
        modified=raw.get("UserLastModifiedDate"),
        groups=tuple(group for group in OPERATOR_GROUPS if username in memberships.get(group, ())),
    )


def _group_members(client, groups: Iterable[str]) -> dict[str, set[str]]:
    """Usernames in each group (all pages): one or two calls per group for an operations team."""
    members: dict[str, set[str]] = {}
    for group in groups:
        names: set[str] = set()
        token = None
        for _page in range(MAX_GROUP_MEMBER_PAGES):
            kwargs = {"GroupName": group, "Limit": COGNITO_MAX_PAGE_SIZE}
            if token:
                kwargs["NextToken"] = token
            answer = _call(client.list_users_in_group, missing_ok=True, **kwargs)
            if answer is None:
                break  # the group does not exist in this pool (yet): nobody is in it
            names.update(user["Username"] for user in answer.get("Users", []))
            token = answer.get("NextToken")
            if not token:
                break
        else:
            logger.warning("Cognito group %s has more than %d pages of members", group, MAX_GROUP_MEMBER_PAGES)
        members[group] = names
    return members


def cognito_user_list(
    *, limit: int, token: str | None = None, group: str | None = None, email_prefix: str | None = None
) -> CognitoUserPage:
    """One page of the pool's users with their operator groups, optionally filtered.

    Without ``group``: ``ListUsers`` (the e-mail prefix as Cognito's ``Filter``). With ``group``:
    ``ListUsersInGroup`` of that group (which has no filter, so the e-mail prefix is applied here,
    compared case-insensitively, the page filled from as many Cognito pages as needed, up to
    ``MAX_CALLS_PER_PAGE``: a page may then hold fewer than ``limit`` users and still have a next one).
    """
    if not 1 <= limit <= COGNITO_MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {COGNITO_MAX_PAGE_SIZE}")
    if group is not None and group not in OPERATOR_GROUPS:
        raise ValueError(f"unknown group {group!r}")
    client = _client()
    memberships = _group_members(client, OPERATOR_GROUPS)
    if group is None:
        kwargs: dict = {"Limit": limit}
        if token:
            kwargs["PaginationToken"] = token
        if email_prefix:
            kwargs["Filter"] = email_filter(email_prefix)
        answer = _call(client.list_users, **kwargs) or {}
        users = [_user(raw, memberships) for raw in answer.get("Users", [])]
        return CognitoUserPage(users=users, next_token=answer.get("PaginationToken") or None)

    wanted = email_prefix.casefold() if email_prefix else None
    users: list[CognitoUser] = []
    for _call_number in range(MAX_CALLS_PER_PAGE):
        # Never ask for more than the page still needs, so the token Cognito returns is exactly
        # where the next page starts.
        kwargs = {"GroupName": group, "Limit": limit - len(users)}
        if token:
            kwargs["NextToken"] = token
        answer = _call(client.list_users_in_group, missing_ok=True, **kwargs)
        if answer is None:  # the group does not exist in this pool: nobody is in it
            return CognitoUserPage(users=[], next_token=None)
        for raw in answer.get("Users", []):
            user = _user(raw, memberships)
            if wanted is None or user.email.casefold().startswith(wanted):
                users.append(user)
        token = answer.get("NextToken") or None
        if token is None or len(users) >= limit:
            break
    return CognitoUserPage(users=users, next_token=token)
