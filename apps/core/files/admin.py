"""Stored files in the admin: listed read-only on their owner's page, downloaded through a redirect.

Files are added through the API only, where their content is checked; the admin never writes
them. Its link leads to the owner's admin, which checks the operator may view the owner and
redirects to a short-lived URL of the private file (``stored_file_url``).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.core.files.selectors import stored_file_url


def _download_url_name(owner_model, route: str) -> str:
    return f"{owner_model._meta.app_label}_{owner_model._meta.model_name}_{route}"


class StoredFileInline(admin.TabularInline):
    """An owner's files, read-only, each with a download link. ``download_route`` is the path of the
    owner admin's redirect (``<route>/<id>/``); the owner's admin mixes in ``StoredFileDownloadMixin``."""

    extra = 0
    can_delete = False
    fields = ["original_name", "content_type", "size", "sha256", "created_at", "download"]
    download_route = "file"

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("download"))
    def download(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse(f"admin:{_download_url_name(self.parent_model, self.download_route)}", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("download"))


class StoredFileDownloadMixin:
    """For the admin of a model whose ``inlines`` hold a ``StoredFileInline``: the download redirect."""

    def _file_inline(self) -> type[StoredFileInline]:
        return next(inline for inline in self.inlines if issubclass(inline, StoredFileInline))

    def get_urls(self):
        route = self._file_inline().download_route
        return [
            path(
                f"{route}/<int:file_id>/",
                self.admin_site.admin_view(self.stored_file_view),
                name=_download_url_name(self.model, route),
            ),
            *super().get_urls(),
        ]

    def stored_file_view(self, request, file_id: int):
        """Redirect to a short-lived URL of the (private) file."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        stored = self._file_inline().model._default_manager.filter(pk=file_id).first()
        if stored is None:
            raise Http404
        url, _expires = stored_file_url(stored=stored)
        return HttpResponseRedirect(url)
