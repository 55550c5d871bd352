from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "apps.tracking"
    verbose_name = _("MOK tracking")

    def ready(self):
        from django.conf import settings

        from apps.core.celery import register_limit
        from apps.tracking.services import lease_seconds

        # Both hold a message back between deliveries: they must end before SQS hands it out again.
        register_limit("TRACKING_RETRY_MAX_SECONDS", lambda: settings.TRACKING_RETRY_MAX_SECONDS)
        register_limit("tracking delivery lease (3 x MOK_TRACKING_TIMEOUT_SECONDS)", lease_seconds)
