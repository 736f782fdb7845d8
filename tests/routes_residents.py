"""Scope matrix rows for the registries (persons, houses, venues, the four-colour ledger)."""

from django.urls import reverse

from tests.factories import VenueFactory
from tests.scope import PERSONAS, Route, gated_list, gated_object

REGISTRY_A1 = {"officer_a", "aux_a", "grid_worker", "chief", "admin"}
REGISTRY_ROLES = REGISTRY_A1 | {"officer_b", "other_station_officer", "other_chief"}
REVEALERS = {"officer_a", "aux_a", "chief", "admin", "officer_b", "other_station_officer", "other_chief"}


registry_object = gated_object(REGISTRY_A1)
registry_list = gated_list(REGISTRY_ROLES, REGISTRY_A1)


def registry_page(p):
    return "login" if p == "anonymous" else ("ok" if p in REGISTRY_ROLES else "404")


def post_only(p):
    return "login" if p == "anonymous" else "method_not_allowed"


def venue(w):
    if not hasattr(w, "_venue"):
        w._venue = VenueFactory(building=w.building("甲一网格"), name="甲一便民超市")
    return w._venue


def person(w):
    return w.person("甲一网格")


def house(w):
    return w.house("甲一网格")


ROUTES = {
    "residents:person_list": Route(lambda w: reverse("residents:person_list"), registry_list, lambda w: person(w).name),
    "residents:person_create": Route(lambda w: reverse("residents:person_create"), registry_page),
    "residents:person_detail": Route(
        lambda w: reverse("residents:person_detail", args=[person(w).pk]), registry_object
    ),
    "residents:person_edit": Route(lambda w: reverse("residents:person_edit", args=[person(w).pk]), registry_object),
    "residents:person_reveal": Route(lambda w: reverse("residents:person_reveal", args=[person(w).pk]), post_only),
    "residents:house_list": Route(
        lambda w: reverse("residents:house_list"), registry_list, lambda w: house(w).building.address
    ),
    "residents:house_detail": Route(lambda w: reverse("residents:house_detail", args=[house(w).pk]), registry_object),
    "residents:house_edit": Route(lambda w: reverse("residents:house_edit", args=[house(w).pk]), registry_object),
    "residents:residence_add": Route(lambda w: reverse("residents:residence_add", args=[house(w).pk]), post_only),
    "residents:residence_end": Route(
        lambda w: reverse("residents:residence_end", args=[house(w).pk, person(w).residences.first().pk]), post_only
    ),
    "residents:house_create": Route(
        lambda w: reverse("residents:house_create", args=[w.building("甲一网格").pk]), registry_object
    ),
    "residents:building_ledger": Route(
        lambda w: reverse("residents:building_ledger", args=[w.building("甲一网格").pk]),
        registry_object,
        lambda w: house(w).unit,
    ),  # fmt: skip
    "residents:venue_create": Route(
        lambda w: reverse("residents:venue_create", args=[w.building("甲一网格").pk]), registry_object
    ),
    "residents:venue_list": Route(lambda w: reverse("residents:venue_list"), registry_list, lambda w: venue(w).name),
    "residents:venue_detail": Route(lambda w: reverse("residents:venue_detail", args=[venue(w).pk]), registry_object),
    "residents:venue_edit": Route(lambda w: reverse("residents:venue_edit", args=[venue(w).pk]), registry_object),
    "person-list": Route(
        lambda w: reverse("person-list"),
        lambda p: (
            "401" if p == "anonymous" else ("ok" if p in REGISTRY_A1 else ("hidden" if p in REGISTRY_ROLES else "403"))
        ),
        lambda w: person(w).name,
    ),
    "person-detail": Route(
        lambda w: reverse("person-detail", args=[person(w).pk]),
        lambda p: (
            "401" if p == "anonymous" else ("ok" if p in REGISTRY_A1 else ("404" if p in REGISTRY_ROLES else "403"))
        ),
    ),
    "house-list": Route(
        lambda w: reverse("house-list"),
        lambda p: (
            "401" if p == "anonymous" else ("ok" if p in REGISTRY_A1 else ("hidden" if p in REGISTRY_ROLES else "403"))
        ),
        lambda w: f'"id": {house(w).pk},',
    ),
    "house-detail": Route(
        lambda w: reverse("house-detail", args=[house(w).pk]),
        lambda p: (
            "401" if p == "anonymous" else ("ok" if p in REGISTRY_A1 else ("404" if p in REGISTRY_ROLES else "403"))
        ),
    ),
    "venue-list": Route(
        lambda w: reverse("venue-list"),
        lambda p: (
            "401" if p == "anonymous" else ("ok" if p in REGISTRY_A1 else ("hidden" if p in REGISTRY_ROLES else "403"))
        ),
        lambda w: venue(w).name,
    ),
    "venue-detail": Route(
        lambda w: reverse("venue-detail", args=[venue(w).pk]),
        lambda p: (
            "401" if p == "anonymous" else ("ok" if p in REGISTRY_A1 else ("404" if p in REGISTRY_ROLES else "403"))
        ),
    ),
}

__all__ = ["ROUTES", "PERSONAS"]
