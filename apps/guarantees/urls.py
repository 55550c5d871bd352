"""Public pages of guarantees (no account): the verification page and the provider's answer link."""

from django.urls import path

from apps.guarantees import views

urlpatterns = [
    path("verify/", views.verify_form, name="guarantee-verify-form"),
    path("verify/<str:code>", views.verify_page, name="guarantee-verify"),
    path("gop/<str:token>", views.answer_page, name="guarantee-answer"),
    path("gop/<str:token>/letter", views.answer_letter, name="guarantee-answer-letter"),
]
