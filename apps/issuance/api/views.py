from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.clients.permissions import TokenScopePermission
from apps.core.api import CommandAPIView, ReadOnlyResourceViewSet
from apps.core.files.api import StoredFileUploadMixin, StoredFileURLMixin, download_url_schema, upload_schema
from apps.core.permissions import ModelPermissions
from apps.issuance import selectors, services
from apps.issuance.api import examples
from apps.issuance.api.serializers import (
    DocumentUploadSerializer,
    DocumentURLSerializer,
    IngestionResultSerializer,
    IssuanceDocumentSerializer,
    IssuanceRecordSerializer,
    MokIssuanceSerializer,
)
from apps.issuance.models import IssuanceDocument, IssuanceRecord


class AddChangeModelPermissions(ModelPermissions):
    """Ingestion creates or updates: the caller needs both ``add_`` and ``change_`` on the model."""

    perms_map = {
        **ModelPermissions.perms_map,
        "POST": ["%(app_label)s.add_%(model_name)s", "%(app_label)s.change_%(model_name)s"],
    }


class IssuanceReceiveView(CommandAPIView):
    """MOK sends an issuance: its vouchers are created, or updated when the payload changed."""

    queryset = IssuanceRecord.objects.none()
    permission_classes = [IsAuthenticated, TokenScopePermission, AddChangeModelPermissions]
    partner_write_sources = ("MOK",)  # the issuance feed is MOK's alone

    @extend_schema(
        summary="Receive a MOK issuance",
        description=(
            "Idempotent on `issuance_id`: the first receipt answers 201 (`result: created`); the same payload "
            "again answers 200 with `result: unchanged` and changes nothing; a changed payload answers 200 with "
            "`result: updated` and updates the vouchers. Vouchers are MOK-sourced and start ACTIVE. Unknown keys "
            "anywhere and missing required fields are 400s naming them; nothing is stored on any error."
        ),
        request=MokIssuanceSerializer,
        responses={
            201: IngestionResultSerializer,
            200: IngestionResultSerializer,
        },
        examples=examples.RECEIVE_EXAMPLES,
    )
    def post(self, request):
        data = self.validated(MokIssuanceSerializer)
        outcome = services.issuance_receive(payload=request.data, data=data, actor=request.user)
        code = status.HTTP_201_CREATED if outcome.result == services.CREATED else status.HTTP_200_OK
        return Response(IngestionResultSerializer(outcome).data, status=code)


@extend_schema_view(
    retrieve=extend_schema(
        summary="A MOK issuance record",
        description="The payload as last received, its vouchers and documents.",
        responses={200: IssuanceRecordSerializer},
        examples=examples.RECORD_EXAMPLES,
    )
)
class IssuanceRecordViewSet(ReadOnlyResourceViewSet):
    """MOK issuance records, by MOK's issuance id."""

    serializer_class = IssuanceRecordSerializer
    queryset = IssuanceRecord.objects.none()
    lookup_field = "mok_issuance_id"
    lookup_url_kwarg = "issuance_id"

    def get_queryset(self):
        return selectors.issuance_record_detail_queryset()


@upload_schema(
    summary="Upload a document of a MOK issuance",
    description=(
        "multipart/form-data with one field, `file`: a PDF (it must start with `%PDF-` and be readable "
        "as a PDF). Anything else is a 400 (`unsupported_file_type`); a file over the size limit is a 413 "
        "(`file_too_large`). Uploading the same content again answers 200 with the stored document."
    ),
    examples=examples.UPLOAD_EXAMPLES,
)
class IssuanceDocumentUploadView(StoredFileUploadMixin, CommandAPIView):
    """Attach a PDF to an issuance (private storage, checked to be a real PDF)."""

    queryset = IssuanceDocument.objects.none()
    partner_write_sources = ("MOK",)
    file_rules = services.DOCUMENT_RULES
    upload_serializer_class = DocumentUploadSerializer
    file_serializer_class = IssuanceDocumentSerializer

    def get_owner(self, issuance_id: str):
        return self.get_visible(IssuanceRecord, mok_issuance_id=issuance_id)

    def add_file(self, *, owner, upload):
        return services.issuance_document_add(record=owner, upload=upload, actor=self.request.user)


@download_url_schema(
    summary="Download URL of a MOK issuance document",
    examples=examples.DOCUMENT_URL_EXAMPLES,
)
class IssuanceDocumentURLView(StoredFileURLMixin, CommandAPIView):
    """A short-lived download URL for one document."""

    queryset = IssuanceDocument.objects.none()
    url_serializer_class = DocumentURLSerializer

    def get_file(self, issuance_id: str, doc_id: int):
        return self.get_visible(IssuanceDocument, pk=doc_id, record__mok_issuance_id=issuance_id)
