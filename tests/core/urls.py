"""A test-only URLconf with one view per error class, to check the problem-details shape of each."""

from django.db import OperationalError
from django.urls import path
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import ApplicationError, ConflictError


class _Raises(APIView):
    permission_classes = []
    authentication_classes = []
    exc: Exception | None = None

    def get(self, request):
        raise self.exc

    def post(self, request):
        return Response({"received": request.data})


def _view(exc):
    return type("V", (_Raises,), {"exc": exc}).as_view()


urlpatterns = [
    path("v1/boom/conflict", _view(ConflictError("Version 3 is stale.", code="stale_version"))),
    path("v1/boom/rule", _view(ApplicationError("Not covered.", code="not_covered", extra={"errors": {"x": ["y"]}}))),
    path("v1/boom/throttled", _view(Throttled(wait=7.2))),
    path("v1/boom/crash", _view(ZeroDivisionError("secret internals"))),
    path("v1/boom/db", _view(OperationalError(2003, "Can't connect to MySQL server"))),
]
