"""A test-only URLconf: one API view behind a real DRF authentication class that hands out a plan.

``X-Test-Api-Key: <id>`` authenticates as an API client with that key; ``X-Test-Plan: rate,burst,quota``
sets its plan (default 10, 20, 10000, the seed's). Without the header, session authentication applies
(operators). The view is a ``CommandAPIView`` like the project's own, with the default throttles.
"""

import os

from django.urls import path
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.core.api import CommandAPIView
from tests.clients.usage_support import StandInAuth, StandInUser


class TestKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        key_id = request.headers.get("X-Test-Api-Key")
        if not key_id:
            return None
        try:
            rate, burst, quota = request.headers.get("X-Test-Plan", "10,20,10000").split(",")
            auth = StandInAuth(api_key_id=key_id, rate=float(rate), burst=int(burst), monthly_quota=int(quota))
        except ValueError:
            raise AuthenticationFailed from None
        return StandInUser(api_key_id=key_id), auth

    def authenticate_header(self, request):
        return "TestKey"


class ProbeView(CommandAPIView):
    authentication_classes = [TestKeyAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        # The worker's pid shows which gunicorn worker answered.
        return Response({"pid": os.getpid(), "client": bool(request.auth)})


urlpatterns = [path("v1/usage-probe", ProbeView.as_view())]
