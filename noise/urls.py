"""Noise sensor pages, mounted at /noise/."""

from django.urls import path

from noise import views

app_name = "noise"

urlpatterns = [
    path("", views.sensor_list, name="sensors"),
    path("new/", views.sensor_create, name="sensor_create"),
    path("<int:pk>/", views.sensor_detail, name="sensor"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="acknowledge"),
]
