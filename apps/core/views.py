"""Django-level error pages: problem details for API paths, the normal templates elsewhere."""

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults

from apps.core.exceptions import PROBLEM_CONTENT_TYPE, problem_body

# The problem code and detail of an error answered outside DRF, by status.
STATUS_PROBLEMS = {
    400: ("bad_request", _("The request could not be understood.")),
    403: ("permission_denied", _("You do not have permission to perform this action.")),
    404: ("not_found", _("No resource at this path.")),
    405: ("method_not_allowed", _("This method is not allowed here.")),
    413: ("request_too_large", _("The request is too large.")),
    500: ("server_error", _("An unexpected error occurred. Quote the request id when reporting it.")),
}


def _wants_problem(request) -> bool:
    return request.path_info.startswith("/v1/")


def _problem(request, status: int) -> JsonResponse:
    code, detail = STATUS_PROBLEMS[status]
    body = problem_body(status_code=status, code=code, detail=detail, instance=request.get_full_path())
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def page_not_found(request, exception=None):
    if _wants_problem(request):
        return _problem(request, 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _wants_problem(request):
        return _problem(request, 500)
    return defaults.server_error(request)
