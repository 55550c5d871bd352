from collections.abc import Callable

from django.utils.http import parse_etags
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.settings import api_settings

from apps.accounts.permissions import OperatorsOnlyPermission
from apps.assistances import selectors, services
from apps.assistances.api import examples
from apps.assistances.api.children import EventChildView
from apps.assistances.api.serializers import (
    AcceptSerializer,
    CascadeSerializer,
    DeclineSerializer,
    DraftPromoteSerializer,
    DraftSerializer,
    EventCreateSerializer,
    EventProviderAssignSerializer,
    EventProviderSerializer,
    EventProviderTransitionSerializer,
    EventSerializer,
    EventStatusHistorySerializer,
    EventUpdateSerializer,
    NoteSerializer,
    OfferSerializer,
    StatusChangeSerializer,
    event_rows_data,
)
from apps.assistances.filters import EventFilter, NoteFilter
from apps.assistances.models import Event, EventDraft, EventProvider, EventStatusSwitch, Note
from apps.assistances.services import dispatch
from apps.clients.permissions import ANY_SOURCE
from apps.core.api import APIMixin, CommandAPIView
from apps.core.pagination import CursorPagination
from apps.core.visibility import is_partner


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The case changed since you read it (If-Match does not match).")
    default_code = "precondition_failed"


def _etag(event: Event) -> str:
    return f'"{event.version}"'


def _expected_version(request, event: Event) -> int | None:
    """The version the client read, from If-Match (RFC 9110 13.1.1): ``*`` or a list of entity tags.

    A mismatch is refused before anything is written. A weak tag never matches for a write (strong
    comparison), and ``*`` matches any current case, so it asks for no version check.
    """
    header = request.headers.get("If-Match")
    if header is None:
        return None
    if header.strip() == "*":
        return None
    if _etag(event) not in parse_etags(header):
        raise PreconditionFailed()
    return event.version


def _not_modified(request, event: Event) -> bool:
    """If-None-Match (RFC 9110 13.1.2): a GET of a case the client already has answers 304 (weak comparison)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.removeprefix("W/") == _etag(event) for tag in parse_etags(header))


class EventPagination(CursorPagination):
    ordering = ("-opened_at", "-id")


_IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, description="ETag of the case as read.")


class EventViewSet(APIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Assistance cases. Opening is idempotent on (source_code, external_reference)."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    pagination_class = EventPagination
    queryset = Event.objects.none()
    partner_write_sources = ANY_SOURCE  # partners open and update their own source's cases
    http_method_names = ["get", "post", "patch", "head", "options"]

    ordering_fields = ["opened_at", "sla_due_at", "updated_at"]

    def get_queryset(self):
        return selectors.event_list()

    @extend_schema(responses=EventSerializer(many=True))
    def list(self, request, *args, **kwargs):
        # The hot path (no docstring: it would replace the class's in the API docs). Scope and filters
        # apply to event_list as everywhere; the cursor pagination (no COUNT) picks the page from the
        # cases' keys alone, then the page's rows are read as plain values by primary key and
        # serialized by event_rows_data, equal to EventSerializer's output, which documents them.
        queryset = self.filter_queryset(self.get_queryset())
        ordering = self.paginator.get_ordering(request, queryset, self)
        keys = self.paginate_queryset(selectors.event_page_keys(queryset, ordering=ordering))
        rows = selectors.event_rows(ids=[key["id"] for key in keys], caller=request.user)
        return self.get_paginated_response(event_rows_data(rows, partner=is_partner(request.user)))

    def retrieve(self, request, *args, **kwargs):
        event = self.get_object()
        if _not_modified(request, event):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": _etag(event)})
        return Response(self.serializer(EventSerializer, event).data, headers={"ETag": _etag(event)})

    @extend_schema(
        request=EventCreateSerializer,
        responses={201: EventSerializer, 200: EventSerializer},
        examples=examples.CASE_OPEN_EXAMPLES,
    )
    def create(self, request, *args, **kwargs):
        data = dict(self.validated(EventCreateSerializer))
        override = data.pop("override_reason", "")
        result = services.event_open(data=data, override_reason=override, actor=request.user)
        event = self.get_visible(selectors.event_list(), pk=result.event.pk)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(self.serializer(EventSerializer, event).data, status=code, headers={"ETag": _etag(event)})

    @extend_schema(request=EventUpdateSerializer, responses=EventSerializer, parameters=[_IF_MATCH])
    def partial_update(self, request, *args, **kwargs):
        event = self.get_object()
        expected = _expected_version(request, event)
        data = self.validated(EventUpdateSerializer, context={"event": event})
        services.event_update(event=event, data=dict(data), expected_version=expected, actor=request.user)
        event = self.get_visible(selectors.event_list(), pk=event.pk)
        return Response(self.serializer(EventSerializer, event).data, headers={"ETag": _etag(event)})


class EventStatusesView(EventChildView):
    """A case's status history (GET) and a status change (POST; temporary with ``revert_at``)."""

    @extend_schema(
        responses=inline_serializer("EventStatusHistoryResults", {"results": EventStatusHistorySerializer(many=True)}),
        examples=examples.STATUS_HISTORY_EXAMPLES,
    )
    def get(self, request, pk: int):
        history = self.visible(selectors.status_history(event=self.get_event(pk)))
        return Response({"results": self.serializer(EventStatusHistorySerializer, history, many=True).data})

    @extend_schema(request=StatusChangeSerializer, responses=EventSerializer, parameters=[_IF_MATCH])
    def post(self, request, pk: int):
        event = self.get_event(pk)
        expected = _expected_version(request, event)
        data = self.validated(StatusChangeSerializer)
        services.event_change_status(
            event=event,
            to_code=data["status"].upper(),
            reason=data["reason"],
            revert_at=data.get("revert_at"),
            open_assignments=data.get("open_assignments", ""),
            expected_version=expected,
            actor=request.user,
        )
        event = self.get_visible(selectors.event_list(), pk=pk)
        return Response(self.serializer(EventSerializer, event).data, headers={"ETag": _etag(event)})


