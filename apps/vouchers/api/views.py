from dataclasses import fields

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.clients.permissions import TokenScopePermission
from apps.core.api import CommandAPIView, ReadOnlyResourceViewSet
from apps.core.permissions import ModelPermissions
from apps.vouchers import selectors, services
from apps.vouchers.api import examples
from apps.vouchers.api.serializers import (
    CoverageQuerySerializer,
    CoverageResultSerializer,
    TransitionSerializer,
    VoucherDetailSerializer,
    VoucherIssueSerializer,
    VoucherListSerializer,
)
from apps.vouchers.filters import VoucherFilter
from apps.vouchers.models import Voucher


class ChangeModelPermissions(ModelPermissions):
    """For commands that change an existing object with POST: ``change_<model>``, not ``add_<model>``."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


@extend_schema_view(
    list=extend_schema(
        summary="List vouchers",
        description="Search vouchers by number, document, holder, status, source or validity.",
        responses={200: VoucherListSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="A voucher",
        description="With its travellers, benefits (limit, committed and remaining), destinations and status history.",
        responses={200: VoucherDetailSerializer},
    ),
    create=extend_schema(
        summary="Issue a voucher",
        description=(
            "Partners issue a voucher with its travellers, benefits (by assistance or category code) and "
            "destinations (ISO alpha-2). Unknown or read-only keys are refused. Nothing is stored on any error."
        ),
        request=VoucherIssueSerializer,
        responses={201: VoucherDetailSerializer},
    ),
)
class VoucherViewSet(mixins.CreateModelMixin, ReadOnlyResourceViewSet):
    """Vouchers (coverage certificates)."""

    http_method_names = ["get", "post", "head", "options"]
    queryset = Voucher.objects.none()  # for model permissions; rows come from the selectors
    filterset_class = VoucherFilter
    search_fields = ["=number", "=holder_document_number", "holder_name"]
    ordering_fields = ["number", "valid_from", "valid_to", "created_at"]

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.voucher_detail_queryset()
        return selectors.voucher_list()

    def get_serializer_class(self):
        if self.action == "create":
            return VoucherIssueSerializer
        if self.action == "retrieve":
            return VoucherDetailSerializer
        return VoucherListSerializer

    def create(self, request, *args, **kwargs):
        voucher = services.voucher_issue(data=self.validated(VoucherIssueSerializer), actor=request.user)
        detail = self.get_visible(selectors.voucher_detail_queryset(), pk=voucher.pk)
        return Response(self.serializer(VoucherDetailSerializer, detail).data, status=status.HTTP_201_CREATED)


class VoucherTransitionView(CommandAPIView):
    """Move a voucher to another status, as the voucher status machine allows."""

    queryset = Voucher.objects.none()
    permission_classes = [IsAuthenticated, TokenScopePermission, ChangeModelPermissions]

    @extend_schema(
        summary="Change a voucher's status",
        description=(
            "Allowed moves are those of the voucher status machine (`/v1/masters/voucher-statuses`). "
            "An unknown status is a 400; a move not allowed from the current status is a 409 "
            "(`illegal_transition`). The change and its reason are kept in the voucher's history."
        ),
        request=TransitionSerializer,
        responses={200: VoucherDetailSerializer},
        examples=examples.TRANSITION_EXAMPLES,
    )
    def post(self, request, pk: int):
        voucher = self.get_visible(Voucher, pk=pk)
        data = self.validated(TransitionSerializer)
        services.voucher_transition(
            voucher=voucher,
            to_code=data["status"].strip().upper(),
            reason=data["reason"],
            actor=request.user,
        )
        detail = self.get_visible(selectors.voucher_detail_queryset(), pk=pk)
        return Response(self.serializer(VoucherDetailSerializer, detail).data)


class VoucherCoverageView(CommandAPIView):
    """Check whether a voucher covers an assistance type, in a country, on a date."""

    queryset = Voucher.objects.none()
    extra_query_params = ("assistance", "country", "date")

    @extend_schema(
        summary="Check a voucher's coverage",
        description=(
            "Every rule is reported in `reasons` (status, validity, destination, residence, benefit, limit); "
            "`covered` is true when all pass. An unknown assistance or country is a 400 naming the parameter."
        ),
        parameters=[CoverageQuerySerializer],
        responses={200: CoverageResultSerializer},
    )
    def get(self, request, pk: int):
        voucher = self.get_visible(selectors.voucher_list(), pk=pk)
        query = self.validated(CoverageQuerySerializer, data=request.query_params)
        assistance, country = query["assistance"], query["country"]
        on_date = query.get("date") or timezone.localdate()
        result = selectors.voucher_check_coverage(
            voucher=voucher, assistance=assistance, country=country, on_date=on_date
        )
        body = {
            "voucher": voucher.number,
            "assistance": assistance.code,
            "country": country.iso2,
            "date": on_date,
            **{field.name: getattr(result, field.name) for field in fields(result)},
        }
        return Response(CoverageResultSerializer(body).data)
