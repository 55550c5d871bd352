from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.assistances.selectors import case_lookup
from apps.core.visibility import VisiblePrimaryKeyRelatedField


class VisibleCaseField(VisiblePrimaryKeyRelatedField):
    """A case id, looked up among the cases the caller may see.

    Another partner's case and a case that does not exist answer alike ("Unknown case."), so a
    partner cannot probe which case ids exist.
    """

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "does_not_exist": _("Unknown case."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", case_lookup())
        super().__init__(**kwargs)