class SwitchCancelView(EventChildView):
    """End a temporary status switch early (the previous status comes back now)."""

    @extend_schema(request=None, responses=EventSerializer)
    def post(self, request, pk: int, switch_pk: int):
        event = self.get_event(pk)
        switch = self.get_visible(EventStatusSwitch, pk=switch_pk, event=event)
        services.event_switch_cancel(switch=switch, actor=request.user)
        event = self.get_visible(selectors.event_list(), pk=pk)
        return Response(self.serializer(EventSerializer, event).data)


class EventProvidersView(EventChildView):
    """Providers assigned to a case (GET) and a new assignment (POST)."""

    @extend_schema(
        responses=inline_serializer("EventProviderResults", {"results": EventProviderSerializer(many=True)}),
        examples=examples.ASSIGNMENTS_EXAMPLES,
    )
    def get(self, request, pk: int):
        rows = self.visible(selectors.event_provider_list()).filter(event=self.get_event(pk))
        return Response({"results": self.serializer(EventProviderSerializer, rows, many=True).data})

    @extend_schema(request=EventProviderAssignSerializer, responses={201: EventProviderSerializer})
    def post(self, request, pk: int):
        event = self.get_event(pk)
        data = self.validated(EventProviderAssignSerializer)
        assignment = services.event_provider_assign(event=event, actor=request.user, **data)
        row = self.get_visible(selectors.event_provider_list(), pk=assignment.pk)
        return Response(self.serializer(EventProviderSerializer, row).data, status=status.HTTP_201_CREATED)


class EventProviderDetailView(CommandAPIView):
    """One provider assignment (the seed's /events/providers/{id}); PATCH a status to start, resolve or cancel."""

    queryset = EventProvider.objects.none()

    def get_assignment(self, pk: int) -> EventProvider:
        return self.get_visible(selectors.event_provider_list(), pk=pk)

    @extend_schema(operation_id="assistances_events_providers_detail", responses=EventProviderSerializer)
    def get(self, request, pk: int):
        return Response(self.serializer(EventProviderSerializer, self.get_assignment(pk)).data)

    @extend_schema(
        request=EventProviderTransitionSerializer,
        responses=EventProviderSerializer,
        examples=examples.ASSIGNMENT_TRANSITION_EXAMPLES,
    )
    def patch(self, request, pk: int):
        assignment = self.get_assignment(pk)
        data = self.validated(EventProviderTransitionSerializer)
        services.event_provider_transition(
            assignment=assignment,
            to_code=data["status"].upper(),
            final_cost=data.get("final_cost"),
            reason=data["reason"],
            actor=request.user,
        )
        return Response(self.serializer(EventProviderSerializer, self.get_assignment(pk)).data)


