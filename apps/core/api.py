"""Base classes shared by every API resource."""

import hashlib

from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import viewsets
from rest_framework.exceptions import MethodNotAllowed, ValidationError
from rest_framework.settings import api_settings

from apps.core.exceptions import NotModified
from apps.core.selectors import table_version

# Query parameters every list understands besides its filters.
_COMMON_PARAMS = {"page", "page_size", "format", api_settings.SEARCH_PARAM, api_settings.ORDERING_PARAM}


class StrictQueryParamsMixin:
    """Refuse unknown query parameters: a misspelt filter must not silently return everything."""

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
            raise NotModified(self._etag)

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


class ReadOnlyResourceViewSet(MethodFirstMixin, StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    """List + retrieve, strict query parameters. Write resources add their command views."""


class CatalogViewSet(ConditionalGetMixin, ReadOnlyResourceViewSet):
    """A read-only catalog with conditional GET; ``etag_models`` are the tables it is built from."""
