from django.urls import include, path

from apps.vouchers.api import views

# Mounted at "v1/vouchers" (no trailing slash). The sub-paths hang from a "/" include so that no
# route starts with a slash (Django's urls.W002) while the public paths stay exactly /v1/vouchers/{id}...
urlpatterns = [
    path("", views.VoucherViewSet.as_view({"get": "list", "post": "create"}), name="voucher-list"),
    path(
        "/",
        include(
            [
                path("<int:pk>", views.VoucherViewSet.as_view({"get": "retrieve"}), name="voucher-detail"),
                path("<int:pk>/statuses", views.VoucherTransitionView.as_view(), name="voucher-statuses"),
                path("<int:pk>/coverage", views.VoucherCoverageView.as_view(), name="voucher-coverage"),
            ]
        ),
    ),
]
