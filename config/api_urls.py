from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api import TokenLoginView
from grid import api as grid_api

router = DefaultRouter()
router.register("grid/stations", grid_api.StationViewSet, basename="station")
router.register("grid/police-grids", grid_api.PoliceGridViewSet, basename="policegrid")
router.register("grid/community-grids", grid_api.CommunityGridViewSet, basename="communitygrid")
router.register("grid/buildings", grid_api.BuildingViewSet, basename="building")

urlpatterns = [
    path("auth/token/", TokenLoginView.as_view(), name="token"),
    path("", include(router.urls)),
]
