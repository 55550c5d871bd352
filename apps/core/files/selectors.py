"""Where to download a stored file from: a short-lived URL, never the bucket's object itself."""

import re

from apps.core.files.models import StoredFile

_UNSAFE_DOWNLOAD_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def stored_file_url(*, stored: StoredFile) -> tuple[str, int | None]:
    """A short-lived URL to download the file, and its lifetime in seconds.

    On S3 the URL is presigned and expires after the storage's ``querystring_expire`` (set per
    environment in ``STORAGES``); the local folder storage signs its links the same way
    (``apps.core.files.local``). A storage with plain URLs answers them with no lifetime (None).
    The browser is told the detected content type and the original name, in safe characters.
    """
    storage = stored.file.storage
    expires_in = getattr(storage, "querystring_expire", None)
    if expires_in is None or not getattr(storage, "querystring_auth", False):
        return storage.url(stored.file.name), None
    safe_name = _UNSAFE_DOWNLOAD_NAME.sub("_", stored.original_name).strip("_") or f"file-{stored.pk}"
    url = storage.url(
        stored.file.name,
        parameters={
            "ResponseContentType": stored.content_type,
            "ResponseContentDisposition": f'inline; filename="{safe_name}"',
        },
        expire=int(expires_in),
    )
    return url, int(expires_in)
