"""List pagination with a hard maximum page size.

Asking for more than ``API_MAX_PAGE_SIZE`` rows, or for a malformed page, is a 400 problem: a
partner that silently received fewer rows than it asked for would think it had seen everything.
"""

from django.conf import settings
from django.core.paginator import InvalidPage
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

# What the OpenAPI examples of a list show around their one row: a whole list on one page, as the
# server answers it. drf-spectacular builds list examples from the ``example`` of each envelope field;
# DRF's own are placeholders of another API (http://api.example.org/accounts/?page=4, 123 rows).
_ONE_PAGE_EXAMPLE = {"count": 1, "next": None, "previous": None}


def _with_one_page_example(schema: dict) -> dict:
    for name, field in schema["properties"].items():
        if name in _ONE_PAGE_EXAMPLE:
            field["example"] = _ONE_PAGE_EXAMPLE[name]
    return schema


def _positive_int(raw: str, *, name: str, maximum: int | None = None) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({name: [_("Must be a positive integer.")]}) from None
    if value < 1:
        raise ValidationError({name: [_("Must be a positive integer.")]})
    if maximum is not None and value > maximum:
        raise ValidationError({name: [_("Must be at most %(max)d.") % {"max": maximum}]})
    return value


class PageSizeMixin:
    """What both paginations share: ``page_size`` up to one hard maximum (a clean 400 beyond it), and
    a one-page example in the schema. ``page_size`` falls back to the project's ``PAGE_SIZE``."""

    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE

    def get_paginated_response_schema(self, schema):
        return _with_one_page_example(super().get_paginated_response_schema(schema))

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size or settings.REST_FRAMEWORK["PAGE_SIZE"]
        return _positive_int(raw, name=self.page_size_query_param, maximum=self.max_page_size)


class PageNumberPagination(PageSizeMixin, pagination.PageNumberPagination):
    """Numbered pages, refusing a malformed page number before any row is read."""

    def validate_query(self, request) -> None:
        """Refuse a malformed page or page size (400), without reading any row."""
        self.get_page_size(request)
        _positive_int(request.query_params.get(self.page_query_param, "1"), name=self.page_query_param)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        page_number = _positive_int(request.query_params.get(self.page_query_param, "1"), name=self.page_query_param)
        paginator = self.django_paginator_class(queryset, page_size)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage:
            raise NotFound(_("Page %(page)d does not exist.") % {"page": page_number}) from None
        return list(self.page)


class CursorPagination(PageSizeMixin, pagination.CursorPagination):
    """Keyset pagination for large, growing lists (cases, notes): no COUNT, stable under inserts.

    ``page_size`` has the same hard maximum as every other list.
    """

    ordering = ("-created_at", "-id")

    def decode_cursor(self, request):
        # DRF answers a cursor it cannot decode with 404; it is a malformed parameter, so 400 like a
        # malformed page number (found by the schema fuzzer: the 404 was undocumented).
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [_("Invalid cursor.")]}, code="invalid_cursor") from None
