from django.urls import path

from apps.claims.api import bordereaux

# Mounted at /v1/ (config/api_router.py), beside the cases' routes.
urlpatterns = [
    path("assistances/bordereaux", bordereaux.BordereauViewSet.as_view({"get": "list"}), name="bordereau-list"),
    path(
        "assistances/bordereaux/<int:pk>",
        bordereaux.BordereauViewSet.as_view({"get": "retrieve"}),
        name="bordereau-detail",
    ),
    path(
        "assistances/bordereaux/<int:pk>/files/<str:file_format>",
        bordereaux.BordereauFileView.as_view(),
        name="bordereau-file",
    ),
]
