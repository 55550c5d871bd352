from django.urls import path

from apps.consultations.api import views

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
    path(
        "assistances/phone-consultations/<int:pk>/files",
        views.PhoneConsultationFilesView.as_view(),
        name="phone-consultation-files",
    ),
    path(
        "assistances/phone-consultations/<int:pk>/files/<int:file_id>",
        views.PhoneConsultationFileURLView.as_view(),
        name="phone-consultation-file",
    ),
]
