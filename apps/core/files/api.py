"""The API half of stored files: the upload and download-URL views' shared steps, and the upload's schema.

An upload view finds the owner first (404 for one the caller may not see), refuses a body far
over the size limit before reading it, takes exactly one multipart field, ``file``, and hands it
to the app's add service: 201 with the new file, 200 with the stored one when the same content
is already there. Refusals leave as problem documents with their codes (``apps.core.files.services``).
"""

from collections.abc import Callable

from django.urls import path
from drf_spectacular.utils import OpenApiRequest, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from apps.core.files.models import StoredFile
from apps.core.files.selectors import stored_file_url
from apps.core.files.services import FileRules, file_too_large
from apps.core.openapi import problem_responses
from apps.core.serializers import StrictFieldsMixin

# Multipart framing (boundaries, part headers) on top of the file itself.
MULTIPART_OVERHEAD = 64 * 1024


class FileUploadSerializer(StrictFieldsMixin, serializers.Serializer):
    """A multipart upload with a single ``file`` field."""

    file = serializers.FileField()


class StoredFileUploadMixin:
    """``POST`` of one file to an owner. Views name the owner (``get_owner``) and the add service
    (``add_file``); ``file_rules`` gives the size limit checked before the body is read."""

    parser_classes = [MultiPartParser]
    file_rules: FileRules
    upload_serializer_class: type[serializers.Serializer] = FileUploadSerializer
    file_serializer_class: type[serializers.Serializer]

    def get_owner(self, **kwargs):
        """The object the file is for, among those the caller may see (404 otherwise)."""
        raise NotImplementedError

    def add_file(self, *, owner, upload) -> tuple[StoredFile, bool]:
        """Call the app's add service; answers ``(file, created)``."""
        raise NotImplementedError

    def post(self, request, **kwargs):
        owner = self.get_owner(**kwargs)
        # Refuse an oversized body before reading it (the exact file size is checked again by the service).
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        max_bytes = self.file_rules.max_bytes()
        if declared > max_bytes + MULTIPART_OVERHEAD:
            raise file_too_large(max_bytes)
        upload = self.validated(self.upload_serializer_class)["file"]
        stored, created = self.add_file(owner=owner, upload=upload)
        return Response(
            self.serializer(self.file_serializer_class, stored).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def upload_schema(
    *, summary: str, description: str, parameters: list | None = None, examples: list | None = None
) -> Callable:
    """Class decorator of a ``StoredFileUploadMixin`` view: its ``POST`` in the OpenAPI schema.

    The request is multipart with the view's upload serializer, the ``file`` part's encoding lists
    the media types its ``file_rules`` accept, and 201 and 200 answer the file serializer. The
    error responses are the shared ones (``apps.core.openapi``), plus the 413 of a file over the limit,
    which the shared hook cannot tell from the operation.
    """

    def decorate(view_class):
        request = OpenApiRequest(
            view_class.upload_serializer_class,
            encoding={"file": {"contentType": view_class.file_rules.check.content_types}},
        )
        operation = extend_schema(
            summary=summary,
            description=description,
            parameters=parameters,
            request={"multipart/form-data": request},
            responses={
                201: view_class.file_serializer_class,
                200: view_class.file_serializer_class,
                **problem_responses(413),
            },
            examples=examples,
        )
        return extend_schema_view(post=operation)(view_class)

    return decorate


def download_url_schema(*, summary: str, parameters: list | None = None, examples: list | None = None) -> Callable:
    """Class decorator of a ``StoredFileURLMixin`` view: its ``GET`` in the OpenAPI schema."""

    def decorate(view_class):
        operation = extend_schema(
            summary=summary,
            description="Files are private; this answers a presigned URL that expires after `expires_in` seconds.",
            parameters=parameters,
            responses={200: view_class.url_serializer_class},
            examples=examples,
        )
        return extend_schema_view(get=operation)(view_class)

    return decorate


class StoredFileURLMixin:
    """``GET`` of a short-lived download URL for one file. Views find the file (``get_file``, 404 for
    one the caller may not see) and name the answer's serializer (``url_serializer_class``)."""

    url_serializer_class: type[serializers.Serializer]

    def get_file(self, **kwargs) -> StoredFile:
        raise NotImplementedError

    def get(self, request, **kwargs):
        url, expires_in = stored_file_url(stored=self.get_file(**kwargs))
        # Absolute, as the schema says (S3's presigned URLs are; a local bucket's link is a path).
        body = {"url": request.build_absolute_uri(url), "expires_in": expires_in}
        return Response(self.url_serializer_class(body).data)


def stored_file_paths(file_path: str, *, name: str, views: tuple[type, type]) -> list:
    """The two routes of an owner's files, the same for every owner.

    ``file_path`` is one file's (``<owner>/files/<int:file_id>``): its folder takes an upload
    (``views[0]``, route ``<name>s``) and the path itself answers a download URL (``views[1]``,
    route ``<name>``).
    """
    upload_view, url_view = views
    folder = file_path.rsplit("/", 1)[0]
    return [
        path(folder, upload_view.as_view(), name=f"{name}s"),
        path(file_path, url_view.as_view(), name=name),
    ]