# --- dispatch (issue 18): operators record each step; partners read the times (403 on these writes) ---


class EventOffersView(EventChildView):
    """Offer the case to a provider: an assignment in OFFERED, waiting for the provider's answer until
    ``offer_expires_at`` (the offer time of the case's assistance and priority). Operators only."""

    @extend_schema(
        request=OfferSerializer,
        responses={201: EventProviderSerializer},
        examples=examples.OFFERED_EXAMPLES,
    )
    def post(self, request, pk: int):
        event = self.get_event(pk)
        data = self.validated(OfferSerializer)
        assignment = dispatch.provider_offer(event=event, actor=request.user, **data)
        row = self.get_visible(selectors.event_provider_list(), pk=assignment.pk)
        return Response(self.serializer(EventProviderSerializer, row).data, status=status.HTTP_201_CREATED)


class EventCascadeView(EventChildView):
    """Turn the automatic cascade on or off for the case (an expired or declined offer goes to the next
    provider of the search, up to the limit; then the case is flagged ``no_provider_at``). Operators only."""

    @extend_schema(request=CascadeSerializer, responses=EventSerializer, examples=examples.CASCADE_EXAMPLES)
    def post(self, request, pk: int):
        event = self.get_event(pk)
        data = self.validated(CascadeSerializer)
        dispatch.cascade_set(event=event, enabled=data["enabled"], actor=request.user)
        event = self.get_visible(selectors.event_list(), pk=pk)
        return Response(self.serializer(EventSerializer, event).data, headers={"ETag": _etag(event)})


class _DispatchStepView(CommandAPIView):
    """A step of a provider's dispatch, recorded by an operator (the provider's phone answer, say).

    A step without a body names its dispatch service (``step``) and documents this ``post`` with
    ``@extend_schema_view``; a step with a body (accept, decline) has its own ``post``.
    """

    queryset = EventProvider.objects.none()
    step: Callable[..., EventProvider]

    def get_assignment(self, pk: int) -> EventProvider:
        return self.get_visible(selectors.event_provider_list(), pk=pk)

    def answer(self, pk: int) -> Response:
        return Response(self.serializer(EventProviderSerializer, self.get_assignment(pk)).data)

    def post(self, request, pk: int):
        # No docstring: it would replace each step's class docstring in the API docs.
        self.step(assignment=self.get_assignment(pk), actor=request.user)
        return self.answer(pk)


_NO_BODY_STEP = {"request": None, "responses": EventProviderSerializer}


class AssignmentAcceptView(_DispatchStepView):
    """The provider accepts the offer and promises to arrive in ``eta_minutes`` (MOK hears CREATE).
    An offer past its time is refused (409 ``offer_expired``)."""

    @extend_schema(request=AcceptSerializer, responses=EventProviderSerializer, examples=examples.ACCEPT_EXAMPLES)
    def post(self, request, pk: int):
        assignment = self.get_assignment(pk)
        data = self.validated(AcceptSerializer)
        dispatch.provider_accept(assignment=assignment, eta_minutes=data["eta_minutes"], actor=request.user)
        return self.answer(pk)


class AssignmentDeclineView(_DispatchStepView):
    """The provider declines the offer (with a reason); with the cascade on, the next provider is offered."""

    @extend_schema(request=DeclineSerializer, responses=EventProviderSerializer, examples=examples.DECLINE_EXAMPLES)
    def post(self, request, pk: int):
        assignment = self.get_assignment(pk)
        data = self.validated(DeclineSerializer)
        dispatch.provider_decline(assignment=assignment, reason=data["reason"], actor=request.user)
        return self.answer(pk)


