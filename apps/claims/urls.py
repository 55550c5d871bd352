"""Public pages of claims (no account): the provider's bill upload link."""

from django.urls import path

from apps.claims import views

urlpatterns = [
    path("bill/<str:token>", views.upload_page, name="bill-upload"),
]
