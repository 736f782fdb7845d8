from django.urls import path

from field import views

app_name = "field"

urlpatterns = [
    path("", views.home, name="home"),
    path("check/", views.check, name="check"),
    path("station/", views.station, name="station"),
    path("diary/", views.diary, name="diary"),
    path("publicity/", views.publicity, name="publicity"),
    path("patrol/", views.patrol, name="patrol"),
    path("patrol/track/", views.track, name="track"),
    path("tracks/", views.tracks, name="tracks"),
    path("command/", views.command, name="command"),
    path("command/positions/", views.command_positions, name="command_positions"),
    path("command/dispatch/", views.dispatch_urgent, name="dispatch"),
    path("urgent/", views.urgent, name="urgent"),
]
