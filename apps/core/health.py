"""Readiness checks. Each dependency registers one function returning (ok, detail).

The database is checked now; the queue and the storage add their checks in their own apps by
calling ``register`` from ``AppConfig.ready``.
"""

import logging
import time
from collections.abc import Callable

from django.db import connections

logger = logging.getLogger(__name__)

_CHECKS: dict[str, Callable[[], str]] = {}


def register(name: str, check: Callable[[], str]) -> None:
    """``check`` returns a short detail on success and raises on failure."""
    _CHECKS[name] = check


def check_database() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


register("database", check_database)


def run_checks() -> tuple[bool, dict]:
    results = {}
    all_ok = True
    for name, check in _CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
            ok = True
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; the reason is reported
            logger.warning("readiness check %s failed: %s", name, exc)
            detail = type(exc).__name__
            ok = False
        all_ok = all_ok and ok
        results[name] = {
            "ok": ok,
            "detail": detail,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        }
    return all_ok, results
