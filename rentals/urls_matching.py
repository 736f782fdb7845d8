from django.urls import path

from rentals import views_matching as views

app_name = "matching"

urlpatterns = [
    path("", views.index, name="index"),
    path("grid/<int:pk>/", views.grid_detail, name="grid"),
    path("grid/<int:pk>/sync/", views.grid_sync, name="sync"),
    path("tasks/<int:pk>/close/", views.task_close, name="task_close"),
]
