"""Per-request (or per-task) context: request id, actor and source, readable from anywhere.

Services need to know who is acting and through which channel (admin, api, worker) to write the
audit log, without every caller threading those values through. contextvars keep them correct
under threads and async alike.
"""

import contextlib
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeAlias

# Who acts: a Django user (an operator), an API client's principal (a partner system), or None
# (the system: commands, periodic tasks). Services take it as ``actor: Actor = None``.
Actor: TypeAlias = Any


@dataclass(frozen=True)
class RequestContext:
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    source: str = "system"  # admin | api | worker | system (commands, migrations)
    user: object | None = None


_current: ContextVar[RequestContext | None] = ContextVar("bigtree_request_context", default=None)


def get_context() -> RequestContext:
    ctx = _current.get()
    return ctx if ctx is not None else RequestContext(request_id="-")


def set_context(ctx: RequestContext):
    return _current.set(ctx)


def reset_context(token) -> None:
    _current.reset(token)


@contextlib.contextmanager
def use_context(**kwargs):
    """Run a block (a task, a command) under a given context."""
    token = set_context(RequestContext(**kwargs))
    try:
        yield get_context()
    finally:
        reset_context(token)


def current_actor(actor: Actor = None) -> Actor:
    """The given actor, or whoever the current request or task acts for."""
    return actor if actor is not None else get_context().user


def user_or_none(actor: Actor):
    """The actor if it is a real user (for user columns such as created_by); API clients and the
    system are identified in the audit trail only."""
    if actor is None or getattr(actor, "is_api_client", False) or not getattr(actor, "is_authenticated", False):
        return None
    return actor
