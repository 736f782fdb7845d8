from django.urls import path

from grid import views, views_members

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
    path("community-grids/<int:grid_pk>/members/new/", views_members.member_add, name="member_add"),
    path("members/", views_members.member_list, name="member_list"),
    path("members/export.xlsx", views_members.member_export, name="member_export"),
    path("members/<int:pk>/", views_members.member_detail, name="member_detail"),
    path("members/<int:pk>/decide/", views_members.member_decide, name="member_decide"),
    path("members/<int:pk>/call/", views_members.member_call, name="member_call"),
    path("buildings/", views.building_list, name="building_list"),
    path("buildings/new/", views.building_create, name="building_create"),
    path("buildings/<int:pk>/", views.building_detail, name="building_detail"),
    path("buildings/<int:pk>/edit/", views.building_edit, name="building_edit"),
]
