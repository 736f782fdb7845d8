from django.urls import path

from grid import views

app_name = "grid"

urlpatterns = [
    path("map/", views.map_view, name="map"),
    path("map/grids.geojson", views.grids_geojson, name="grids_geojson"),
    path("map/buildings.geojson", views.buildings_geojson, name="buildings_geojson"),
    path("stations/", views.station_list, name="station_list"),
    path("stations/<int:pk>/", views.station_detail, name="station_detail"),
    path("police-grids/", views.policegrid_list, name="policegrid_list"),
    path("police-grids/<int:pk>/", views.policegrid_detail, name="policegrid_detail"),
    path("community-grids/", views.communitygrid_list, name="communitygrid_list"),
    path("community-grids/<int:pk>/", views.communitygrid_detail, name="communitygrid_detail"),
    path("buildings/", views.building_list, name="building_list"),
    path("buildings/new/", views.building_create, name="building_create"),
    path("buildings/<int:pk>/", views.building_detail, name="building_detail"),
    path("buildings/<int:pk>/edit/", views.building_edit, name="building_edit"),
]
