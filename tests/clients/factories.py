"""API clients with real keys, made through the services."""

from dataclasses import dataclass

from apps.audit.models import AuditLog, AuditOutbox
from apps.clients import services
from apps.clients.authentication import ClientCredentials
from apps.clients.models import ApiClient
from tests.clients.support import READ, WRITE


@dataclass
class Partner:
    client: ApiClient
    key: str  # the plaintext API key

    @property
    def client_id(self) -> str:
        return self.client.cognito_client_id


def make_partner(*, source: str = "KOM", scopes=(READ, WRITE), name: str | None = None, **extra) -> Partner:
    client = services.api_client_create(
        data={
            "name": name or f"{source} partner",
            "source_code": source,
            "cognito_client_id": f"{source.lower()}{'x' * 10}{ApiClient.objects.count()}",
            "allowed_scopes": list(scopes),
            **extra,
        }
    )
    return Partner(client=client, key=services.api_key_issue(client=client).plaintext)


def credentials(scopes=(READ, WRITE), api_key_id: str = "1") -> ClientCredentials:
    """``request.auth`` as the authentication builds it, for tests that force-authenticate a partner."""
    return ClientCredentials(scopes=frozenset(scopes), api_key_id=api_key_id, rate=10.0, burst=20, monthly_quota=10_000)


def audit_entries(**match) -> list[dict]:
    """Audit entries as dicts, stored or still in the outbox (an entry recorded inside a transaction the
    test never commits stays there)."""
    fields = ("action", "object_type", "object_id", "changes", "actor_type", "actor_id", "actor_repr", "source")
    entries = [row.payload for row in AuditOutbox.objects.order_by("id")]
    entries += list(AuditLog.objects.order_by("id").values(*fields))
    return [e for e in entries if all(e.get(name) == value for name, value in match.items())]
