"""Open311 GeoReport v2, mounted at /open311/v2/ (JSON only; see events/open311.py)."""

from django.urls import path

from events import open311

app_name = "open311"

urlpatterns = [
    path("services.json", open311.services, name="services"),
    path("requests.json", open311.requests, name="requests"),
    path("requests/<str:request_id>.json", open311.request_detail, name="request"),
    path("<path:resource>.xml", open311.xml_not_supported, name="xml"),
]
