from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api import TokenLoginView
from disputes import api as disputes_api
from events import api as events_api
from field import api as field_api
from grid import api as grid_api
from incidents import api as incidents_api
from inspections import api as inspections_api
from kpi import api as kpi_api
from noise import api as noise_api
from rentals import api as rentals_api
from rentals import api_permits as rentals_api_permits
from residents import api as residents_api
from topics import api as topics_api

router = DefaultRouter()
router.register("grid/stations", grid_api.StationViewSet, basename="station")
router.register("grid/police-grids", grid_api.PoliceGridViewSet, basename="policegrid")
router.register("grid/community-grids", grid_api.CommunityGridViewSet, basename="communitygrid")
router.register("grid/buildings", grid_api.BuildingViewSet, basename="building")
router.register("grid/events", events_api.EventViewSet, basename="event")
router.register("grid/event-limits", events_api.TierLimitViewSet, basename="tierlimit")
router.register("residents/persons", residents_api.PersonViewSet, basename="person")
router.register("residents/houses", residents_api.HouseViewSet, basename="house")
router.register("residents/venues", residents_api.VenueViewSet, basename="venue")
router.register("rentals/declarations", rentals_api.DeclarationViewSet, basename="declaration")
router.register("rentals/permits", rentals_api_permits.PermitViewSet, basename="permit")
router.register("inspections/templates", inspections_api.ChecklistTemplateViewSet, basename="checklisttemplate")
router.register("inspections/inspections", inspections_api.InspectionViewSet, basename="inspection")
router.register("inspections/hazards", inspections_api.HazardViewSet, basename="hazard")
router.register("inspections/notices", inspections_api.NoticeViewSet, basename="notice")
router.register("disputes/disputes", disputes_api.DisputeViewSet, basename="dispute")
router.register("disputes/mediators", disputes_api.MediatorViewSet, basename="mediator")
router.register("disputes/sessions", disputes_api.SessionViewSet, basename="mediationsession")
router.register("disputes/followups", disputes_api.FollowUpViewSet, basename="followup")

for _app in (noise_api, incidents_api, topics_api, field_api, kpi_api):
    _app.register(router)

urlpatterns = [
    path("auth/token/", TokenLoginView.as_view(), name="token"),
    path("", include(router.urls)),
]
