"""Scope matrix rows for community time: staff use the check-in page; the chief's station view is
for chiefs and admins; the check POST answers a GET with 405 for staff."""

from django.urls import reverse

from field import services
from field.models import Kind
from tests.scope import Route, api_list, api_object, gated_object, gated_post

STAFF = {"officer_a", "aux_a", "chief", "admin", "officer_b", "other_station_officer", "other_chief"}

ROUTES = {
    "field:home": Route(lambda w: reverse("field:home"), gated_object(STAFF)),
    "field:check": Route(lambda w: reverse("field:check"), gated_post(STAFF)),
    "field:diary": Route(lambda w: reverse("field:diary"), gated_object(STAFF)),
    "field:publicity": Route(lambda w: reverse("field:publicity"), gated_object(STAFF)),
    "field:patrol": Route(lambda w: reverse("field:patrol"), gated_post(STAFF)),
    "field:track": Route(lambda w: reverse("field:track"), gated_post(STAFF)),
    "field:tracks": Route(lambda w: reverse("field:tracks"), gated_object(STAFF)),
    "field:command": Route(lambda w: reverse("field:command"), gated_object({"chief", "admin", "other_chief"})),
    "field:command_positions": Route(
        lambda w: reverse("field:command_positions"), gated_object({"chief", "admin", "other_chief"})
    ),
    "field:dispatch": Route(lambda w: reverse("field:dispatch"), gated_post({"chief", "admin", "other_chief"})),
    "field:urgent": Route(lambda w: reverse("field:urgent"), gated_object(STAFF)),
    "field:station": Route(lambda w: reverse("field:station"), gated_object({"chief", "admin", "other_chief"})),
}


def _check(w):
    """officer_a's check-in in 甲一, once per world."""
    cache = w.__dict__.setdefault("_field", {})
    if "check" not in cache:
        b = w.building("甲一网格")
        cache["check"] = services.check(user=w.users["officer_a"], kind=Kind.IN, lat=b.lat, lng=b.lng)
        cache["patrol"] = services.patrol_start(user=w.users["officer_a"])
    return cache["check"]


def _visit(w):
    from residents.services import visit_record

    cache = w.__dict__.setdefault("_field", {})
    if "visit" not in cache:
        cache["visit"] = visit_record(user=w.users["officer_a"], building=w.building("甲一网格"), purpose="走访")
    return cache["visit"]


OWN_OR_CHIEF = {"officer_a", "chief", "admin"}
VISIT_VIEWERS = {"officer_a", "aux_a", "grid_worker", "chief", "admin"}

ROUTES.update(
    {
        "check-list": Route(lambda w: reverse("check-list"), api_list(OWN_OR_CHIEF), lambda w: f'"id": {_check(w).pk}'),
        "check-detail": Route(lambda w: reverse("check-detail", args=[_check(w).pk]), api_object(OWN_OR_CHIEF)),
        "patrol-list": Route(
            lambda w: reverse("patrol-list"),
            api_list(OWN_OR_CHIEF),
            lambda w: f'"id": {(_check(w), w._field["patrol"])[1].pk}',
        ),  # fmt: skip
        "patrol-detail": Route(
            lambda w: reverse("patrol-detail", args=[(_check(w), w._field["patrol"])[1].pk]), api_object(OWN_OR_CHIEF)
        ),
        "visit-list": Route(
            lambda w: reverse("visit-list"), api_list(VISIT_VIEWERS), lambda w: f'"id": {_visit(w).pk}'
        ),
        "visit-detail": Route(lambda w: reverse("visit-detail", args=[_visit(w).pk]), api_object(VISIT_VIEWERS)),
    }
)
