"""Public volunteer pages, mounted at /volunteer/: apply, set a password."""

from django.urls import path

from grid import views_members

app_name = "members"

urlpatterns = [
    path("apply/", views_members.apply, name="apply"),
    path("password/", views_members.password, name="password"),
]
