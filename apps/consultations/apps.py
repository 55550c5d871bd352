from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "apps.consultations"
    verbose_name = _("Phone consultations")

    def ready(self):
        from django.core.signals import setting_changed

        from apps.consultations.storage import reset_assists_storage

        setting_changed.connect(reset_assists_storage, dispatch_uid="consultations_storage_reset")
