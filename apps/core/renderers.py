"""A fast JSON renderer (orjson) that also serves problem-details responses."""

import decimal
import json
from typing import Any

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import BaseRenderer


def _default(obj: Any):
    if isinstance(obj, decimal.Decimal):
        # Money and coordinates travel as strings so no precision is lost in a float.
        return str(obj)
    if isinstance(obj, Promise):  # lazy translations
        return str(obj)
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, set | frozenset):
        return list(obj)
    raise TypeError(f"Type is not JSON serializable: {type(obj).__name__}")


class JSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None  # JSON is UTF-8 by definition (RFC 8259); no charset parameter

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        try:
            return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:
            # orjson stops at 64-bit integers; a client's free-form JSON (a draft) may hold a larger
            # one, which JSON allows: the standard library writes it (slower, and rare).
            return json.dumps(data, default=_default, ensure_ascii=False, separators=(",", ":")).encode()
