"""The project's URLs plus the bare case-opening view the storm benchmark compares the API with.

``POST /bench/bare/events`` takes the API's request body and runs the same write path as
``POST /v1/assistances/events`` (``event_open``: the case, its status history row, its audit outbox
row and the after-commit publish to SQS) as the same partner, without DRF: no authentication,
permissions, usage plan, idempotency record, serializer or content negotiation. What the API costs
on top is the framework's share; issue 19 asks for ≥ 0.6× of this view's throughput.
"""

import json

from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.assistances.services import event_open
from apps.clients.authentication import ApiClientPrincipal
from apps.clients.models import ApiClient
from apps.masters.models import Assistance, City, Country
from apps.vouchers.models import Voucher
from config import urls as project_urls

# The partner the bare view acts for (the API finds it from the token on every request).
_partners: dict[str, ApiClientPrincipal] = {}


def _partner(source: str) -> ApiClientPrincipal:
    if source not in _partners:
        client = ApiClient.objects.get(source_code=source, name=f"Storm {source}")
        _partners[source] = ApiClientPrincipal(client, frozenset(client.allowed_scopes))
    return _partners[source]


@csrf_exempt
@require_POST
def bare_open(request):
    body = json.loads(request.body)
    country = Country.objects.get(iso2=body["country"])
    data = {
        **{k: v for k, v in body.items() if k not in ("voucher", "assistance", "country", "city")},
        "voucher": Voucher.objects.get(number=body["voucher"]),
        "assistance": Assistance.objects.get(code=body["assistance"]),
        "country": country,
        "city": City.objects.get(country=country, code=body["city"]) if body.get("city") else None,
    }
    event = event_open(data=data, actor=_partner(body["source_code"])).event
    return JsonResponse({"id": event.pk, "code": event.code}, status=201)


urlpatterns = [path("bench/bare/events", bare_open), path("", include(project_urls))]
