"""Reads for the registries: scoped searches, record pages and the four-colour ledger."""

from __future__ import annotations

import re
from collections import Counter

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404

from grid.models import Building
from lib import gb11643, paging
from residents import history
from residents.models import Colour, House, Person, Residence, Venue, Visit

_PHONE = re.compile(r"^1\d{10}$")
ADDRESS_MATCHES = 2000  # a search by address finds the people of at most this many residences


def persons_for_user(user, *, q: str = "", grid_id: int | None = None):
    """Persons in scope, searched by name, exact resident ID (via its hash), phone or address.

    An 18-character query is taken as an ID, an 11-digit one as a mobile number; anything
    else matches names and the addresses people live at.
    """
    # By grid, then name: read in order from an index, however deep the page (see Person.Meta).
    qs = Person.objects.visible_to(user).select_related("grid").order_by("grid_id", "name", "id")
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    q = (q or "").strip()
    if not q:
        return qs
    normalised = gb11643.normalise(q)
    if len(normalised) == 18:
        return qs.filter(id_number_hash=Person.id_hash_for(normalised))
    digits = re.sub(r"\D", "", q)
    if _PHONE.match(digits):
        return qs.filter(phone_hash=Person.phone_hash_for(digits))
    # The people living at matching addresses of the user's own buildings, fetched first as ids: an OR
    # with a subquery makes PostgreSQL misjudge how many names match and walk the whole name index.
    buildings = Building.objects.visible_to(user).filter(address__icontains=q).values("id")
    at_address = list(
        Residence.objects.filter(end__isnull=True, house__building__in=buildings)
        .order_by("person_id")
        .values_list("person_id", flat=True)[:ADDRESS_MATCHES]
    )
    return qs.filter(Q(name__icontains=q) | Q(id__in=at_address)) if at_address else qs.filter(name__icontains=q)


def get_person_for_user(user, pk) -> Person:
    current = Prefetch(
        "residences",
        queryset=Residence.objects.select_related("house__building").order_by("-start"),
    )
    return get_object_or_404(Person.objects.visible_to(user).select_related("grid").prefetch_related(current), pk=pk)


def houses_for_user(user, *, q: str = "", grid_id: int | None = None, use: str = ""):
    qs = House.objects.visible_to(user).select_related("building", "grid")
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if use:
        qs = qs.filter(use=use)
    if q:
        qs = qs.filter(Q(building__address__icontains=q) | Q(unit__icontains=q))
    # Residents counted for the page's rows only (a correlated subquery), not for every house in scope.
    # By grid first, like the person list: ordered by address alone, PostgreSQL walks the address index
    # of the city's 100,000 buildings looking for the user's (0.5 s); within the grids, a small sort.
    return qs.annotate(current_residents=paging.count_of(Residence, "house", end__isnull=True)).order_by(
        "grid_id", "building__address", "unit", "id"
    )


def get_house_for_user(user, pk) -> House:
    qs = House.objects.visible_to(user).select_related("building__grid__police_grid", "owner")
    return get_object_or_404(qs, pk=pk)


def house_residents(house: House):
    return Residence.objects.filter(house=house).select_related("person").order_by("end", "-start")


def venues_for_user(user, *, q: str = "", kind: str = ""):
    qs = Venue.objects.visible_to(user).select_related("building", "grid")
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(building__address__icontains=q) | Q(licence_number=q))
    return qs


def get_venue_for_user(user, pk) -> Venue:
    return get_object_or_404(Venue.objects.visible_to(user).select_related("building", "house", "grid"), pk=pk)


def recent_visits(*, building=None, house=None, limit: int = 5):
    qs = Visit.objects.select_related("user")
    qs = qs.filter(house=house) if house is not None else qs.filter(building=building)
    return list(qs[:limit])


def changes_of(obj):
    return list(history.history_for(obj)[:50])


def building_ledger(building) -> dict:
    """The four-colour ledger: floors (top first) × units, each cell a house with its colour.

    One query for the houses with their current resident counts; the grid is laid out here.
    """
    houses = list(
        House.objects.filter(building=building)
        .annotate(current_residents=Count("residences", filter=Q(residences__end__isnull=True)))
        .order_by("-floor", "unit")
    )
    floors: dict[int, list[House]] = {}
    for h in houses:
        floors.setdefault(h.floor, []).append(h)
    width = max((len(v) for v in floors.values()), default=0)
    counts = Counter(h.colour for h in houses)
    return {
        "rows": [
            (floor, units + [None] * (width - len(units))) for floor, units in sorted(floors.items(), reverse=True)
        ],
        "width": width,
        "counts": [(c, Colour(c).label, counts.get(c, 0)) for c in Colour.values],
        "total": len(houses),
    }
