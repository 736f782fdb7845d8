from django.urls import path

from topics import views

app_name = "topics"

urlpatterns = [
    path("", views.meetings, name="meetings"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("meetings/<int:pk>/topics/new/", views.topic_add, name="topic_add"),
    path("ledger/", views.ledger, name="ledger"),
    path("<int:pk>/", views.topic, name="topic"),
    path("<int:pk>/plan/", views.topic_plan, name="topic_plan"),
    path("<int:pk>/progress/", views.topic_progress, name="topic_progress"),
    path("<int:pk>/close/", views.topic_close, name="topic_close"),
    path("<int:pk>/unsolvable/", views.topic_unsolvable, name="topic_unsolvable"),
]
