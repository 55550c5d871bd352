"""The console's admin site: the operators' work first, the catalogs after.

The Django admin is the operators' console (the platform's design). Its landing page is the case
queue (templates/admin/index.html), and its navigation lists the apps operators use on a shift
before the ones administrators configure. Apps are named by label, never imported: core sits below
every domain app.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# Cases and calls, then who serves them and what covers them, then partners' feeds and set-up.
CONSOLE_APP_ORDER = (
    "assistances",
    "guarantees",
    "consultations",
    "providers",
    "vouchers",
    "issuance",
    "tracking",
    "clients",
    "masters",
    "accounts",
    "audit",
)


class ConsoleAdminSite(admin.AdminSite):
    site_header = _("Bigtree Assist")
    site_title = _("Bigtree Assist")
    index_title = _("Case queue")
    # The work pages need the width (the case list's nine columns beside its filters at 1440 px); the
    # landing page lists the apps, and every page's breadcrumbs lead back to it.
    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        rank = {label: position for position, label in enumerate(CONSOLE_APP_ORDER)}
        return sorted(apps, key=lambda app: (rank.get(app["app_label"], len(rank)), app["name"]))
