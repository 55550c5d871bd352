"""Domain errors and the single DRF exception handler that turns every error into RFC 9457 problem details.

Every API error, whatever raised it, leaves as ``application/problem+json`` with the same members:
``type``, ``title``, ``status``, ``detail``, ``instance``, plus ``code`` (machine-readable),
``request_id`` and, for validation errors, ``errors`` (field → messages) and ``error_codes`` (the same
tree with each message's machine-readable code).
"""

import logging
import math

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from apps.core.context import get_context

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:bigtree-assist:problem:"


class ApplicationError(Exception):
    """A business rule refused the operation. Services raise it; the API and admin show ``message``.

    ``code`` is a stable machine-readable identifier; ``status`` the HTTP status the API answers with;
    ``extra`` optional structured details (for instance ``{"errors": {...}}``).
    """

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, message, *, code: str | None = None, status_code: int | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        if status_code is not None:
            self.status_code = status_code
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    """Fields a business rule refused: a 400 with ``errors`` (field → messages) and ``error_codes``.

    The one way services report field errors (admin forms show them under each field, the API in
    the problem document). Use :func:`coded` for a message whose code is not ``invalid``.
    """

    def __init__(self, errors: dict, message=None, *, code: str = "validation_error", status_code: int | None = None):
        message = message or _("One or more fields are invalid.")
        super().__init__(message, code=code, status_code=status_code, extra={"errors": errors})
        self.errors = errors

    @classmethod
    def field(cls, name: str, message, code: str = "invalid", *, status_code: int | None = None) -> "ValidationFailed":
        """One field at fault, whose message and code are also the problem's ``detail`` and ``code``
        (a client that reads only the top level still learns what was wrong)."""
        return cls({name: [coded(message, code)]}, message, code=code, status_code=status_code)


def coded(message, code: str) -> drf_exceptions.ErrorDetail:
    """A field message that carries its machine-readable code into ``error_codes``.

    Services build ``errors`` by hand; a plain message reads as code ``invalid``. The codes used for
    references are DRF's own: ``does_not_exist`` for anything unknown to the caller.
    """
    return drf_exceptions.ErrorDetail(str(message), code=code)


def _codes_of(tree):
    if isinstance(tree, dict):
        return {key: _codes_of(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_codes_of(value) for value in tree]
    return getattr(tree, "code", None) or "invalid"


class ConflictError(ApplicationError):
    """The operation clashes with the current state (illegal transition, stale version, duplicate)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class NotModified(Exception):
    """Raised by conditional GET when the client's ETag is current; answered with a bare 304."""

    def __init__(self, etag: str):
        super().__init__(etag)
        self.etag = etag


_TITLES = {
    400: _("Invalid request"),
    401: _("Authentication required"),
    403: _("Permission denied"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    409: _("Conflict"),
    412: _("Precondition failed"),
    413: _("Request too large"),
    415: _("Unsupported media type"),
    429: _("Too many requests"),
    500: _("Internal server error"),
    503: _("Service unavailable"),
}


def problem_body(*, status_code: int, code: str, detail, instance: str | None = None, **extra) -> dict:
    """The problem-details document; also used by the plain Django views (404/500, health)."""
    body = {
        "type": f"{PROBLEM_TYPE_PREFIX}{code}",
        "title": str(_TITLES.get(status_code, _("Error"))),
        "status": status_code,
        "detail": str(detail),
        "code": code,
        "request_id": get_context().request_id,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def problem_response(*, status_code: int, code: str, detail, request=None, headers=None, **extra) -> Response:
    instance = request.get_full_path() if request is not None else None
    body = problem_body(status_code=status_code, code=code, detail=detail, instance=instance, **extra)
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _flatten_detail(detail):
    """A one-line summary of a DRF error detail (string, list or dict)."""
    if isinstance(detail, dict):
        return _("One or more fields are invalid.")
    if isinstance(detail, list):
        return " ".join(str(item) for item in detail) if detail else _("Invalid request.")
    return str(detail)


def _headers_for(exc) -> dict:
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(math.ceil(exc.wait))
    return headers


def _challenge(view, request) -> str | None:
    if view is None or request is None:
        return None
    for authenticator in view.get_authenticators():
        header = authenticator.authenticate_header(request)
        if header:
            return header
    return None


class RequestTooLarge(drf_exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def request_too_large() -> RequestTooLarge:
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return RequestTooLarge(
        _("The request body is larger than %(limit)s MB; send less data per request.") % {"limit": f"{limit_mb:g}"}
    )


def _as_drf_exception(exc):
    """Django's own exceptions, expressed as their DRF counterparts."""
    if isinstance(exc, RequestDataTooBig):
        # Raised when the body is read, past DATA_UPLOAD_MAX_MEMORY_SIZE: the client's fault, not ours.
        return request_too_large()
    if isinstance(exc, TooManyFieldsSent):
        return drf_exceptions.ParseError(_("The request has too many fields."))
    if isinstance(exc, DjangoValidationError):
        return drf_exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        return drf_exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return drf_exceptions.PermissionDenied()
    return exc


def _api_exception_response(exc: drf_exceptions.APIException, context) -> Response:
    request = context.get("request")
    if isinstance(exc, drf_exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        # The same tree with each message's stable code ("required", "does_not_exist", "unknown_code"...),
        # so a client can act on an error without parsing translated text.
        codes = exc.get_codes()
        error_codes = codes if isinstance(codes, dict) else {"non_field_errors": codes}
        return problem_response(
            status_code=400,
            code="validation_error",
            detail=_flatten_detail(exc.detail),
            request=request,
            errors=errors,
            error_codes=error_codes,
        )
    code = exc.get_codes() if not isinstance(exc.detail, list | dict) else exc.default_code
    status_code = exc.status_code
    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        # DRF downgrades these to 403 when the first authenticator offers no challenge (session
        # auth); the contract is 401 for "who are you?" and 403 for "you may not", and a 401
        # names a scheme the caller can use (RFC 9110).
        status_code = 401
        if not getattr(exc, "auth_header", None):
            exc.auth_header = _challenge(context.get("view"), request)
    return problem_response(
        status_code=status_code,
        code=str(code),
        detail=_flatten_detail(exc.detail),
        request=request,
        headers=_headers_for(exc),
    )


def problem_exception_handler(exc, context):
    """DRF EXCEPTION_HANDLER: map any exception to a problem-details response."""
    request = context.get("request")
    if isinstance(exc, NotModified):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": exc.etag})
    if isinstance(exc, ApplicationError):
        extra = dict(exc.extra)
        if isinstance(extra.get("errors"), dict):
            extra.setdefault("error_codes", _codes_of(extra["errors"]))
        return problem_response(
            status_code=exc.status_code, code=exc.code, detail=exc.message, request=request, **extra
        )
    exc = _as_drf_exception(exc)
    if isinstance(exc, drf_exceptions.APIException):
        return _api_exception_response(exc, context)
    if isinstance(exc, OperationalError | InterfaceError):
        logger.error("database unavailable", exc_info=exc)
        return problem_response(
            status_code=503,
            code="service_unavailable",
            detail=_("A dependency is unavailable; retry shortly."),
            request=request,
            headers={"Retry-After": "5"},
        )
    logger.error("unhandled error", exc_info=exc)
    return problem_response(
        status_code=500,
        code="server_error",
        detail=_("An unexpected error occurred. Quote the request id when reporting it."),
        request=request,
    )
