from django.urls import path

from apps.accounts.api import views

# Mounted at "v1/users" (no trailing slash, like the seed's paths).
urlpatterns = [
    path("", views.CognitoUserListView.as_view(), name="user-list"),
]
