from django.urls import include, path

from apps.core.files.api import stored_file_paths
from apps.issuance.api import views

# Mounted at "v1/issuance-mok" (no trailing slash). The sub-paths hang from a "/" include so that no
# route starts with a slash (Django's urls.W002) while the public paths stay exactly /v1/issuance-mok/{id}...
urlpatterns = [
    path("", views.IssuanceReceiveView.as_view(), name="issuance-receive"),
    path(
        "/",
        include(
            [
                path(
                    "<str:issuance_id>",
                    views.IssuanceRecordViewSet.as_view({"get": "retrieve"}),
                    name="issuance-detail",
                ),
                *stored_file_paths(
                    "<str:issuance_id>/documents/<int:doc_id>",
                    name="issuance-document",
                    views=(views.IssuanceDocumentUploadView, views.IssuanceDocumentURLView),
                ),
            ]
        ),
    ),
]
