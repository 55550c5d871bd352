"""Public pages of cases (no account): the provider's dispatch link."""

from django.urls import path

from apps.assistances import views

urlpatterns = [
    path("job/<str:token>", views.job_page, name="dispatch-job"),
]
