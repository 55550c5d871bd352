"""Providers' bills, payments and the reserve under their case: ``/v1/assistances/events/{id}/bills``
and ``…/reserve``; the adjustment reasons and the price reference beside them.

Partners read the bills, payments and reserve of their own cases (the querysets' scope); every write
is an operator's (partners: 403 partner_write_not_allowed). Every POST honours ``Idempotency-Key``.
Writes go through ``apps.claims.bills`` and ``apps.claims.services``.
"""

from types import SimpleNamespace

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.settings import api_settings

from apps.accounts.permissions import OperatorsOnlyPermission
from apps.assistances.api.children import CaseChildView, EventChildView
from apps.assistances.models import Event, EventProvider
from apps.claims import bills, selectors, services
from apps.claims.api import examples
from apps.claims.api.serializers import (
    AdjustmentReasonSerializer,
    BillCreateSerializer,
    BillSerializer,
    DecisionSerializer,
    LineReviewSerializer,
    PaymentCreateSerializer,
    PaymentSerializer,
    PriceReferenceQuerySerializer,
    PriceReferenceSerializer,
    RejectSerializer,
    ReserveSerializer,
    ReserveSetSerializer,
)
from apps.claims.models import AdjustmentReason, Bill, BillLine, Payment, Reserve
from apps.core.api import CatalogViewSet, CommandAPIView
from apps.core.exceptions import ValidationFailed, coded
from apps.core.openapi import PARAMETER_EXAMPLES
from apps.core.validators import is_iso_currency
from apps.masters.api.fields import city_in


class _BillView(CaseChildView):
    queryset = Bill.objects.none()
    child_list = staticmethod(selectors.bill_list)
    child_serializer = BillSerializer


class BillsView(_BillView):
    """A case's bills (GET) and a new one entered by an operator (POST: JSON with its lines)."""

    @extend_schema(
        operation_id="assistances_events_bills_list",
        responses=inline_serializer("BillResults", {"results": BillSerializer(many=True)}),
        examples=examples.LIST_EXAMPLES,
    )
    def get(self, request, pk: int):
        rows = self.visible(selectors.bill_list()).filter(event=self.get_event(pk)).order_by("received_at", "id")
        return Response({"results": self.serializer(BillSerializer, rows, many=True).data})

    @extend_schema(request=BillCreateSerializer, responses={201: BillSerializer}, examples=examples.CREATE_EXAMPLES)
    def post(self, request, pk: int):
        event = self.get_event(pk)
        data = dict(self.validated(BillCreateSerializer))
        assignment = EventProvider.objects.filter(event=event, pk=data.pop("assignment")).first()
        if assignment is None:
            raise ValidationFailed.field("assignment", _("This case has no such provider."), "does_not_exist")
        lines = [dict(line) for line in data.pop("lines")]
        bill = bills.bill_create(assignment=assignment, data=data, lines=lines, actor=request.user)
        return self.answer(bill, created=True)


class BillDetailView(_BillView):
    """One bill with its lines and flags."""

    @extend_schema(responses=BillSerializer, examples=examples.DETAIL_EXAMPLES)
    def get(self, request, pk: int, bid: int):
        return Response(self.serializer(BillSerializer, self.get_child(pk, bid)).data)


class BillReviewView(_BillView):
    """A reviewer takes the bill: received → in review."""

    @extend_schema(request=None, responses=BillSerializer, examples=examples.REVIEW_EXAMPLES)
    def post(self, request, pk: int, bid: int):
        return self.answer(bills.bill_start_review(self.get_child(pk, bid), actor=request.user))


class BillLineView(_BillView):
    """Review a line: the allowed amount, and an adjustment reason when it is below the billed one."""

    @extend_schema(request=LineReviewSerializer, responses=BillSerializer, examples=examples.LINE_EXAMPLES)
    def patch(self, request, pk: int, bid: int, position: int):
        bill = self.get_child(pk, bid)
        line = BillLine.objects.filter(bill=bill, position=position).first()
        if line is None:
            raise NotFound(_("This bill has no such line."))
        data = self.validated(LineReviewSerializer)
        if not data:
            return self.answer(bill)  # a PATCH that changes nothing
        # What is left out stays as it is (PATCH): the allowed amount already set, the reason given before.
        allowed = data.get("allowed_amount", line.allowed_amount)
        if allowed is None:
            raise ValidationFailed.field(
                "allowed_amount", _("This line has no allowed amount yet: give one."), "not_reviewed"
            )
        bills.bill_line_review(
            line=line,
            allowed_amount=allowed,
            reason_code=data.get("reason", line.reason.code if line.reason_id else None),
            actor=request.user,
        )
        return self.answer(bill)


