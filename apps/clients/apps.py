from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "apps.clients"
    verbose_name = _("API clients")

    def ready(self) -> None:
        # Registers the OpenAPI security scheme of the partner authentication.
        from apps.clients import schema  # noqa: F401
