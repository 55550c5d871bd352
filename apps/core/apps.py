from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = _("Core")

    def ready(self):
        # Registers the Celery timing system check.
        # The broker's readiness joins the health checks where the broker is SQS.
        from django.conf import settings
        from django.core.signals import setting_changed

        from apps.core import celery  # noqa: F401
        from apps.core.files.storage import reset_bucket_storages

        # A STORAGES override (tests) must reach the bucket proxies that file fields hold.
        setting_changed.connect(reset_bucket_storages, dispatch_uid="core_bucket_storages_reset")

        if settings.CELERY_BROKER_URL.startswith("sqs"):
            from apps.core import health, queues

            health.register("queue", queues.check_queue)


class ConsoleAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the console's site (apps/core/admin_site.py) as ``admin.site``."""

    default = False  # CoreConfig stays apps.core's own configuration

    default_site = "apps.core.admin_site.ConsoleAdminSite"
