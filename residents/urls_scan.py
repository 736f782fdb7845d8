"""Door plates: the public scan page /q/<token>/ and the QR label sheets behind it."""

from django.urls import path, re_path

from residents import scan

app_name = "scan"

DOOR_PLATE = r"(?P<token>[A-Za-z0-9_-]{16,43})"

urlpatterns = [
    path("labels/", scan.label_create, name="label_create"),
    path("labels/<int:pk>/", scan.label_detail, name="label_detail"),
    path("labels/<int:pk>/progress/", scan.label_progress, name="label_progress"),
    path("labels/<int:pk>/download/", scan.label_download, name="label_download"),
    re_path(rf"^{DOOR_PLATE}/$", scan.scan, name="scan"),
    re_path(rf"^{DOOR_PLATE}/visit/$", scan.visit_create, name="visit"),
]
