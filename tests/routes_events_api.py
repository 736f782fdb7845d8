"""Scope matrix rows for the events API (/api/v1/grid/events/, /api/v1/grid/event-limits/) and
Open311 GeoReport v2 (/open311/v2/): an event reported by ``volunteer`` in 甲一网格.

Open311 ignores logins: without an ``api_key`` every persona, logged in or not, gets GeoReport's
403 error list (its answer for an invalid key); the ``.xml`` forms are a 404 saying "JSON only".
Keyed calls are tested in tests/events/test_open311.py.
"""

from urllib.parse import urlencode

from django.urls import reverse

from tests.events.helpers import report
from tests.scope import NON_GRID, PERSONAS, SEES_A1, Route, api_list, api_object

GRID_PERSONAS = set(PERSONAS) - NON_GRID - {"anonymous"}


def event(w):
    if not hasattr(w, "_api_event"):
        w._api_event = report(w)
    return w._api_event


def action(name):
    """POST-only: a GET is 405 for anyone logged in (scope is checked on the POST)."""
    return Route(
        lambda w: reverse(f"event-{name}", args=[event(w).pk]),
        lambda p: "401" if p == "anonymous" else "method_not_allowed",
    )


def similar_url(w):
    e = event(w)
    return reverse("event-similar") + "?" + urlencode({"category": e.category, "lat": e.lat, "lng": e.lng})


def no_key(p):
    return "403"


ROUTES = {
    "event-list": Route(lambda w: reverse("event-list"), api_list(SEES_A1), lambda w: event(w).reference),
    "event-detail": Route(lambda w: reverse("event-detail", args=[event(w).pk]), api_object(SEES_A1)),
    "event-similar": Route(similar_url, api_list(SEES_A1), lambda w: event(w).reference),
    "event-accept": action("accept"),
    "event-escalate": action("escalate"),
    "event-handle": action("handle"),
    "event-rate": action("rate"),
    "event-reopen": action("reopen"),
    # Every grid role reads the limits; landlords and mediators get an empty list.
    "tierlimit-list": Route(lambda w: reverse("tierlimit-list"), api_list(GRID_PERSONAS), lambda w: "handle_minutes"),
    "open311:services": Route(lambda w: reverse("open311:services"), no_key),
    "open311:requests": Route(lambda w: reverse("open311:requests"), no_key),
    "open311:request": Route(lambda w: reverse("open311:request", args=[event(w).pk]), no_key),
    "open311:xml": Route(lambda w: reverse("open311:xml", args=["services"]), lambda p: "404"),
}
