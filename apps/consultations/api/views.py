from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from apps.clients.permissions import ANY_SOURCE
from apps.consultations import selectors, services
from apps.consultations.api import examples
from apps.consultations.api.serializers import (
    PhoneConsultationFileSerializer,
    PhoneConsultationFileUploadSerializer,
    PhoneConsultationFileURLSerializer,
    PhoneConsultationSerializer,
)
from apps.consultations.filters import PhoneConsultationFilter
from apps.consultations.models import PhoneConsultation, PhoneConsultationFile
from apps.core.api import CommandAPIView, ResourceViewSet
from apps.core.files.api import StoredFileUploadMixin, StoredFileURLMixin, download_url_schema, upload_schema
from apps.core.filters import DjangoFilterBackend, OrderingFilter
from apps.core.pagination import CursorPagination

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Phone consultation id.")


class PhoneConsultationPagination(CursorPagination):
    ordering = ("-started_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="List phone consultations",
        description="Newest call first. Partners see only consultations linked to their own cases.",
        responses={200: PhoneConsultationSerializer(many=True)},
    ),
    create=extend_schema(
        summary="Record a phone consultation",
        description=(
            "`started_at` defaults to now and the operator is the caller. `event` (a case id) must be a case "
            "the caller may see; partners must link one of their cases. Unknown or read-only keys are 400s."
        ),
        responses={201: PhoneConsultationSerializer},
    ),
    retrieve=extend_schema(
        summary="A phone consultation",
        parameters=[_ID],
        responses={200: PhoneConsultationSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a phone consultation",
        description="Only the fields sent change.",
        parameters=[_ID],
        responses={200: PhoneConsultationSerializer},
        examples=examples.CONSULTATION_UPDATE_EXAMPLES,
    ),
)
class PhoneConsultationViewSet(ResourceViewSet):
    """Phone consultations (the seed's PhoneConsultationService). No PUT and no DELETE: calls are kept."""

    serializer_class = PhoneConsultationSerializer
    filterset_class = PhoneConsultationFilter
    # The FilterSet's own ``q`` searches; DRF's SearchFilter would add a second, unconfigured one.
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    pagination_class = PhoneConsultationPagination
    ordering_fields = ["started_at"]
    queryset = PhoneConsultation.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]
    partner_write_sources = ANY_SOURCE  # partners record calls on their own source's cases
    service_create = staticmethod(services.consultation_create)
    service_update = staticmethod(services.consultation_update)

    def get_queryset(self):
        return selectors.consultation_list()


@upload_schema(
    summary="Upload a file of a phone consultation",
    description=(
        "multipart/form-data with one field, `file`: a call recording (WAV, MP3, OGG, M4A), a PDF or an "
        "image (PNG, JPEG), recognised by its first bytes; its declared content type must agree. Anything "
        "else is a 400 (`unsupported_file_type`, `content_type_mismatch`); a file over the size limit is a "
        "413 (`file_too_large`). Uploading the same content again answers 200 with the stored file."
    ),
    parameters=[_ID],
    examples=examples.UPLOAD_EXAMPLES,
)
class PhoneConsultationFilesView(StoredFileUploadMixin, CommandAPIView):
    """Attach a file to a consultation (private storage, checked by its content)."""

    queryset = PhoneConsultationFile.objects.none()
    partner_write_sources = ANY_SOURCE
    file_rules = services.FILE_RULES
    upload_serializer_class = PhoneConsultationFileUploadSerializer
    file_serializer_class = PhoneConsultationFileSerializer

    def get_owner(self, pk: int):
        return self.get_visible(selectors.consultation_list(), pk=pk)

    def add_file(self, *, owner, upload):
        return services.consultation_file_add(consultation=owner, upload=upload, actor=self.request.user)


@download_url_schema(
    summary="Download URL of a phone consultation file",
    parameters=[_ID, OpenApiParameter("file_id", int, OpenApiParameter.PATH, description="File id.")],
)
class PhoneConsultationFileURLView(StoredFileURLMixin, CommandAPIView):
    """A short-lived download URL for one file."""

    queryset = PhoneConsultationFile.objects.none()
    url_serializer_class = PhoneConsultationFileURLSerializer

    def get_file(self, pk: int, file_id: int):
        consultation = self.get_visible(selectors.consultation_list(), pk=pk)
        return self.get_visible(selectors.consultation_file_list(), pk=file_id, consultation=consultation)
