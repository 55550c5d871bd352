from django.urls import path

from apps.consultations.api import views
from apps.core.files.api import stored_file_paths

# Mounted at /v1/; the seed's paths under /v1/assistances/.
urlpatterns = [
    path(
        "assistances/phone-consultations",
        views.PhoneConsultationViewSet.as_view({"get": "list", "post": "create"}),
        name="phone-consultation-list",
    ),
    path(
        "assistances/phone-consultations/<int:pk>",
        views.PhoneConsultationViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="phone-consultation-detail",
    ),
    *stored_file_paths(
        "assistances/phone-consultations/<int:pk>/files/<int:file_id>",
        name="phone-consultation-file",
        views=(views.PhoneConsultationFilesView, views.PhoneConsultationFileURLView),
    ),
]
