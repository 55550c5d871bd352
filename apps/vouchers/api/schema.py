"""OpenAPI pieces shared by the vouchers and issuance endpoints: the problem-details error body."""

from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers

from apps.core.exceptions import PROBLEM_CONTENT_TYPE


class OpeningCoverageReason(serializers.Serializer):
    code = serializers.CharField()
    passed = serializers.BooleanField()
    message = serializers.CharField()


@extend_schema_serializer(component_name="OpeningCoverage")
class OpeningCoverageSchema(serializers.Serializer):
    """The coverage check stored on a case when it was opened (``Event.coverage``), or refusing to open one."""

    covered = serializers.BooleanField(required=False)
    reasons = OpeningCoverageReason(many=True, required=False)
    benefit = serializers.CharField(required=False, allow_null=True, help_text="Code of the benefit that applied.")
    currency = serializers.CharField(required=False, allow_blank=True)
    limit_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    limit_count = serializers.IntegerField(required=False, allow_null=True)
    remaining_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    remaining_count = serializers.IntegerField(required=False, allow_null=True)


@extend_schema_serializer(component_name="ProblemDetails")
class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, the body of every error (``application/problem+json``)."""

    type = serializers.CharField(help_text="URN identifying the problem type.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False, help_text="The request path.")
    code = serializers.CharField(help_text="Machine-readable problem code.")
    request_id = serializers.CharField()
    errors = serializers.DictField(
        required=False, help_text="Field name → messages (nested for nested objects and lists)."
    )
    error_codes = serializers.DictField(
        required=False,
        help_text="The same tree as `errors`, each message replaced by its machine-readable code "
        "(`required`, `invalid`, `does_not_exist`, `unknown_code`...).",
    )
    coverage = OpeningCoverageSchema(
        required=False, help_text="With `not_covered`: the coverage check that refused to open the case."
    )


def problems(*statuses: int) -> dict:
    """``responses`` entries for the given error statuses, all with the problem-details body."""
    descriptions = {
        400: "Invalid request (the fields at fault are named in `errors`).",
        401: "Authentication required.",
        403: "Permission denied.",
        404: "Not found.",
        409: "Conflict with the current state.",
        413: "Request too large.",
        415: "Unsupported media type.",
    }
    return {
        (status, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=descriptions.get(status, ""))
        for status in statuses
    }
