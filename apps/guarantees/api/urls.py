from django.urls import path

from apps.guarantees.api import views

_BASE = "assistances/events/<int:pk>/guarantees"
_ONE = _BASE + "/<int:gid>"

# Mounted at /v1/, beside the cases' own routes.
urlpatterns = [
    path("assistances/guarantees", views.GuaranteeViewSet.as_view({"get": "list"}), name="guarantee-page"),
    path("assistances/guarantees/turnaround", views.TurnaroundView.as_view(), name="guarantee-turnaround"),
    path(_BASE, views.GuaranteesView.as_view(), name="guarantee-list"),
    path(_ONE, views.GuaranteeDetailView.as_view(), name="guarantee-detail"),
    path(_ONE + "/issue", views.GuaranteeIssueView.as_view(), name="guarantee-issue"),
    path(_ONE + "/amend", views.GuaranteeAmendView.as_view(), name="guarantee-amend"),
    path(_ONE + "/final", views.GuaranteeFinalView.as_view(), name="guarantee-final"),
    path(_ONE + "/cancel", views.GuaranteeCancelView.as_view(), name="guarantee-cancel"),
    path(_ONE + "/send", views.GuaranteeSendView.as_view(), name="guarantee-send"),
    path(_ONE + "/answer", views.GuaranteeAnswerView.as_view(), name="guarantee-answer"),
    path(_ONE + "/approval", views.GuaranteeApprovalView.as_view(), name="guarantee-approval"),
    path(_ONE + "/letter", views.GuaranteeLetterView.as_view(), name="guarantee-letter"),
]
