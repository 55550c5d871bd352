import re
import uuid

from django.http import JsonResponse
from django.urls import is_valid_path

from apps.core import health
from apps.core.context import RequestContext, reset_context, set_context
from apps.core.exceptions import PROBLEM_CONTENT_TYPE, problem_body
from apps.core.views import STATUS_PROBLEMS

REQUEST_ID_HEADER = "X-Request-ID"
# Accept a caller's id only if it is short and harmless in logs and headers.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _source_for(path: str) -> str:
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/v1/"):
        return "api"
    return "web"


class RequestIdMiddleware:
    """Accept ``X-Request-ID`` (if well-formed) or generate one; expose it to logs and echo it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = set_context(RequestContext(request_id=request_id, source=_source_for(request.path_info)))
        try:
            response = self.get_response(request)
        finally:
            reset_context(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestContextMiddleware:
    """After authentication: record who is acting, so services can audit without extra arguments."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        token = set_context(
            RequestContext(
                request_id=getattr(request, "request_id", uuid.uuid4().hex),
                source=_source_for(request.path_info),
                user=user,
            )
        )
        try:
            return self.get_response(request)
        finally:
            reset_context(token)


class HealthCheckMiddleware:
    """Answers ``/health/live`` and ``/health/ready`` before host validation, sessions or auth.

    The load balancer probes each task by its private IP, which is not in ALLOWED_HOSTS, and a
    health probe must not touch sessions.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if request.method in ("GET", "HEAD"):
            if path == "/health/live":
                return JsonResponse({"status": "ok"})
            if path == "/health/ready":
                ok, checks = health.run_checks()
                return JsonResponse(
                    {"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
                )
        return self.get_response(request)


class ApiTrailingSlashMiddleware:
    """``/v1/...`` answers the same with or without a trailing slash.

    The seed's paths have none, but partner clients written against the old API vary, and a 404 for
    ``/v1/masters/categories/`` helps nobody. A path under ``/v1/`` that matches no route with its
    final slash but matches one without it is served as that route (no redirect: a redirected POST
    is re-sent by some clients as a GET). Paths that are routes with their slash (the schema, the
    docs) are left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/v1/") and path.endswith("/") and len(path) > len("/v1/"):
            urlconf = getattr(request, "urlconf", None)
            if not is_valid_path(path, urlconf) and is_valid_path(path[:-1], urlconf):
                request.path_info = path[:-1]
                request.path = request.path[:-1]
        return self.get_response(request)


class ApiProblemMiddleware:
    """Every error under ``/v1/`` leaves as problem details, whatever produced it and whatever the settings.

    DRF's handler already answers problem+json for what reaches a view. What does not, a path that
    matches no route (``/v1/providers/null,null``) or an error outside DRF, got Django's HTML page
    (the technical 404 page with DEBUG on): a partner's client then fails to parse the error
    instead of reading its code. Here such an answer is replaced by the problem document of its
    status, translated like every other.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path_info.startswith("/v1/") or response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if "json" in content_type:
            return response
        code, detail = STATUS_PROBLEMS.get(response.status_code, ("error", response.reason_phrase))
        body = problem_body(
            status_code=response.status_code, code=code, detail=detail, instance=request.get_full_path()
        )
        problem = JsonResponse(body, status=response.status_code, content_type=PROBLEM_CONTENT_TYPE)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if response.has_header(header):
                problem[header] = response[header]
        return problem
