import logging

from apps.core.context import get_context


class RequestIdFilter(logging.Filter):
    """Stamps every log record with the current request id (or '-' outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = get_context().request_id
        return True
