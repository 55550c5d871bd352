"""Bases of the views under a case (``/v1/assistances/events/{id}/…``).

Here, in assistances, so that the apps above it (claims' bills, guarantees) build on them without
assistances ever importing those apps.
"""

from collections.abc import Callable

from django.db.models import QuerySet
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.assistances.models import Event
from apps.assistances.selectors import event_list
from apps.core.api import CommandAPIView


class EventChildView(CommandAPIView):
    """Views under /events/{id}/...: the case must exist and be visible to the caller."""

    queryset = Event.objects.none()

    def get_event(self, pk: int) -> Event:
        return self.get_visible(event_list(), pk=pk)


class CaseChildView(EventChildView):
    """Views of one kind of object kept under a case, each with its own id (a bill, a guarantee).

    ``child_list`` is the kind's selector (a ``staticmethod``) and ``child_serializer`` how one is answered.
    """

    child_list: Callable[[], QuerySet]
    child_serializer: type[serializers.Serializer]

    def get_child(self, pk: int, child_pk: int):
        # Looked up under its case: a child id under another case is a 404, like an unknown one.
        return self.get_visible(self.child_list().filter(event=self.get_event(pk)), pk=child_pk)

    def answer(self, obj, *, created: bool = False) -> Response:
        # Read again through the selector: the answer shows the related rows it loads, as they are now.
        row = self.get_visible(self.child_list(), pk=obj.pk)
        return Response(
            self.serializer(self.child_serializer, row).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
