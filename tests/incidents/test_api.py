"""/api/v1/grid/incidents/ and its heat cells: scoped, filtered, in the OpenAPI schema."""

import pytest

from tests.incidents.helpers import add

pytestmark = pytest.mark.django_db


def test_the_api_lists_filters_and_reads_incidents_of_the_users_grids(world, as_user):
    a = add("6401062026000001", when="2026-05-01 10:00", grid=world.a1, category="criminal")
    add("6401062026000002", when="2026-05-03 10:00", grid=world.a2, category="traffic")
    add("6401062026000003", when="2026-05-03 10:00", grid=world.b1, category="traffic")
    client = as_user("officer_a")

    def numbers(query=""):
        return [r["number"] for r in client.get(f"/api/v1/grid/incidents/{query}").json()["results"]]

    assert numbers() == ["6401062026000002", "6401062026000001"]
    assert numbers("?category=traffic") == ["6401062026000002"]
    assert numbers(f"?grid={world.a1.pk}") == ["6401062026000001"]
    assert numbers("?start=2026-05-02&end=2026-05-31") == ["6401062026000002"]
    assert client.get(f"/api/v1/grid/incidents/?grid={world.b1.pk}").status_code == 404
    detail = client.get(f"/api/v1/grid/incidents/{a.pk}/").json()
    assert (detail["category"], detail["grid_name"], detail["subcategory"]) == ("criminal", "甲一网格", "盗窃")
    heat = client.get("/api/v1/grid/incidents/heat/?start=2026-05-01&end=2026-05-31").json()
    assert heat["total"] == 2 and len(heat["cells"]) == 2
    assert as_user("grid_worker").get("/api/v1/grid/incidents/").json()["count"] == 0
    assert as_user("grid_worker").get(f"/api/v1/grid/incidents/{a.pk}/").status_code == 404


def test_the_incident_api_is_in_the_schema(world, as_user):
    schema = as_user("admin").get("/api/schema/?format=json").json()
    assert "/api/v1/grid/incidents/" in schema["paths"]
    assert "/api/v1/grid/incidents/heat/" in schema["paths"]


@pytest.mark.parametrize("grid", ["²", "9223372036854775808", "abc"])
def test_a_grid_filter_that_is_no_grid_id_is_a_json_404_not_a_500(grid, world, as_user):
    # "²".isdigit() is true but int("²") fails; 2**63 is past every id.
    for url in ("/api/v1/grid/incidents/", "/api/v1/grid/incidents/heat/"):
        response = as_user("officer_a").get(url, {"grid": grid})
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
