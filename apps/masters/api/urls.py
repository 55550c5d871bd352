from django.urls import path, register_converter

from apps.masters.api import views


class _RegexConverter:
    regex = ""

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(type("Iso2Converter", (_RegexConverter,), {"regex": "[A-Za-z]{2}"}), "iso2")
register_converter(type("CodeConverter", (_RegexConverter,), {"regex": "[A-Za-z0-9_-]+"}), "code")

# The seed's exact paths (no trailing slash): partners call them as they are.
_list = {"get": "list"}
_detail = {"get": "retrieve"}

urlpatterns = [
    path("categories", views.CategoryViewSet.as_view(_list), name="category-list"),
    path("categories/<code:code>", views.CategoryViewSet.as_view(_detail), name="category-detail"),
    path("event-statuses", views.EventStatusViewSet.as_view(_list), name="event-status-list"),
    path("event-statuses/<code:code>", views.EventStatusViewSet.as_view(_detail), name="event-status-detail"),
    path("eventprovider-statuses", views.EventProviderStatusViewSet.as_view(_list), name="eventprovider-status-list"),
    path(
        "eventprovider-statuses/<code:code>",
        views.EventProviderStatusViewSet.as_view(_detail),
        name="eventprovider-status-detail",
    ),
    path("voucher-statuses", views.VoucherStatusViewSet.as_view(_list), name="voucher-status-list"),
    path("voucher-statuses/<code:code>", views.VoucherStatusViewSet.as_view(_detail), name="voucher-status-detail"),
    path("countries", views.CountryViewSet.as_view(_list), name="country-list"),
    path("countries/<iso2:iso2>", views.CountryViewSet.as_view(_detail), name="country-detail"),
    path("countries/<iso2:iso2>/cities", views.CityViewSet.as_view(_list), name="city-list"),
    path("countries/<iso2:iso2>/cities/<code:code>", views.CityViewSet.as_view(_detail), name="city-detail"),
]
