"""Shapes of ``GET /v1/users``: its query parameters and the pool's users."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from apps.accounts.api.examples import USER_PAGE_EXAMPLES
from apps.accounts.selectors import COGNITO_MAX_PAGE_SIZE, EMAIL_PREFIX_MAX_LENGTH, OPERATOR_GROUPS

DEFAULT_PAGE_SIZE = 50


class UserListQuerySerializer(serializers.Serializer):
    """The query string; validated before Cognito is asked anything."""

    group = serializers.ChoiceField(
        choices=OPERATOR_GROUPS, required=False, help_text=_("Only the members of this operator group.")
    )
    email = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=EMAIL_PREFIX_MAX_LENGTH,
        # Control characters (C0, DEL, C1) have no place in an address and would travel into
        # Cognito's filter. A pattern, so that the schema states the same rule.
        validators=[RegexValidator(r"^[^\x00-\x1f\x7f-\x9f]*$", message=_("Control characters are not allowed."))],
        help_text=_("Only users whose e-mail address starts with this text."),
    )
    cursor = serializers.CharField(required=False, help_text=_("Where the page starts (from `next`)."))
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=COGNITO_MAX_PAGE_SIZE,
        default=DEFAULT_PAGE_SIZE,
        help_text=_("Users per page (at most 60: Cognito's limit)."),
    )


class CognitoUserSerializer(serializers.Serializer):
    """An identity of the Cognito user pool and its operator groups."""

    username = serializers.CharField(help_text=_("The user name in the pool."))
    sub = serializers.CharField(help_text=_("The stable identifier (`sub`) of the identity."))
    email = serializers.CharField(allow_blank=True)
    email_verified = serializers.BooleanField()
    enabled = serializers.BooleanField(help_text=_("Whether the identity may sign in."))
    status = serializers.CharField(help_text=_("Cognito's account status (CONFIRMED, FORCE_CHANGE_PASSWORD...)."))
    created = serializers.DateTimeField(allow_null=True)
    modified = serializers.DateTimeField(allow_null=True)
    groups = serializers.ListField(
        child=serializers.ChoiceField(choices=OPERATOR_GROUPS), help_text=_("Its operator groups.")
    )


@extend_schema_serializer(examples=USER_PAGE_EXAMPLES)
class CognitoUserPageSerializer(serializers.Serializer):
    """A page of users. Cognito pages forward only, so ``previous`` is always null."""

    next = serializers.URLField(allow_null=True, help_text=_("The next page, or null on the last one."))
    previous = serializers.URLField(allow_null=True, help_text=_("Always null: Cognito pages forward only."))
    results = CognitoUserSerializer(many=True)
