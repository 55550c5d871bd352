"""The project's URLconf plus the local token issuer's JWKS route, as config/urls.py has it under the
local settings (the test settings run with DEBUG off, where that route does not exist)."""

from django.urls import include, path

from config.urls import handler404, handler500
from config.urls import urlpatterns as project_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]

urlpatterns = [*project_urlpatterns, path("", include("apps.clients.local_urls"))]
