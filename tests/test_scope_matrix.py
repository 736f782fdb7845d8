"""The permission matrix: every route × every persona, and a walk of the URLconf that fails
on a route this matrix does not cover.

Outcomes: ``ok`` (200, the marker object is shown), ``hidden`` (200, the marker is absent),
``404``, ``login`` (redirect to the login page), ``401`` (API without credentials).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PERSONAS = [
    "officer_a", "aux_a", "grid_worker", "volunteer", "chief", "admin",
    "officer_b", "volunteer_b", "other_station_officer", "other_chief",
    "landlord", "landlord2", "mediator", "anonymous",
]  # fmt: skip
NON_GRID = {"landlord", "landlord2", "mediator"}

# Who sees what of the world in conftest.py.
SEES_A1 = {"officer_a", "aux_a", "grid_worker", "volunteer", "chief", "admin"}
SEES_S1 = SEES_A1 | {"officer_b", "volunteer_b"}
EDITORS_OF_A1 = {"officer_a", "aux_a", "grid_worker", "chief", "admin"}
EDITOR_ROLES = {
    "officer_a",
    "aux_a",
    "grid_worker",
    "chief",
    "admin",
    "officer_b",
    "other_station_officer",
    "other_chief",
}


@dataclass
class Route:
    url: Callable  # world -> url
    expect: Callable  # persona -> outcome
    marker: Callable = field(default=lambda w: None)  # world -> text that shows the object


def page_object(visible):
    return lambda p: "login" if p == "anonymous" else ("ok" if p in visible else "404")


def page_list(visible):
    def expect(p):
        if p == "anonymous":
            return "login"
        if p in NON_GRID:
            return "404"
        return "ok" if p in visible else "hidden"

    return expect


def api_object(visible):
    return lambda p: "401" if p == "anonymous" else ("ok" if p in visible else "404")


def api_list(visible):
    return lambda p: "401" if p == "anonymous" else ("ok" if p in visible else "hidden")


def public(p):
    return "ok"


def logged_in(p):
    return "login" if p == "anonymous" else "ok"


def bldg(w):
    return w.building("甲一网格")


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


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield f"{prefix}{p.name}" if p.name else f"{prefix}<unnamed {p.pattern}>"


def test_every_route_is_covered_by_the_scope_matrix():
    names = set(_walk(get_resolver().url_patterns))
    uncovered = sorted(n for n in names if n not in ROUTES and n not in EXEMPT and n.split(":")[0] not in EXEMPT)
    assert not uncovered, f"routes without a scope test: {uncovered}"


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("persona", PERSONAS)
def test_route_answers_each_persona_as_its_scope_allows(route, persona, world, as_user):
    spec = ROUTES[route]
    expected = spec.expect(persona)
    response = as_user(persona).get(spec.url(world))
    marker = spec.marker(world)
    body = response.content.decode() if response.status_code == 200 else ""
    if response.get("Content-Type", "").startswith("application/json"):
        import json

        body = json.dumps(response.json(), ensure_ascii=False)
    if expected == "ok":
        assert response.status_code == 200, response.status_code
        if marker:
            assert marker in body
    elif expected == "hidden":
        assert response.status_code == 200, response.status_code
        assert marker not in body
    elif expected == "404":
        assert response.status_code == 404
    elif expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif expected == "redirect":
        assert response.status_code == 302
    elif expected == "401":
        assert response.status_code == 401
    elif expected == "method_not_allowed":
        assert response.status_code == 405
    else:  # pragma: no cover
        raise AssertionError(expected)
