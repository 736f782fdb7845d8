from django.urls import reverse

from grid.models import Building
from tests.factories import centre


def test_an_officer_creates_a_building_through_the_api_and_it_is_placed(world, as_user):
    lat, lng = centre(world.a1)
    r = as_user("officer_a").post(
        reverse("building-list"), {"address": "接口路1号", "lat": lat, "lng": lng}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    assert r.json()["grid"] == world.a1.pk


def test_api_refuses_a_point_outside_scope_with_a_field_error(world, as_user):
    lat, lng = centre(world.c1)
    r = as_user("officer_a").post(
        reverse("building-list"), {"address": "接口路2号", "lat": lat, "lng": lng}, content_type="application/json"
    )
    assert r.status_code == 400
    assert "lat" in r.json()
    assert not Building.objects.filter(address="接口路2号").exists()


def test_a_volunteer_may_read_but_not_write_addresses(world, as_user):
    client = as_user("volunteer")
    assert client.get(reverse("building-list")).status_code == 200
    lat, lng = centre(world.a1)
    r = client.post(
        reverse("building-list"), {"address": "x路1号", "lat": lat, "lng": lng}, content_type="application/json"
    )
    assert r.status_code == 403


def test_patch_moves_a_building_within_scope(world, as_user):
    b = world.building("甲一网格")
    lat, lng = centre(world.a2)
    r = as_user("officer_a").patch(
        reverse("building-detail", args=[b.pk]), {"lat": lat, "lng": lng}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["grid"] == world.a2.pk


def test_api_lists_filter_by_address_text(world, as_user):
    b = world.building("甲一网格")
    r = as_user("chief").get(reverse("building-list"), {"q": b.address})
    assert [row["id"] for row in r.json()["results"]] == [b.pk]


def test_the_openapi_schema_documents_the_grid_endpoints(world, as_user):
    r = as_user("officer_a").get(reverse("schema"), HTTP_ACCEPT="application/json")
    paths = r.json()["paths"]
    for p in (
        "/api/v1/grid/stations/",
        "/api/v1/grid/police-grids/",
        "/api/v1/grid/community-grids/",
        "/api/v1/grid/buildings/",
    ):
        assert p in paths


def test_swagger_ui_is_served_from_local_assets(world, as_user):
    html = as_user("officer_a").get(reverse("swagger-ui")).content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "https://" not in html
