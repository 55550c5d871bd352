from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuanceConfig(AppConfig):
    name = "apps.issuance"
    verbose_name = _("MOK issuance")

    def ready(self):
        from django.core.signals import setting_changed

        from apps.issuance.storage import reset_issuance_storage

        setting_changed.connect(reset_issuance_storage, dispatch_uid="issuance_storage_reset")
