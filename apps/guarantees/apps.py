from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuaranteesConfig(AppConfig):
    name = "apps.guarantees"
    verbose_name = _("Guarantees of payment")