@extend_schema_view(post=extend_schema(**_NO_BODY_STEP, examples=examples.EN_ROUTE_EXAMPLES))
class AssignmentEnRouteView(_DispatchStepView):
    """The accepted provider is on the way."""

    step = staticmethod(dispatch.provider_en_route)


@extend_schema_view(post=extend_schema(**_NO_BODY_STEP, examples=examples.ARRIVED_EXAMPLES))
class AssignmentArrivedView(_DispatchStepView):
    """The provider is on site: the service starts (MOK hears START). Later than the promised
    ``eta_at``, the assignment and the case are flagged (``eta_breached_at``)."""

    step = staticmethod(dispatch.provider_arrived)


@extend_schema_view(post=extend_schema(**_NO_BODY_STEP, examples=examples.COMPLETED_EXAMPLES))
class AssignmentCompletedView(_DispatchStepView):
    """The service is done: the assignment resolves (MOK hears RESOLVE)."""

    step = staticmethod(dispatch.provider_completed)


class NotePagination(CursorPagination):
    ordering = ("-created_at", "-id")


class NoteViewSet(APIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Notes on cases (filter with ``event``). Partners see only shared notes."""

    serializer_class = NoteSerializer
    filterset_class = NoteFilter
    pagination_class = NotePagination
    queryset = Note.objects.none()
    partner_write_sources = ANY_SOURCE

    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.note_list()

    @extend_schema(request=NoteSerializer, responses={201: NoteSerializer})
    def create(self, request, *args, **kwargs):
        data = self.validated(NoteSerializer)
        note = services.note_create(
            event=data["event"],
            body=data["body"],
            kind=data["kind"],
            visibility=data.get("visibility"),
            actor=request.user,
        )
        return Response(self.get_serializer(note).data, status=status.HTTP_201_CREATED)


class DraftViewSet(APIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Partly filled cases, visible to and changed by their author only."""

    # Drafts belong to a user account; API clients are not users (their ids are not user ids).
    # First, so a partner hears "operators only" rather than a scope or write refusal.
    permission_classes = [OperatorsOnlyPermission, *api_settings.DEFAULT_PERMISSION_CLASSES]
    serializer_class = DraftSerializer
    queryset = EventDraft.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return EventDraft.objects.filter(owner_id=self.request.user.pk, promoted_event__isnull=True).order_by(
            "-updated_at", "-id"
        )

    @extend_schema(request=DraftSerializer, responses={201: DraftSerializer})
    def create(self, request, *args, **kwargs):
        body = self.validated(DraftSerializer)
        draft = services.draft_save(owner=request.user, data=body["data"])
        return Response(DraftSerializer(draft).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DraftSerializer, responses=DraftSerializer)
    def partial_update(self, request, *args, **kwargs):
        draft = self.get_object()
        # PATCH semantics: a body without `data` changes nothing (found by stateful fuzzing).
        body = self.validated(DraftSerializer, partial=True)
        if "data" in body:
            draft = services.draft_save(owner=request.user, draft=draft, data=body["data"])
        return Response(DraftSerializer(draft).data)


class DraftPromoteView(CommandAPIView):
    """Open the case a draft describes; every missing or invalid field is reported at once."""

    # First, so a partner hears "operators only" rather than a scope or write refusal.
    permission_classes = [OperatorsOnlyPermission, *api_settings.DEFAULT_PERMISSION_CLASSES]
    queryset = Event.objects.none()

    @extend_schema(request=DraftPromoteSerializer, responses={201: EventSerializer}, examples=examples.PROMOTE_EXAMPLES)
    def post(self, request, pk: int):
        draft = self.get_visible(EventDraft, pk=pk, owner_id=request.user.pk, promoted_event__isnull=True)
        options = self.validated(DraftPromoteSerializer)
        event = services.draft_promote(draft=draft, override_reason=options["override_reason"], actor=request.user)
        event = self.get_visible(selectors.event_list(), pk=event.pk)
        return Response(self.serializer(EventSerializer, event).data, status=status.HTTP_201_CREATED)
