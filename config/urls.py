from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from apps.accounts.views import AdminLogoutView, admin_login
from apps.core.files.local import local_file

admin.site.site_header = _("Bigtree Assist")
admin.site.site_title = _("Bigtree Assist")
admin.site.index_title = _("Assistance operations")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    # Login and logout of the admin go through OIDC (Cognito); matched before the admin's own views.
    path("admin/login/", admin_login, name="operator_login"),
    path("admin/logout/", AdminLogoutView.as_view(), name="operator_logout"),
    path("admin/", admin.site.urls),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("v1/", include("config.api_router")),
    # Public pages of guarantees of payment: verification by code, the provider's signed answer link.
    path("", include("apps.guarantees.urls")),
    # The provider's signed link to send its bill.
    path("", include("apps.claims.urls")),
    # The provider's signed dispatch link: accept or decline an offer, then each step of the job.
    path("", include("apps.assistances.urls")),
]

handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"

# Signed, expiring links to files of local bucket folders (make run, tests); S3 serves production's.
urlpatterns += [path("local-files/<str:token>", local_file, name="local-file")]

if settings.DEBUG and getattr(settings, "LOCAL_TOKEN_KEY_PATH", None):
    # The local token issuer's public keys (local settings only; see apps/clients/local_issuer.py).
    urlpatterns += [path("", include("apps.clients.local_urls"))]
