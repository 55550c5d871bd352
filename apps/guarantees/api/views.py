"""Guarantees of payment under their case: ``/v1/assistances/events/{id}/guarantees``.

Operators draft, issue, amend, finalise, send and cancel; partners read the guarantees of their own
cases and approve or refuse those waiting on them (``…/approval``, the only partner write here).
Every POST honours ``Idempotency-Key`` (the API's mixin). Writes go through ``apps.guarantees.services``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.settings import api_settings

from apps.accounts.permissions import OperatorsOnlyPermission
from apps.assistances.api.children import CaseChildView
from apps.assistances.models import EventProvider
from apps.clients.permissions import ANY_SOURCE
from apps.core.api import CommandAPIView, ReadOnlyResourceViewSet
from apps.core.files.api import StoredFileURLMixin, download_url_schema
from apps.core.openapi import PARAMETER_EXAMPLES
from apps.guarantees import documents, selectors, services
from apps.guarantees.api import examples
from apps.guarantees.api.serializers import (
    AnswerSerializer,
    ApprovalSerializer,
    GuaranteeAmendSerializer,
    GuaranteeCreateSerializer,
    GuaranteeLetterURLSerializer,
    GuaranteeSerializer,
    GuaranteeUpdateSerializer,
    ReasonSerializer,
    TurnaroundQuerySerializer,
    TurnaroundSerializer,
)
from apps.guarantees.filters import GuaranteeFilter
from apps.guarantees.models import Guarantee


class _GuaranteeView(CaseChildView):
    queryset = Guarantee.objects.none()
    child_list = staticmethod(selectors.guarantee_list)
    child_serializer = GuaranteeSerializer


class _OperatorCommand(_GuaranteeView):
    """An operator's step on a guarantee (partners: 403 partner_write_not_allowed)."""


class GuaranteesView(_GuaranteeView):
    """A case's guarantees (GET) and a new draft (POST, operators)."""

    @extend_schema(
        # Named: drf-spectacular would call this GET "retrieve", like the detail's (a W001 collision).
        operation_id="assistances_events_guarantees_list",
        responses=inline_serializer("GuaranteeResults", {"results": GuaranteeSerializer(many=True)}),
        examples=examples.LIST_EXAMPLES,
    )
    def get(self, request, pk: int):
        rows = self.visible(selectors.guarantee_list()).filter(event=self.get_event(pk))
        return Response({"results": self.serializer(GuaranteeSerializer, rows, many=True).data})

    @extend_schema(
        request=GuaranteeCreateSerializer,
        responses={201: GuaranteeSerializer},
        examples=examples.CREATE_REQUEST_EXAMPLES + examples.CREATED_EXAMPLES,
    )
    def post(self, request, pk: int):
        event = self.get_event(pk)
        data = dict(self.validated(GuaranteeCreateSerializer))
        assignment = EventProvider.objects.filter(event=event, pk=data.pop("assignment")).first()
        if assignment is None:
            raise services.unknown_assignment()
        guarantee = services.guarantee_create(assignment=assignment, data=data, actor=request.user)
        return self.answer(guarantee, created=True)


class GuaranteeDetailView(_GuaranteeView):
    """One guarantee with every version (GET); PATCH a draft's content or the letter's language and recipient."""

    @extend_schema(responses=GuaranteeSerializer, examples=examples.DETAIL_EXAMPLES)
    def get(self, request, pk: int, gid: int):
        return Response(self.serializer(GuaranteeSerializer, self.get_child(pk, gid)).data)

    @extend_schema(request=GuaranteeUpdateSerializer, responses=GuaranteeSerializer, examples=examples.UPDATE_EXAMPLES)
    def patch(self, request, pk: int, gid: int):
        guarantee = self.get_child(pk, gid)
        data = self.validated(GuaranteeUpdateSerializer)
        services.guarantee_update(guarantee=guarantee, data=data, actor=request.user)
        return self.answer(guarantee)


_NO_BODY = {"request": None, "responses": GuaranteeSerializer}


class GuaranteeIssueView(_OperatorCommand):
    """Issue the draft: in force at once within the operator's authority and the voucher's benefit;
    otherwise its version waits for approval (``approval: pending``) and the status stays DRAFT."""

    @extend_schema(**_NO_BODY, examples=examples.ISSUE_EXAMPLES)
    def post(self, request, pk: int, gid: int):
        return self.answer(services.guarantee_issue(guarantee=self.get_child(pk, gid), actor=request.user))


class GuaranteeAmendView(_OperatorCommand):
    """A new version (the amount or content changes); it supersedes the one in force once in force."""

    final = False

    @extend_schema(
        request=GuaranteeAmendSerializer,
        responses=GuaranteeSerializer,
        examples=examples.AMEND_REQUEST_EXAMPLES + examples.AMENDED_EXAMPLES,
    )
    def post(self, request, pk: int, gid: int):
        return self.command(request, pk, gid)

    def command(self, request, pk: int, gid: int):
        guarantee = self.get_child(pk, gid)
        data = self.validated(GuaranteeAmendSerializer)
        guarantee = services.guarantee_amend(guarantee=guarantee, data=data, final=self.final, actor=request.user)
        return self.answer(guarantee)


