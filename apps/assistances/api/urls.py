from django.urls import path

from apps.assistances.api import views

_list = {"get": "list", "post": "create"}

# Mounted at /v1/; the seed's paths under /v1/assistances/.
urlpatterns = [
    path("assistances/events", views.EventViewSet.as_view(_list), name="event-list"),
    path("assistances/events/draft", views.DraftViewSet.as_view(_list), name="draft-list"),
    path(
        "assistances/events/draft/<int:pk>",
        views.DraftViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="draft-detail",
    ),
    path("assistances/events/draft/<int:pk>/promote", views.DraftPromoteView.as_view(), name="draft-promote"),
    path(
        "assistances/events/providers/<int:pk>", views.EventProviderDetailView.as_view(), name="event-provider-detail"
    ),
    path(
        "assistances/events/<int:pk>",
        views.EventViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="event-detail",
    ),
    path("assistances/events/<int:pk>/statuses", views.EventStatusesView.as_view(), name="event-statuses"),
    path(
        "assistances/events/<int:pk>/statuses/switches/<int:switch_pk>/cancel",
        views.SwitchCancelView.as_view(),
        name="event-switch-cancel",
    ),
    path("assistances/events/<int:pk>/providers", views.EventProvidersView.as_view(), name="event-providers"),
    path("assistances/events/<int:pk>/offers", views.EventOffersView.as_view(), name="event-offers"),
    path("assistances/events/<int:pk>/cascade", views.EventCascadeView.as_view(), name="event-cascade"),
    path(
        "assistances/events/providers/<int:pk>/accept", views.AssignmentAcceptView.as_view(), name="assignment-accept"
    ),
    path(
        "assistances/events/providers/<int:pk>/decline",
        views.AssignmentDeclineView.as_view(),
        name="assignment-decline",
    ),
    path(
        "assistances/events/providers/<int:pk>/en-route",
        views.AssignmentEnRouteView.as_view(),
        name="assignment-en-route",
    ),
    path(
        "assistances/events/providers/<int:pk>/arrived",
        views.AssignmentArrivedView.as_view(),
        name="assignment-arrived",
    ),
    path(
        "assistances/events/providers/<int:pk>/completed",
        views.AssignmentCompletedView.as_view(),
        name="assignment-completed",
    ),
    path("assistances/notes", views.NoteViewSet.as_view(_list), name="note-list"),
    path("assistances/notes/<int:pk>", views.NoteViewSet.as_view({"get": "retrieve"}), name="note-detail"),
]
