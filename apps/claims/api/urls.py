from django.urls import path

from apps.claims.api import views

_BASE = "assistances/events/<int:pk>/bills"
_ONE = _BASE + "/<int:bid>"

# Mounted at /v1/, beside the cases' own routes.
urlpatterns = [
    path(
        "assistances/adjustment-reasons",
        views.AdjustmentReasonViewSet.as_view({"get": "list"}),
        name="adjustment-reason-list",
    ),
    path("assistances/price-reference", views.PriceReferenceView.as_view(), name="price-reference"),
    path("assistances/events/<int:pk>/reserve", views.ReserveView.as_view(), name="reserve"),
    path(_BASE, views.BillsView.as_view(), name="bill-list"),
    path(_ONE, views.BillDetailView.as_view(), name="bill-detail"),
    path(_ONE + "/review", views.BillReviewView.as_view(), name="bill-review"),
    path(_ONE + "/lines/<int:position>", views.BillLineView.as_view(), name="bill-line"),
    path(_ONE + "/decision", views.BillDecisionView.as_view(), name="bill-decision"),
    path(_ONE + "/reject", views.BillRejectView.as_view(), name="bill-reject"),
    path(_ONE + "/payments", views.BillPaymentsView.as_view(), name="bill-payments"),
]
