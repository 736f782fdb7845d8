"""Writes for the grid spine: placing buildings in their grid, moving boundaries."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grid.models import Building, CommunityGrid
from grid.scope import scope_for
from lib import geo
from lib.tasks import enqueue_on_commit


def grid_for_point(*, lat: float, lng: float) -> CommunityGrid | None:
    """The community grid whose boundary covers the point, or ``None``.

    The bounding-box index narrows the candidates to a handful; shapely decides. Where two
    grids share an edge the point lies on, the grid with the lower id wins (deterministic).
    """
    candidates = CommunityGrid.objects.filter(
        min_lng__lte=lng, max_lng__gte=lng, min_lat__lte=lat, max_lat__gte=lat
    ).order_by("id")
    for grid in candidates.only("id", "boundary", "police_grid_id"):
        if grid.boundary and geo.contains(grid.boundary, lng, lat):
            return grid
    return None


def _place(*, lat: float, lng: float, user=None) -> CommunityGrid:
    grid = grid_for_point(lat=lat, lng=lng)
    if grid is None:
        raise ValidationError(
            {"lat": _("This location lies outside every community grid: check the point on the map.")}
        )
    if user is not None:
        scope = scope_for(user)
        if not scope.everything and grid.id not in scope.community_grid_ids:
            raise ValidationError({"lat": _("This location lies in a grid outside your area of responsibility.")})
    return grid


@transaction.atomic
def building_create(
    *, address: str, lat: float, lng: float, compound: str = "", floors: int | None = None, user=None
) -> Building:
    """Create a standard address, placed in the grid that covers ``(lat, lng)``.

    With ``user`` the grid must be in the user's scope. Raises ``ValidationError`` (field
    errors keyed ``address`` / ``lat``) and writes nothing on bad input.
    """
    address = address.strip()
    if Building.objects.filter(address=address).exists():
        raise ValidationError({"address": _("A building with this standard address already exists.")})
    grid = _place(lat=lat, lng=lng, user=user)
    building = Building(address=address, compound=compound.strip(), lat=lat, lng=lng, floors=floors, grid=grid)
    building.full_clean()
    building.save()
    return building


@transaction.atomic
def building_update(
    *,
    building: Building,
    address: str,
    lat: float,
    lng: float,
    compound: str = "",
    floors: int | None = None,
    user=None,
) -> Building:
    """Correct a building's address or location; a moved building is placed in its grid again."""
    address = address.strip()
    if Building.objects.filter(address=address).exclude(pk=building.pk).exists():
        raise ValidationError({"address": _("A building with this standard address already exists.")})
    if (lat, lng) != (building.lat, building.lng):
        building.grid = _place(lat=lat, lng=lng, user=user)
    building.address, building.compound, building.lat, building.lng, building.floors = (
        address,
        compound.strip(),
        lat,
        lng,
        floors,
    )
    building.full_clean()
    building.save()
    return building


@transaction.atomic
def community_grid_set_boundary(*, grid: CommunityGrid, boundary: dict) -> CommunityGrid:
    """Give a community grid a new boundary and re-place the buildings it may affect.

    The re-placement runs in the background after commit (``grid.tasks``); the nightly sweep
    catches anything a lost task left behind.
    """
    from grid.tasks import grid_reassign_buildings

    grid.boundary = boundary
    grid.full_clean()
    grid.save(update_fields=["boundary"])
    enqueue_on_commit(grid_reassign_buildings, grid.id)
    return grid


def buildings_reassign(*, building_ids=None, grid_id: int | None = None) -> int:
    """Re-place buildings whose point is no longer inside their grid. Returns how many moved.

    Idempotent: running it twice moves nothing the second time. Buildings outside every grid
    keep their grid (and are reported by the caller's log), never silently dropped.
    """
    qs = Building.objects.all()
    if building_ids is not None:
        qs = qs.filter(id__in=building_ids)
    if grid_id is not None:
        grid = CommunityGrid.objects.get(pk=grid_id)
        # Buildings that were in this grid, and buildings of other grids now inside its box.
        qs_in_box = qs.filter(
            lng__gte=grid.min_lng, lng__lte=grid.max_lng, lat__gte=grid.min_lat, lat__lte=grid.max_lat
        )
        qs = qs.filter(grid_id=grid_id) | qs_in_box
    moved = 0
    grids = {g.id: g.boundary for g in CommunityGrid.objects.only("id", "boundary")}
    for b in qs.only("id", "lat", "lng", "grid_id").iterator(chunk_size=2000):
        if grids.get(b.grid_id) and geo.contains(grids[b.grid_id], b.lng, b.lat):
            continue
        new = grid_for_point(lat=b.lat, lng=b.lng)
        if new is not None and new.id != b.grid_id:
            Building.objects.filter(pk=b.pk).update(grid=new)
            moved += 1
    return moved


def station_settings_update(
    *, station, declaration_deadline_days: int, permit_prefix: str, notice_pattern: str | None = None
):
    """The chief's settings: declaration deadline, permit number prefix, notice number pattern."""
    station.declaration_deadline_days = declaration_deadline_days
    station.permit_prefix = permit_prefix.strip()
    if notice_pattern:
        station.notice_pattern = notice_pattern.strip()
    station.save(update_fields=["declaration_deadline_days", "permit_prefix", "notice_pattern"])
    return station
