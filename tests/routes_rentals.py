"""Scope matrix rows for landlord declarations and the review queue."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from rentals.models import DeclarationEvent, DeclarationStatus, DeclaredTenant, RentalDeclaration
from tests.factories import resident_id
from tests.scope import Route

REVIEWERS_A1 = {"officer_a", "aux_a", "chief", "admin"}
REVIEWERS = REVIEWERS_A1 | {"officer_b", "other_station_officer", "other_chief"}
DECLARATION_VIEWERS_A1 = REVIEWERS_A1 | {"grid_worker", "landlord"}


def declaration(w, status=DeclarationStatus.SUBMITTED):
    """A declaration by ``landlord`` for the rental house in 甲一网格 (made on first use)."""
    if not hasattr(w, "_declaration"):
        house = w.house("甲一网格")
        d = RentalDeclaration.objects.create(
            house=house, landlord=w.users["landlord"], submitted_at=timezone.now(), event_date=dt.date(2026, 11, 20),
            deadline=dt.date(2026, 11, 23), grid=house.grid, status=status,
        )  # fmt: skip
        t = DeclaredTenant(declaration=d, name="申报租客甲", move_in=dt.date(2026, 11, 20))
        t.set_id_number(resident_id(901))
        t.save()
        DeclarationEvent.objects.create(declaration=d, user=w.users["landlord"], to_status=status)
        w._declaration = d
    return w._declaration


def approved(w):
    d = declaration(w)
    RentalDeclaration.objects.filter(pk=d.pk).update(status=DeclarationStatus.APPROVED)
    return d


def returned(w):
    d = declaration(w)
    RentalDeclaration.objects.filter(pk=d.pk).update(status=DeclarationStatus.RETURNED, return_reason="请补充")
    return d


def login_or(p, outcome):
    return "login" if p == "anonymous" else outcome


def landlord_page(p):
    return login_or(p, "ok" if p in ("landlord", "landlord2") else "404")


def owner_only(p):
    return login_or(p, "ok" if p == "landlord" else "404")


def post_only(p):
    return login_or(p, "method_not_allowed")


def api(p, inside, roles, outcome_outside="404"):
    if p == "anonymous":
        return "401"
    if p not in roles:
        return "403"
    return "ok" if p in inside else outcome_outside


API_ROLES = REVIEWERS | {"landlord", "landlord2", "grid_worker"}

ROUTES = {
    "rentals:register": Route(lambda w: reverse("rentals:register"), lambda p: "ok"),
    "rentals:mine": Route(
        lambda w: reverse("rentals:mine"),
        lambda p: login_or(p, {"landlord": "ok", "landlord2": "hidden"}.get(p, "404")),
        lambda w: declaration(w).house.building.address,
    ),
    "rentals:declare": Route(lambda w: reverse("rentals:declare"), landlord_page),
    "rentals:declaration_list": Route(
        lambda w: reverse("rentals:declaration_list"),
        lambda p: login_or(p, "ok" if p in REVIEWERS_A1 | {"grid_worker"} else ("hidden" if p in REVIEWERS else "404")),
        lambda w: f"/rentals/declarations/{declaration(w).pk}/",
    ),
    "rentals:declaration_detail": Route(
        lambda w: reverse("rentals:declaration_detail", args=[declaration(w).pk]),
        lambda p: login_or(p, "ok" if p in DECLARATION_VIEWERS_A1 else "404"),
        lambda w: declaration(w).tenants.first().id_number_masked,
    ),
    "rentals:declaration_edit": Route(lambda w: reverse("rentals:declaration_edit", args=[returned(w).pk]), owner_only),
    "rentals:move_out": Route(lambda w: reverse("rentals:move_out", args=[approved(w).pk]), owner_only),
    "rentals:approve": Route(lambda w: reverse("rentals:approve", args=[declaration(w).pk]), post_only),
    "rentals:return": Route(lambda w: reverse("rentals:return", args=[declaration(w).pk]), post_only),
    "rentals:review": Route(
        lambda w: reverse("rentals:review"),
        lambda p: login_or(p, "ok" if p in REVIEWERS_A1 else ("hidden" if p in REVIEWERS else "404")),
        lambda w: declaration(w).tenants.first().id_number_masked,
    ),
    "declaration-list": Route(
        lambda w: reverse("declaration-list"),
        lambda p: api(p, DECLARATION_VIEWERS_A1, API_ROLES, "hidden"),
        lambda w: declaration(w).tenants.first().id_number_masked,
    ),
    "declaration-detail": Route(
        lambda w: reverse("declaration-detail", args=[declaration(w).pk]),
        lambda p: api(p, DECLARATION_VIEWERS_A1, API_ROLES),
    ),
    "declaration-approve": Route(
        lambda w: reverse("declaration-approve", args=[declaration(w).pk]),
        lambda p: "401" if p == "anonymous" else ("method_not_allowed" if p in API_ROLES else "403"),
    ),
    "declaration-return": Route(
        lambda w: reverse("declaration-return", args=[declaration(w).pk]),
        lambda p: "401" if p == "anonymous" else ("method_not_allowed" if p in API_ROLES else "403"),
    ),
}
