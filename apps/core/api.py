"""Base classes shared by every API resource."""

import contextlib
import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import viewsets
from rest_framework.exceptions import MethodNotAllowed, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.core.context import RequestContext, get_context, reset_context, set_context
from apps.core.exceptions import ConflictError, NotModified
from apps.core.models import IdempotencyRecord
from apps.core.selectors import table_version
from apps.core.visibility import visible

# Query parameters every list understands besides its filters.
_COMMON_PARAMS = {"page", "page_size", "cursor", "format", api_settings.SEARCH_PARAM, api_settings.ORDERING_PARAM}


class StrictQueryParamsMixin:
    """Refuse unknown and empty query parameters: a misspelt or blank filter must not silently return everything."""

    def allowed_query_params(self) -> set[str]:
        allowed = set(_COMMON_PARAMS)
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            allowed |= set(filterset_class.base_filters)
        allowed |= set(getattr(self, "filterset_fields", None) or ())
        allowed |= set(getattr(self, "extra_query_params", ()))
        return allowed

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        unknown = sorted(set(request.query_params) - self.allowed_query_params())
        if unknown:
            raise ValidationError({name: [_("Unknown query parameter.")] for name in unknown})
        # ``?opened_after=`` was silently "no filter": a client that meant a value and sent none
        # would list everything. An empty value is malformed like any other.
        empty = sorted({name for name, value in request.query_params.lists() if "" in value})
        if empty:
            raise ValidationError({name: [_("Give a value, or leave the parameter out.")] for name in empty})
        # Every parameter takes one value; with two, which one counts would be a guess.
        repeated = sorted(name for name, values in request.query_params.lists() if len(values) > 1)
        if repeated:
            raise ValidationError({name: [_("Give this parameter once.")] for name in repeated})


class ConditionalGetMixin:
    """ETag / If-None-Match for read-only resources whose version is cheap to compute.

    The version is taken from ``etag_models`` (the tables the resource is built from: newest change
    and row count of each); the ETag also covers the path, query, language and media type. A match
    answers 304 before any row is serialized. Runs after authentication, so a 304 is never given to
    an anonymous caller.
    """

    etag_models: tuple = ()

    def etag_sources(self) -> tuple:
        """What the representation is built from: models, or querysets narrowing them."""
        return self.etag_models

    def etag_version(self) -> str:
        return table_version(*self.etag_sources())

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._etag = None
        if request.method not in ("GET", "HEAD"):
            return
        media_type = getattr(request, "accepted_media_type", "")
        raw = "|".join([self.etag_version(), request.get_full_path(), get_language() or "", media_type])
        self._etag = quote_etag(hashlib.sha256(raw.encode()).hexdigest()[:32])
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match and (self._etag in parse_etags(if_none_match) or if_none_match.strip() == "*"):
            self.refuse_what_would_be_refused(request)
            raise NotModified(self._etag)

    def refuse_what_would_be_refused(self, request) -> None:
        """A request the view would refuse (a malformed filter, page or page size, an unknown object)
        is refused even for a client that has an answer cached (found by fuzzing: ``If-None-Match: *``
        answered 304 to a malformed query). Filters are checked without reading any row; a detail
        page costs the one lookup."""
        if self.lookup_url_kwarg or self.lookup_field in self.kwargs:
            self.get_object()
            return
        self.filter_queryset(self.get_queryset())
        paginator = getattr(self, "paginator", None)
        if paginator is not None and hasattr(paginator, "validate_query"):
            paginator.validate_query(request)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(self, "_etag", None) and response.status_code in (200, 304):
            response["ETag"] = self._etag
            response["Cache-Control"] = "private, no-cache"
            patch_vary_headers(response, ("Accept-Language", "Cookie", "Authorization"))
        return response


class MethodFirstMixin:
    """Answer 405 for a method the resource does not offer, before permissions turn it into a 403."""

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)


