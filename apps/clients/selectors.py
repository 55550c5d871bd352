"""Reads of API clients and keys for the authentication of each request."""

from django.utils import timezone

from apps.clients.models import ApiClient, ApiKey


def usable_key_of_client(*, key_hash: str | None, cognito_client_id: str) -> ApiKey | None:
    """The key with this digest if it is usable and belongs to the active client ``cognito_client_id``.

    One query (the key and its client joined): the common, successful request costs no more.
    """
    if not key_hash:
        return None
    return (
        ApiKey.objects.usable(timezone.now())
        .select_related("client")
        .filter(key_hash=key_hash, client__cognito_client_id=cognito_client_id, client__is_active=True)
        .first()
    )


def active_client_exists(*, cognito_client_id: str) -> bool:
    return ApiClient.objects.filter(cognito_client_id=cognito_client_id, is_active=True).exists()
