"""Django-level error pages: problem details for API paths, the normal templates elsewhere."""

from django.http import JsonResponse
from django.views import defaults

from apps.core.exceptions import PROBLEM_CONTENT_TYPE, problem_body


def _wants_problem(request) -> bool:
    return request.path_info.startswith("/v1/")


def page_not_found(request, exception=None):
    if _wants_problem(request):
        body = problem_body(
            status_code=404, code="not_found", detail="No resource at this path.", instance=request.get_full_path()
        )
        return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _wants_problem(request):
        body = problem_body(
            status_code=500,
            code="server_error",
            detail="An unexpected error occurred. Quote the request id when reporting it.",
            instance=request.get_full_path(),
        )
        return JsonResponse(body, status=500, content_type=PROBLEM_CONTENT_TYPE)
    return defaults.server_error(request)