class ActorContextMixin:
    """After DRF has authenticated the caller, expose it to services (audit actor) via the request context.

    Django's middleware only sees session users; token-authenticated API clients exist only once
    DRF has run, so the context is refreshed here, for the duration of the handler.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user if request.user is not None and request.user.is_authenticated else None
        self._context_token = set_context(RequestContext(request_id=get_context().request_id, source="api", user=user))

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_context_token", None)
        if token is not None:
            reset_context(token)
            self._context_token = None
        return super().finalize_response(request, response, *args, **kwargs)


class _Replay(Exception):
    """Control flow: the answer to this request is already stored."""

    def __init__(self, record):
        super().__init__(record.key)
        self.record = record


def _body_digest(request) -> str:
    """SHA-256 of the request body, or of its parsed parts when the body was already streamed.

    A multipart upload from a browser session is read by the CSRF check (it looks for a form
    token) before the view runs, after which Django no longer has the raw body; its fields and the
    files' contents describe the same request.
    """
    try:
        return hashlib.sha256(request.body or b"").hexdigest()
    except RawPostDataException:
        digest = hashlib.sha256()
        for name, value in sorted(request.POST.lists()):
            digest.update(f"{name}={value!r};".encode())
        for name, upload in sorted(request.FILES.items()):
            digest.update(f"{name}:{upload.name}:{upload.size}:".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
        return digest.hexdigest()


class IdempotencyMixin:
    """Honour ``Idempotency-Key`` on POST: a retry with the same key and body gets the first answer
    again (and changes nothing); the same key with another body is refused with 409."""

    idempotency_header = "Idempotency-Key"

    def _idempotency(self, request):
        raw = request.headers.get(self.idempotency_header)
        if request.method != "POST" or raw is None:
            return None
        key = raw.strip()
        if not key:
            raise ValidationError({self.idempotency_header: [_("Give a key, or leave the header out.")]})
        if len(key) > 255:
            raise ValidationError({self.idempotency_header: [_("At most 255 characters.")]})
        user = request.user
        scope = f"{type(user).__name__}:{getattr(user, 'pk', '')}"
        digest = _body_digest(request)
        return scope, key, digest

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_key = self._idempotency(request)
        if self._idempotency_key is None:
            return
        scope, key, digest = self._idempotency_key
        record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if record is None:
            return
        if record.body_sha256 != digest or record.path != request.path:
            raise ConflictError(
                _("This Idempotency-Key was already used for a different request."), code="idempotency_key_reused"
            )
        raise _Replay(record)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            response = Response(exc.record.response_body, status=exc.record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        marker = getattr(self, "_idempotency_key", None)
        if marker and 200 <= response.status_code < 300 and not response.has_header("Idempotent-Replayed"):
            scope, key, digest = marker
            # A concurrent retry may have stored it first; both answers are the same operation's.
            with contextlib.suppress(IntegrityError), transaction.atomic():
                IdempotencyRecord.objects.create(
                    scope=scope,
                    key=key,
                    method=request.method,
                    path=request.path[:255],
                    body_sha256=digest,
                    status_code=response.status_code,
                    response_body=getattr(response, "data", None),
                )
        return response


class PartnerScopeMixin:
    """Partner visibility applied once, for every view (``apps.core.visibility``).

    Lists and retrieves go through ``filter_queryset``, which narrows the queryset to the caller
    before any filter, search or ordering runs: a search can only ever find the caller's rows, and
    another partner's rows cannot crowd its own out of a limited search. Command views look their
    objects up with ``get_visible``. A model without a partner rule is refused to partners.
    Caller-chosen ordering is off unless the view declares ``ordering_fields``.
    """

    ordering_fields = None

    def visible(self, queryset):
        return visible(queryset, self.request.user)

    def get_visible(self, queryset, **lookup):
        """The one object matching ``lookup`` among those the caller may see; 404 otherwise (foreign or missing)."""
        return get_object_or_404(self.visible(queryset), **lookup)

    def filter_queryset(self, queryset):
        return super().filter_queryset(self.visible(queryset))

    def get_serializer_context(self):
        # Commands build serializers themselves; the request is what scopes their related fields.
        context = super().get_serializer_context() if hasattr(super(), "get_serializer_context") else {}
        return {**context, "request": self.request, "view": self}

    def serializer(self, serializer_class, *args, **kwargs):
        """``serializer_class(*args, **kwargs)`` with the request in its context (scoped related fields)."""
        kwargs["context"] = {**self.get_serializer_context(), **kwargs.get("context", {})}
        return serializer_class(*args, **kwargs)

    def validated(self, serializer_class, data=None, **kwargs) -> dict:
        """The request's body (or ``data``: the query parameters, say) validated by ``serializer_class``,
        built by ``serializer()``; invalid, a 400 naming each field."""
        serializer = self.serializer(serializer_class, data=self.request.data if data is None else data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class UsageFirstMixin:
    """Usage plans count every authenticated call, refused ones included.

    DRF checks permissions before throttles, so a call refused with 403 (a missing scope, a partner
    writing where it may not) was never counted: a client could hammer the API with refused calls
    at full speed. Here the throttles run first, right after authentication, and only once.
    """

    def check_permissions(self, request):
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request):
        if getattr(request, "_usage_counted", False):
            return
        request._usage_counted = True
        super().check_throttles(request)


class APIMixin(
    IdempotencyMixin, MethodFirstMixin, UsageFirstMixin, ActorContextMixin, StrictQueryParamsMixin, PartnerScopeMixin
):
    """What every API view has: 405 before 403, the caller in the context, strict query parameters,
    Idempotency-Key replay on POST, and partner visibility applied to every queryset."""


class CommandAPIView(APIMixin, APIView):
    """A non-CRUD operation (change a status, check coverage...): a small view calling one service."""


class ReadOnlyResourceViewSet(APIMixin, viewsets.ReadOnlyModelViewSet):
    """List + retrieve, strict query parameters. Write resources add their command views."""


class ResourceViewSet(APIMixin, viewsets.ModelViewSet):
    """CRUD whose writes go through the app's services (validated, stamped, audited).

    Serializers validate the shape; ``service_create(data=, actor=)``, ``service_update(instance=,
    data=, actor=)`` and ``service_delete(instance=, actor=)`` own the rules. ``service_context()``
    adds keyword arguments (a parent object from the URL, say). Updates are PATCH only: a partner
    must not wipe fields it did not send.
    """

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    service_create: Callable
    service_update: Callable
    service_delete: Callable

    def service_context(self) -> dict:
        return {}

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        # Answered by a full serializer: a partial one leaves out read-only fields that fall back
        # to their default (DRF skips defaults when partial), so a PATCH would answer another shape
        # than a GET of the same object (found by the schema fuzzer).
        return Response(self.get_serializer(serializer.instance).data)

    def perform_create(self, serializer):
        serializer.instance = type(self).service_create(
            data=dict(serializer.validated_data), actor=self.request.user, **self.service_context()
        )

    def perform_update(self, serializer):
        serializer.instance = type(self).service_update(
            instance=serializer.instance, data=dict(serializer.validated_data), actor=self.request.user
        )

    def perform_destroy(self, instance):
        type(self).service_delete(instance=instance, actor=self.request.user)


class CatalogViewSet(ConditionalGetMixin, ReadOnlyResourceViewSet):
    """A read-only catalog with conditional GET; ``etag_models`` are the tables it is built from."""
