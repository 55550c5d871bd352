from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from apps.accounts.roles import sync_roles_after_migrate

        # Apps added later bring new permissions; the roles pick them up on every migrate.
        post_migrate.connect(sync_roles_after_migrate, sender=self, dispatch_uid="accounts.sync_roles")
