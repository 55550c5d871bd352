from django.urls import re_path

from apps.masters.api import views

# The seed's exact paths; a trailing slash is tolerated.
_list = {"get": "list"}
_detail = {"get": "retrieve"}

urlpatterns = [
    re_path(r"^categories/?$", views.CategoryViewSet.as_view(_list), name="category-list"),
    re_path(r"^categories/(?P<code>[A-Za-z0-9_]+)/?$", views.CategoryViewSet.as_view(_detail), name="category-detail"),
    re_path(r"^event-statuses/?$", views.EventStatusViewSet.as_view(_list), name="event-status-list"),
    re_path(
        r"^event-statuses/(?P<code>[A-Za-z0-9_]+)/?$",
        views.EventStatusViewSet.as_view(_detail),
        name="event-status-detail",
    ),
    re_path(
        r"^eventprovider-statuses/?$", views.EventProviderStatusViewSet.as_view(_list), name="eventprovider-status-list"
    ),
    re_path(
        r"^eventprovider-statuses/(?P<code>[A-Za-z0-9_]+)/?$",
        views.EventProviderStatusViewSet.as_view(_detail),
        name="eventprovider-status-detail",
    ),
    re_path(r"^voucher-statuses/?$", views.VoucherStatusViewSet.as_view(_list), name="voucher-status-list"),
    re_path(
        r"^voucher-statuses/(?P<code>[A-Za-z0-9_]+)/?$",
        views.VoucherStatusViewSet.as_view(_detail),
        name="voucher-status-detail",
    ),
    re_path(r"^countries/?$", views.CountryViewSet.as_view(_list), name="country-list"),
    re_path(r"^countries/(?P<iso2>[A-Za-z]{2})/?$", views.CountryViewSet.as_view(_detail), name="country-detail"),
    re_path(r"^countries/(?P<iso2>[A-Za-z]{2})/cities/?$", views.CityViewSet.as_view(_list), name="city-list"),
    re_path(
        r"^countries/(?P<iso2>[A-Za-z]{2})/cities/(?P<code>[A-Za-z0-9_-]+)/?$",
        views.CityViewSet.as_view(_detail),
        name="city-detail",
    ),
]
