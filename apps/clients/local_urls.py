"""Routes of the local token issuer; ``config/urls.py`` includes them only under the local settings."""

from django.urls import path

from apps.clients.local_issuer import JWKS_PATH, jwks_view

urlpatterns = [path(JWKS_PATH, jwks_view, name="local-jwks")]
