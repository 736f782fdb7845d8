"""Scope matrix rows for community time: staff use the check-in page; the chief's station view is
for chiefs and admins; the check POST answers a GET with 405 for staff."""

from django.urls import reverse

from tests.scope import Route, gated_object, gated_post

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
