import logging

from apps.core.context import get_context


class RequestIdFilter(logging.Filter):
    """Stamps every log record with the current request id (or '-' outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # django.request logs 4xx/5xx after the middleware has returned; its record carries the request.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or get_context().request_id
        return True
