from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MastersConfig(AppConfig):
    name = "apps.masters"
    verbose_name = _("Catalogs")
