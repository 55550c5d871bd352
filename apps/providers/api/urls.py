from django.urls import path

from apps.providers.api import views

_collection = {"get": "list", "post": "create"}
_item = {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}

# Mounted at /v1/; the seed's exact paths, including its spelling "searchs".
urlpatterns = [
    path("providers", views.ProviderViewSet.as_view(_collection), name="provider-list"),
    path("providers/searchs", views.ProviderSearchView.as_view(), name="provider-search"),
    path("providers/search", views.ProviderSearchView.as_view(), name="provider-search-alias"),
    path("providers/<int:pk>", views.ProviderViewSet.as_view(_item), name="provider-detail"),
    path(
        "providers/<int:provider_pk>/locations",
        views.ProviderLocationViewSet.as_view(_collection),
        name="location-list",
    ),
    path(
        "providers/<int:provider_pk>/locations/search",
        views.ProviderLocationSearchView.as_view(),
        name="location-search",
    ),
    path(
        "providers/<int:provider_pk>/locations/<int:pk>",
        views.ProviderLocationViewSet.as_view(_item),
        name="location-detail",
    ),
    path(
        "providers/<int:provider_pk>/paymentmethods",
        views.PaymentMethodViewSet.as_view(_collection),
        name="paymentmethod-list",
    ),
    path(
        "providers/<int:provider_pk>/paymentmethods/<int:pk>",
        views.PaymentMethodViewSet.as_view(_item),
        name="paymentmethod-detail",
    ),
]
