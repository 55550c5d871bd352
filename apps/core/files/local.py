"""A local folder standing in for a private S3 bucket (``make run`` and the tests).

Like S3 with ``querystring_auth``, a file's URL is signed and expires (``querystring_expire``
seconds), and carries the content type and disposition to answer with; ``local_file`` serves it only
while the signature holds. So the API's download links work locally exactly as presigned URLs do in
production, nothing under the folder is ever public, and the URL names the bucket's folder (a plain
``/media/<name>`` link dropped it and answered 404).
"""

import mimetypes
import time

from django.core import signing
from django.core.files.storage import FileSystemStorage, InvalidStorageError, storages
from django.http import FileResponse, Http404
from django.urls import reverse

SALT = "bigtree.local-files"


class LocalPrivateStorage(FileSystemStorage):
    """One bucket's folder; ``url()`` answers a signed, expiring link to ``local_file``."""

    querystring_auth = True

    def __init__(self, *, alias: str, querystring_expire: int = 300, **kwargs):
        super().__init__(**kwargs)
        self.alias = alias
        self.querystring_expire = querystring_expire

    def url(self, name, parameters=None, expire=None):
        parameters = parameters or {}
        token = signing.dumps(
            {
                "a": self.alias,
                "n": name,
                "e": int(time.time()) + int(expire or self.querystring_expire),
                "t": parameters.get("ResponseContentType", ""),
                "d": parameters.get("ResponseContentDisposition", ""),
            },
            salt=SALT,
            compress=True,
        )
        return reverse("local-file", kwargs={"token": token})


def local_file(request, token: str):
    """Serve a file of a local bucket while its signed link is valid; 404 otherwise (like an expired URL)."""
    try:
        claims = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise Http404 from None
    if claims.get("e", 0) < time.time():
        raise Http404
    try:
        storage = storages[claims["a"]]
    except InvalidStorageError:  # an alias that is not configured reads like a missing file
        raise Http404 from None
    if not isinstance(storage, LocalPrivateStorage) or not storage.exists(claims["n"]):
        raise Http404  # production buckets are S3: never served from here
    content_type = claims.get("t") or mimetypes.guess_type(claims["n"])[0] or "application/octet-stream"
    response = FileResponse(storage.open(claims["n"], "rb"), content_type=content_type)
    if claims.get("d"):
        response["Content-Disposition"] = claims["d"]
    response["Cache-Control"] = "private, no-store"
    return response
