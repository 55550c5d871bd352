from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = _("Core")

    def ready(self):
        # Registers the Celery timing system check.
        # The broker's readiness joins the health checks where the broker is SQS.
        from django.conf import settings

        from apps.core import celery  # noqa: F401

        if settings.CELERY_BROKER_URL.startswith("sqs"):
            from apps.core import health, queues

            health.register("queue", queues.check_queue)
