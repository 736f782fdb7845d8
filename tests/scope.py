"""Building blocks of the permission matrix (tests/test_scope_matrix.py).

Each ``tests/routes_<area>.py`` module defines ``ROUTES`` (url name → :class:`Route`) and may
define ``EXEMPT`` (url name or namespace → the test that covers it instead).

Outcomes: ``ok`` (200, the marker object is shown), ``hidden`` (200, the marker is absent),
``404``, ``login`` (redirect to the login page), ``401`` (API without credentials),
``redirect`` (any 302), ``method_not_allowed`` (405).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

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


def gated_list(roles, inside):
    """A list page for ``roles``: the marker shows for ``inside``, other roles get it without; the rest 404."""

    def expect(p):
        if p == "anonymous":
            return "login"
        if p not in roles:
            return "404"
        return "ok" if p in inside else "hidden"

    return expect


def gated_object(inside):
    """An object page: ``inside`` see it; everyone else 404; anonymous is sent to log in."""
    return lambda p: "login" if p == "anonymous" else ("ok" if p in inside else "404")


def gated_post(roles):
    """A POST-only route: ``roles`` get 405 on GET, the rest 404 (the role gate comes first)."""
    return lambda p: "login" if p == "anonymous" else ("method_not_allowed" if p in roles else "404")
