from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "apps.claims"
    verbose_name = _("Bills, reserves and bordereaux")

    def ready(self) -> None:
        # Modules of their own (not tasks.py / admin.py, which others' work owns): imported here so
        # Celery registers the bordereau tasks and the admin its page.
        from apps.claims import admin_bordereau, bordereau_tasks  # noqa: F401
