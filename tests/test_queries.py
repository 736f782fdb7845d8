"""List pages, API lists and GeoJSON endpoints cost a fixed number of queries, however many rows.

Each route is measured twice, before and after adding rows to the officer's grids; the count
must not change, and must stay under the pinned ceiling (session, user, scope, then the page's
own queries: a count for the paginator and the rows, or one query per map layer).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import BuildingFactory, CommunityGridFactory, centre

# route -> pinned ceiling. Every page: user, scope (one query, cached for the request), then
ROUTES = {
    "home": 14,  # + seven counts, the chief's police-grid table and two figures, my grids (two)
    "grid:map": 1,  # the page only; the map fetches its layers itself
    "grid:grids_geojson": 4,  # + police grids, community grids
    "grid:buildings_geojson": 3,  # + buildings
    "grid:station_list": 4,  # + count, page
    "grid:policegrid_list": 4,
    "grid:communitygrid_list": 4,
    "grid:building_list": 4,
    "station-list": 4,  # + count, page
    "policegrid-list": 4,
    "communitygrid-list": 4,
    "building-list": 4,
}


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(world):
    for _ in range(3):
        g = CommunityGridFactory(police_grid=world.pg_a)
        for dx in (-0.3, 0.0, 0.3):
            lat, lng = centre(g, dx)
            BuildingFactory(grid=g, lat=lat, lng=lng)
    for dx in (-0.35, -0.1, 0.1, 0.35):
        lat, lng = centre(world.a1, dx)
        BuildingFactory(grid=world.a1, lat=lat, lng=lng)


@pytest.mark.parametrize("persona", ["officer_a", "chief"])
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_query_count_does_not_grow_with_rows(route, persona, world, as_user):
    client = as_user(persona)
    url = reverse(route)
    client.get(url)  # warm caches that are not per-request (content types, translations)
    before = _count(client, url)
    _grow(world)
    after = _count(client, url)
    assert after == before, f"{route}: {before} queries before, {after} after adding rows"
    assert after <= ROUTES[route], f"{route}: {after} queries, pinned at {ROUTES[route]}"
