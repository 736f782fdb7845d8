"""Incident pages, mounted at /incidents/: list, import, heat map, hotspots."""

from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("import/", views.import_page, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/progress/", views.import_job_progress, name="import_job_progress"),
    path("map/", views.heat_map, name="map"),
    path("map/cells.json", views.heat_cells, name="heat_cells"),
    path("hotspots/", views.hotspots, name="hotspots"),
]
