from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "apps.audit"
    verbose_name = _("Audit")

    def ready(self):
        from django.conf import settings

        from apps.core.celery import register_limit

        # A received audit batch may first wait for a pool process (each busy one ends within the
        # task time limit), then runs within its own limit: all of it before SQS hands it out again.
        register_limit(
            "audit batch in flight (CELERY_TASK_TIME_LIMIT + AUDIT_BATCH_TIME_LIMIT)",
            lambda: settings.CELERY_TASK_TIME_LIMIT + settings.AUDIT_BATCH_TIME_LIMIT,
        )
