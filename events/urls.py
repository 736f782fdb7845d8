"""Grid event pages, mounted at /events/. Report from a phone, handle by tier, rate."""

from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("report/", views.report, name="report"),
    path("report/similar/", views.similar, name="similar"),
    path("tasks/", views.tasks, name="tasks"),
    path("mine/", views.mine, name="mine"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("limits/", views.limits, name="limits"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/escalate/", views.escalate, name="escalate"),
    path("<int:pk>/handle/", views.handle, name="handle"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/join/", views.join, name="join"),
]
