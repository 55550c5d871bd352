"""Every /v1/ route, in one place."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

app_name = "api"

urlpatterns = [
    path("masters/", include(("apps.masters.api.urls", "masters"))),
    path("", include(("apps.providers.api.urls", "providers"))),
    path("", include(("apps.assistances.api.urls", "assistances"))),
    path("", include(("apps.guarantees.api.urls", "guarantees"))),
    path("", include(("apps.claims.api.urls", "claims"))),
    path("", include(("apps.claims.api.bordereaux_urls", "bordereaux"))),
    path("", include(("apps.consultations.api.urls", "consultations"))),
    path("vouchers", include(("apps.vouchers.api.urls", "vouchers"))),
    path("issuance-mok", include(("apps.issuance.api.urls", "issuance"))),
    path("users", include(("apps.accounts.api.urls", "accounts"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
