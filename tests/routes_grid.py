"""Scope matrix rows for the foundation: home, accounts, grid pages, grid API, schema."""

from django.urls import reverse

from tests.scope import (
    EDITOR_ROLES,
    EDITORS_OF_A1,
    PERSONAS,
    SEES_A1,
    SEES_S1,
    Route,
    api_list,
    api_object,
    bldg,
    logged_in,
    page_list,
    page_object,
    public,
)

ROUTES = {
    "home": Route(lambda w: reverse("home"), logged_in),
    "accounts:login": Route(lambda w: reverse("accounts:login"), lambda p: "ok" if p == "anonymous" else "redirect"),
    "set_language": Route(lambda w: reverse("set_language"), lambda p: "redirect"),
    "javascript-catalog": Route(lambda w: reverse("javascript-catalog"), public),
    "manifest": Route(lambda w: reverse("manifest"), public),
    "healthz": Route(lambda w: reverse("healthz"), public),
    "grid:map": Route(lambda w: reverse("grid:map"), lambda p: page_list(set(PERSONAS))(p)),
    "grid:grids_geojson": Route(lambda w: reverse("grid:grids_geojson"), page_list(SEES_A1), lambda w: w.a1.name),
    "grid:buildings_geojson": Route(
        lambda w: reverse("grid:buildings_geojson"), page_list(SEES_A1), lambda w: bldg(w).address
    ),
    "grid:station_list": Route(lambda w: reverse("grid:station_list"), page_list(SEES_S1), lambda w: w.s1.name),
    "grid:station_detail": Route(lambda w: reverse("grid:station_detail", args=[w.s1.pk]), page_object(SEES_S1)),
    "grid:policegrid_list": Route(lambda w: reverse("grid:policegrid_list"), page_list(SEES_A1), lambda w: w.pg_a.name),
    "grid:policegrid_detail": Route(
        lambda w: reverse("grid:policegrid_detail", args=[w.pg_a.pk]), page_object(SEES_A1)
    ),
    "grid:communitygrid_list": Route(
        lambda w: reverse("grid:communitygrid_list"), page_list(SEES_A1), lambda w: w.a1.name
    ),
    "grid:communitygrid_detail": Route(
        lambda w: reverse("grid:communitygrid_detail", args=[w.a1.pk]), page_object(SEES_A1)
    ),
    "grid:building_list": Route(lambda w: reverse("grid:building_list"), page_list(SEES_A1), lambda w: bldg(w).address),
    "grid:building_detail": Route(lambda w: reverse("grid:building_detail", args=[bldg(w).pk]), page_object(SEES_A1)),
    "grid:building_create": Route(lambda w: reverse("grid:building_create"), page_object(EDITOR_ROLES)),
    "grid:building_edit": Route(lambda w: reverse("grid:building_edit", args=[bldg(w).pk]), page_object(EDITORS_OF_A1)),
    "api-root": Route(lambda w: reverse("api-root"), api_list(set(PERSONAS))),
    "token": Route(lambda w: reverse("token"), lambda p: "method_not_allowed"),
    "station-list": Route(lambda w: reverse("station-list"), api_list(SEES_S1), lambda w: w.s1.name),
    "station-detail": Route(lambda w: reverse("station-detail", args=[w.s1.pk]), api_object(SEES_S1)),
    "policegrid-list": Route(lambda w: reverse("policegrid-list"), api_list(SEES_A1), lambda w: w.pg_a.name),
    "policegrid-detail": Route(lambda w: reverse("policegrid-detail", args=[w.pg_a.pk]), api_object(SEES_A1)),
    "communitygrid-list": Route(lambda w: reverse("communitygrid-list"), api_list(SEES_A1), lambda w: w.a1.name),
    "communitygrid-detail": Route(lambda w: reverse("communitygrid-detail", args=[w.a1.pk]), api_object(SEES_A1)),
    "building-list": Route(lambda w: reverse("building-list"), api_list(SEES_A1), lambda w: bldg(w).address),
    "building-detail": Route(lambda w: reverse("building-detail", args=[bldg(w).pk]), api_object(SEES_A1)),
    "schema": Route(lambda w: reverse("schema"), lambda p: "401" if p == "anonymous" else "ok"),
    "swagger-ui": Route(lambda w: reverse("swagger-ui"), lambda p: "401" if p == "anonymous" else "ok"),
}

# Routes outside the matrix, each with the test that covers it instead.
EXEMPT = {
    "admin": "Django admin: staff only, tests/accounts/test_admin.py",
    "accounts:logout": "POST only, tests/accounts/test_login.py",
}
