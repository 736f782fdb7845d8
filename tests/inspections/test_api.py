"""The inspections API: read-only, scoped, police roles, masked data only, in the schema."""

import pytest
from rest_framework.test import APIRequestFactory, force_authenticate

from inspections import api, loop
from tests.routes_hazards import notice_with_hazards

factory = APIRequestFactory()


def call(viewset, user, pk=None, **params):
    view = viewset.as_view({"get": "retrieve" if pk else "list"})
    request = factory.get("/", params)
    force_authenticate(request, user=user)
    response = view(request, pk=pk) if pk else view(request)
    response.render()
    return response


@pytest.fixture
def notices(world):
    return notice_with_hazards(world), notice_with_hazards(world, grid_name="乙一网格", officer="officer_b", fails=1)


def test_other_grids_officer_does_not_see_the_hazards(world, notices):
    mine, theirs = notices
    body = call(api.HazardViewSet, world.users["officer_b"]).data
    assert {h["id"] for h in body["results"]} == set(theirs.hazards.values_list("id", flat=True))
    hidden = mine.hazards.first()
    assert call(api.HazardViewSet, world.users["officer_b"], pk=hidden.pk).status_code == 404
    assert call(api.HazardViewSet, world.users["chief"]).data["count"] == 3


@pytest.mark.parametrize("viewset", [api.InspectionViewSet, api.NoticeViewSet])
def test_inspections_and_notices_are_scoped(world, notices, viewset):
    assert call(viewset, world.users["officer_a"]).data["count"] == 1
    assert call(viewset, world.users["other_station_officer"]).data["count"] == 0


def test_hazard_filters(world, notices):
    mine, _ = notices
    officer = world.users["officer_a"]
    first = mine.hazards.order_by("id").first()
    assert call(api.HazardViewSet, officer, status="open").data["count"] == 2
    assert call(api.HazardViewSet, officer, status="closed").data["count"] == 0
    assert call(api.HazardViewSet, officer, grade=first.grade).data["count"] >= 1
    assert call(api.HazardViewSet, officer, grid=world.b1.pk).data["count"] == 0
    states = [loop.hazard_state(h, on=loop.today()) for h in mine.hazards.all()]
    assert call(api.HazardViewSet, officer, state="open").data["count"] == states.count("open")
    assert call(api.HazardViewSet, officer, state="due").data["count"] == states.count("due")


def test_notice_never_shows_its_token_or_signing_code(world, notices):
    mine, _ = notices
    data = call(api.NoticeViewSet, world.users["officer_a"], pk=mine.pk).data
    assert data["number"] == mine.number
    assert "token" not in data and "sign_code_hash" not in data and mine.token not in str(data)


def test_templates_are_for_police_roles_and_not_scoped(world, notices):
    data = call(api.ChecklistTemplateViewSet, world.users["other_station_officer"]).data
    assert data["count"] >= 11 and data["results"][0]["items"]
    assert call(api.ChecklistTemplateViewSet, world.users["grid_worker"]).status_code == 403
    assert call(api.ChecklistTemplateViewSet, world.users["landlord"]).status_code == 403


@pytest.mark.parametrize("viewset", [api.HazardViewSet, api.InspectionViewSet, api.NoticeViewSet])
def test_lists_cost_a_fixed_number_of_queries(world, notices, viewset, django_assert_max_num_queries):
    user = world.users["chief"]
    call(viewset, user)
    for _ in range(3):
        notice_with_hazards(world, fails=3)
    with django_assert_max_num_queries(4):  # scope, count, page (+ hazards of the notices)
        call(viewset, user)


def test_schema_validates(tmp_path, settings):
    """The four viewsets generate a valid OpenAPI schema without warnings."""
    from django.urls import clear_url_caches
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema
    from rest_framework.routers import DefaultRouter

    router = DefaultRouter()
    router.register("inspections/templates", api.ChecklistTemplateViewSet, basename="checklisttemplate")
    router.register("inspections/inspections", api.InspectionViewSet, basename="inspection")
    router.register("inspections/hazards", api.HazardViewSet, basename="hazard")
    router.register("inspections/notices", api.NoticeViewSet, basename="notice")
    generator = SchemaGenerator(patterns=router.urls)
    schema = generator.get_schema(request=None, public=True)
    validate_schema(schema)
    clear_url_caches()
    assert "/inspections/hazards/" in schema["paths"]