class BillDecisionView(_BillView):
    """Close the review: approved, partially approved or rejected from the lines' allowed amounts."""

    @extend_schema(request=DecisionSerializer, responses=BillSerializer, examples=examples.DECISION_EXAMPLES)
    def post(self, request, pk: int, bid: int):
        bill = self.get_child(pk, bid)
        bills.bill_decide(bill=bill, actor=request.user, **self.validated(DecisionSerializer))
        return self.answer(bill)


class BillRejectView(_BillView):
    """Reject the whole bill, with a reason."""

    @extend_schema(request=RejectSerializer, responses=BillSerializer, examples=examples.REJECT_EXAMPLES)
    def post(self, request, pk: int, bid: int):
        bill = self.get_child(pk, bid)
        bills.bill_reject(bill, self.validated(RejectSerializer)["reason"], actor=request.user)
        return self.answer(bill)


class BillPaymentsView(_BillView):
    """A bill's payments (GET) and a payment recorded by an operator (POST; never above the approved total)."""

    queryset = Payment.objects.none()

    @extend_schema(
        operation_id="assistances_events_bills_payments_list",
        responses=inline_serializer("PaymentResults", {"results": PaymentSerializer(many=True)}),
        examples=examples.PAYMENT_LIST_EXAMPLES,
    )
    def get(self, request, pk: int, bid: int):
        rows = self.visible(selectors.payment_list()).filter(bill=self.get_child(pk, bid))
        return Response({"results": self.serializer(PaymentSerializer, rows, many=True).data})

    @extend_schema(
        request=PaymentCreateSerializer, responses={201: PaymentSerializer}, examples=examples.PAYMENT_EXAMPLES
    )
    def post(self, request, pk: int, bid: int):
        bill = self.get_child(pk, bid)
        payment = services.payment_record(bill=bill, actor=request.user, **self.validated(PaymentCreateSerializer))
        row = selectors.payment_list().get(pk=payment.pk)
        return Response(self.serializer(PaymentSerializer, row).data, status=status.HTTP_201_CREATED)


class ReserveView(EventChildView):
    """A case's reserve: figures and history (GET); an operator changes it with a reason (POST)."""

    queryset = Reserve.objects.none()

    def figures(self, event: Event) -> Response:
        reserve = Reserve.objects.filter(event=event).first()
        figures = services.reserve_figures(event=event)
        if reserve is None or figures is None:
            raise NotFound(_("This case has no reserve yet."))
        body = SimpleNamespace(
            **figures.__dict__,
            first_set_at=reserve.first_set_at,
            changes=selectors.reserve_changes(event=event).select_related("reserve"),
        )
        return Response(self.serializer(ReserveSerializer, body).data)

    @extend_schema(responses=ReserveSerializer, examples=examples.RESERVE_EXAMPLES)
    def get(self, request, pk: int):
        return self.figures(self.get_event(pk))

    @extend_schema(request=ReserveSetSerializer, responses=ReserveSerializer, examples=examples.RESERVE_SET_EXAMPLES)
    def post(self, request, pk: int):
        event = self.get_event(pk)
        services.reserve_set(event=event, actor=request.user, **self.validated(ReserveSetSerializer))
        return self.figures(event)


class AdjustmentReasonViewSet(CatalogViewSet):
    """Why an allowed amount is below the billed one (modelled on X12 claim-adjustment reason codes)."""

    serializer_class = AdjustmentReasonSerializer
    etag_models = (AdjustmentReason,)
    queryset = AdjustmentReason.objects.none()

    def get_queryset(self):
        return AdjustmentReason.objects.filter(is_active=True).order_by("sort_order", "code")

    @extend_schema(examples=examples.REASON_EXAMPLES)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class PriceReferenceView(CommandAPIView):
    """Median and p90 of allowed amounts so far for an assistance type in a city or country (operators)."""

    queryset = BillLine.objects.none()
    permission_classes = [OperatorsOnlyPermission, *api_settings.DEFAULT_PERMISSION_CLASSES]
    extra_query_params = ("assistance", "country", "city", "currency")

    @extend_schema(
        parameters=[PriceReferenceQuerySerializer],
        extensions={PARAMETER_EXAMPLES: {"assistance": "MED_EMERGENCY", "country": "ES", "currency": "USD"}},
        responses=PriceReferenceSerializer,
        examples=examples.PRICE_EXAMPLES,
    )
    def get(self, request):
        data = self.validated(PriceReferenceQuerySerializer, data=request.query_params)
        currency = data["currency"].upper()
        city = city_in(data["country"], data["city"]) if data.get("city") else None
        if not is_iso_currency(currency):
            raise ValidationFailed({"currency": [coded(_("Use an ISO 4217 currency code."), "unknown_currency")]})
        reference = selectors.price_reference(
            assistance=data["assistance"], country=data["country"], city=city, currency=currency
        )
        return Response(PriceReferenceSerializer(reference).data)
