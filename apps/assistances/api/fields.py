from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.assistances.selectors import event_list


class VisibleCaseField(serializers.PrimaryKeyRelatedField):
    """A case id, looked up among the cases the caller may see.

    Another partner's case and a case that does not exist answer alike ("Unknown case."), so a
    partner cannot probe which case ids exist.
    """

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "does_not_exist": _("Unknown case."),
    }

    def get_queryset(self):
        request = self.context.get("request")
        return event_list(caller=getattr(request, "user", None)).select_related(None).only("id", "code", "source_code")
