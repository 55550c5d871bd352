"""The project's URLs plus bare Django views that the event-list benchmark compares the API with.

Bench-only (served by bench/settings.py): no authentication, permissions, filtering framework,
pagination or serializer — the same rows as ``GET /v1/assistances/events?status=...&page_size=50``
straight from ``values()`` into ``JsonResponse``:

* ``bench/bare/events``      — one query: the filtered cases with their related codes, newest 50.
* ``bench/bare/events-keys`` — the two queries of the API's read path: the newest 50 keys, then
  those rows by primary key (so the comparison isolates what the framework costs).
"""

from django.http import JsonResponse
from django.urls import include, path

from apps.assistances.models import Event
from apps.assistances.selectors import EVENT_ROW_FIELDS
from config import urls as project_urls

ORDER = ("-opened_at", "-id")
PAGE = 50


def _filtered(request):
    return Event.objects.filter(status__code__iexact=request.GET.get("status", "IN_PROGRESS")).order_by(*ORDER)


def bare_events(request):
    return JsonResponse(list(_filtered(request).values(*EVENT_ROW_FIELDS)[:PAGE]), safe=False)


def bare_events_keys(request):
    ids = list(_filtered(request).values_list("id", flat=True)[:PAGE])
    rows = {row["id"]: row for row in Event.objects.filter(pk__in=ids).values(*EVENT_ROW_FIELDS)}
    return JsonResponse([rows[pk] for pk in ids], safe=False)


urlpatterns = [
    path("bench/bare/events", bare_events),
    path("bench/bare/events-keys", bare_events_keys),
    path("", include(project_urls)),
]
handler404 = project_urls.handler404
handler500 = project_urls.handler500