class GuaranteeFinalView(GuaranteeAmendView):
    """The final version, at discharge or service end: what the provider bills against."""

    final = True

    @extend_schema(request=GuaranteeAmendSerializer, responses=GuaranteeSerializer, examples=examples.FINAL_EXAMPLES)
    def post(self, request, pk: int, gid: int):
        return self.command(request, pk, gid)


class GuaranteeCancelView(_OperatorCommand):
    """Withdraw the guarantee: its commitment goes back to the voucher."""

    @extend_schema(request=ReasonSerializer, responses=GuaranteeSerializer, examples=examples.CANCEL_EXAMPLES)
    def post(self, request, pk: int, gid: int):
        guarantee = self.get_child(pk, gid)
        data = self.validated(ReasonSerializer)
        services.guarantee_cancel(guarantee=guarantee, reason=data["reason"], actor=request.user)
        return self.answer(guarantee)


class GuaranteeSendView(_OperatorCommand):
    """E-mail the letter in force (PDF attached, with a link where the provider accepts or declines)."""

    @extend_schema(**_NO_BODY, examples=examples.SEND_EXAMPLES)
    def post(self, request, pk: int, gid: int):
        guarantee = self.get_child(pk, gid)
        documents.guarantee_send(guarantee=guarantee, actor=request.user)
        return self.answer(guarantee)


class GuaranteeAnswerView(_OperatorCommand):
    """Record the provider's answer heard by phone (providers answer themselves through their link)."""

    @extend_schema(
        request=AnswerSerializer,
        responses=GuaranteeSerializer,
        examples=examples.ANSWER_REQUEST_EXAMPLES + examples.ANSWERED_EXAMPLES,
    )
    def post(self, request, pk: int, gid: int):
        guarantee = self.get_child(pk, gid)
        data = self.validated(AnswerSerializer)
        services.guarantee_answer(
            guarantee=guarantee,
            accept=data["decision"] == "accept",
            reason=data["reason"],
            actor=request.user,
        )
        return self.answer(guarantee)


class GuaranteeApprovalView(_GuaranteeView):
    """Approve or refuse the version waiting for approval: the case's partner (write scope), or an
    assistances-admin. Refused, the version is kept and the guarantee stays as it was."""

    partner_write_sources = ANY_SOURCE  # the scope confines a partner to its own cases

    @extend_schema(
        request=ApprovalSerializer,
        responses=GuaranteeSerializer,
        examples=examples.APPROVAL_REQUEST_EXAMPLES + examples.APPROVED_EXAMPLES,
    )
    def post(self, request, pk: int, gid: int):
        guarantee = self.get_child(pk, gid)
        data = self.validated(ApprovalSerializer)
        services.guarantee_decide(
            guarantee=guarantee,
            approve=data["decision"] == "approve",
            note=data["note"],
            actor=request.user,
        )
        return self.answer(guarantee)


_VERSION = OpenApiParameter(
    "version",
    {"type": "integer", "minimum": 1, "maximum": 99999},
    description="A version's number (default: the version in force, else the latest).",
    required=False,
)


@download_url_schema(
    summary="Download URL of a guarantee letter (PDF)", parameters=[_VERSION], examples=examples.LETTER_URL_EXAMPLES
)
class GuaranteeLetterView(StoredFileURLMixin, _GuaranteeView):
    # A class, not an inline_serializer() instance: the mixin instantiates it with the answer.
    url_serializer_class = GuaranteeLetterURLSerializer

    extra_query_params = ("version",)

    def get_file(self, *, pk: int, gid: int):
        guarantee = self.get_child(pk, gid)
        version = selectors.version_for_letter(guarantee=guarantee, number=self.request.query_params.get("version"))
        if version is None:
            raise NotFound(_("This guarantee has no such version."))
        if version.issued_at is None:
            # A draft or a version waiting for approval has no letter (yet): nothing to download.
            raise NotFound(_("This version was never in force: it has no letter."))
        return documents.letter_file(version=version)


class GuaranteeViewSet(ReadOnlyResourceViewSet):
    """Guarantees across cases, newest first: partners find those waiting for their approval
    (``?approval=pending``) among their own cases' guarantees."""

    serializer_class = GuaranteeSerializer
    filterset_class = GuaranteeFilter
    queryset = Guarantee.objects.none()
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.guarantee_list().order_by("-created_at", "-id")

    @extend_schema(examples=examples.LIST_PAGE_EXAMPLES)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class TurnaroundView(CommandAPIView):
    """Guarantee turnaround per source and month: assignment → first issue, sent → the provider's answer
    (p50 and p90, minutes). Operators only."""

    queryset = Guarantee.objects.none()
    permission_classes = [OperatorsOnlyPermission, *api_settings.DEFAULT_PERMISSION_CLASSES]
    extra_query_params = ("month", "source_code")

    @extend_schema(
        parameters=[TurnaroundQuerySerializer],
        extensions={PARAMETER_EXAMPLES: {"month": "2026-03", "source_code": "KOM"}},
        responses=inline_serializer("TurnaroundResults", {"results": TurnaroundSerializer(many=True)}),
        examples=examples.TURNAROUND_EXAMPLES,
    )
    def get(self, request):
        query = self.validated(TurnaroundQuerySerializer, data=request.query_params)
        month = selectors.parse_month(query.get("month"))
        rows = selectors.turnaround(month=month, source_code=query.get("source_code"))
        return Response({"results": TurnaroundSerializer(rows, many=True).data})
