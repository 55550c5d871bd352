"""OAuth2 scopes of the partner API, as the seed's Cognito resource servers define them.

Two resource servers (spelled as in the seed, ``assistences`` included) each offer ``read`` and
``write``. A read (GET, HEAD, OPTIONS) needs ``<server>/read`` of either server, anything else
``<server>/write``: the servers split partners by contract, not the API by resource.
"""

from collections.abc import Iterable

RESOURCE_SERVERS = ("assistences-services", "kom-services")
READ = "read"
WRITE = "write"
ACTIONS = (READ, WRITE)
ALL_SCOPES = tuple(f"{server}/{action}" for server in RESOURCE_SERVERS for action in ACTIONS)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# What a Django model permission means for an API client: its action, as a scope action.
_PERMISSION_ACTIONS = {"view": READ, "add": WRITE, "change": WRITE, "delete": WRITE}


def action_for_method(method: str) -> str:
    return READ if method.upper() in SAFE_METHODS else WRITE


def scopes_for(action: str) -> frozenset[str]:
    """The scopes any one of which grants ``action``."""
    return frozenset(f"{server}/{action}" for server in RESOURCE_SERVERS)


def grants(scopes: Iterable[str], action: str) -> bool:
    return not scopes_for(action).isdisjoint(scopes)


def action_for_permission(codename: str) -> str | None:
    """``view_event`` → read, ``change_voucher`` → write; None for custom permissions (never implied)."""
    prefix, _, rest = codename.partition("_")
    return _PERMISSION_ACTIONS.get(prefix) if rest else None


def parse_scope_claim(value) -> frozenset[str]:
    """The ``scope`` claim of a Cognito access token: space-separated; anything else counts as none."""
    if not isinstance(value, str):
        return frozenset()
    return frozenset(value.split())
