from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistancesConfig(AppConfig):
    name = "apps.assistances"
    verbose_name = _("Assistance cases")
