"""Reads for the grid spine. Every function takes the user and applies ``visible_to``."""

from __future__ import annotations

from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from grid.models import Building, CommunityGrid, PoliceGrid, Station
from lib import geo, paging

# Qualitative colours for police grids on the map (Tableau 10; readable on a wall screen).
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]


def get_station_for_user(user, pk) -> Station:
    return get_object_or_404(Station.objects.visible_to(user), pk=pk)


def get_police_grid_for_user(user, pk) -> PoliceGrid:
    return get_object_or_404(PoliceGrid.objects.visible_to(user).select_related("station", "officer"), pk=pk)


def get_community_grid_for_user(user, pk) -> CommunityGrid:
    qs = CommunityGrid.objects.visible_to(user).select_related(
        "police_grid__station", "police_grid__officer", "grid_worker", "auxiliary"
    )
    return get_object_or_404(qs, pk=pk)


def grid_filter(user, params) -> CommunityGrid | None:
    """The ``grid`` of a list page's query string: None when absent, 404 when it is not an id of a
    grid the user may see (the one rule every ledger and list filter follows)."""
    raw = (params.get("grid") or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):  # "²".isdigit() is true, but int("²") fails
        raise Http404
    return get_community_grid_for_user(user, int(raw))


def get_building_for_user(user, pk) -> Building:
    qs = Building.objects.visible_to(user).select_related("grid__police_grid__station", "grid__police_grid__officer")
    return get_object_or_404(qs, pk=pk)


def stations_for_user(user):
    return (
        Station.objects.visible_to(user)
        .annotate(police_grid_count=Count("police_grids", distinct=True))
        .order_by("code")
    )


def police_grids_for_user(user):
    return (
        PoliceGrid.objects.visible_to(user)
        .select_related("station", "officer")
        .annotate(community_grid_count=Count("community_grids", distinct=True))
        .order_by("code")
    )


def community_grids_for_user(user):
    return (
        CommunityGrid.objects.visible_to(user)
        .select_related("police_grid__station", "grid_worker", "auxiliary")
        .annotate(building_count=paging.count_of(Building, "grid"))
        .order_by("code")
    )


def buildings_for_user(user, *, q: str = "", grid_id: int | None = None):
    qs = Building.objects.visible_to(user).select_related("grid__police_grid").search(q)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    return qs


def scope_counts(user) -> dict:
    """Headline figures of the user's area for the home page."""
    return {
        "stations": Station.objects.visible_to(user).count(),
        "police_grids": PoliceGrid.objects.visible_to(user).count(),
        "community_grids": CommunityGrid.objects.visible_to(user).count(),
        "buildings": paging.count(Building.objects.visible_to(user)),
    }


def grids_geojson(user) -> dict:
    """Police grids and community grids in scope as one FeatureCollection (two queries).

    A police grid is drawn when any of its community grids is visible, so an auxiliary sees
    the outline of the beat they work in.
    """
    features = []
    grid_url = reverse("grid:communitygrid_detail", args=[0]).replace("/0/", "/{}/")
    police = list(PoliceGrid.objects.visible_to(user).select_related("officer").order_by("id"))
    colour = {p.id: PALETTE[i % len(PALETTE)] for i, p in enumerate(police)}
    for p in police:
        if not p.boundary:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": p.boundary,
                "properties": {
                    "kind": "police_grid",
                    "id": p.id,
                    "code": p.code,
                    "name": p.name,
                    "officer": p.officer.display_name if p.officer else "",
                    "colour": colour[p.id],
                },
            }
        )
    for g in CommunityGrid.objects.visible_to(user).select_related("grid_worker").order_by("id"):
        if not g.boundary:
            continue
        lng, lat = geo.centroid(g.boundary)
        features.append(
            {
                "type": "Feature",
                "geometry": g.boundary,
                "properties": {
                    "kind": "community_grid",
                    "id": g.id,
                    "code": g.code,
                    "name": g.name,
                    "police_grid_id": g.police_grid_id,
                    "grid_worker": g.grid_worker.display_name if g.grid_worker else "",
                    "colour": colour.get(g.police_grid_id, PALETTE[0]),
                    "label_point": [lng, lat],
                    "url": grid_url.format(g.id),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def buildings_geojson(user, *, bbox: geo.BBox | None = None, limit: int = 20000) -> dict:
    """Buildings in scope as points (one query), at most ``limit``: ``truncated`` says there are
    more, and the map then asks again for the view it shows (``bbox``) as the user zooms in — a
    city's 100,000 buildings are never read into one response."""
    qs = Building.objects.visible_to(user)
    if bbox is not None:
        qs = qs.filter(lng__gte=bbox.min_lng, lng__lte=bbox.max_lng, lat__gte=bbox.min_lat, lat__lte=bbox.max_lat)
    url = reverse("grid:building_detail", args=[0]).replace("/0/", "/{}/")
    rows = list(qs.order_by("id").values_list("id", "address", "lng", "lat", "grid_id")[: limit + 1])
    return {
        "type": "FeatureCollection",
        "truncated": len(rows) > limit,
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lng, lat]},
                "properties": {"id": pk, "address": address, "grid_id": grid_id, "url": url.format(pk)},
            }
            for pk, address, lng, lat, grid_id in rows[:limit]
        ],
    }
