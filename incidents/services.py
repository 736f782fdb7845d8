"""Writes for incidents: placing points in grids, saving chunks of incidents, rebuilding heat cells."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from shapely.geometry import Point, shape
from shapely.prepared import prep

from grid.models import CommunityGrid
from incidents.models import HeatCell, Incident, cell_index

DAY_BATCH = 31  # heat cells are rebuilt a month of days at a time


class GridLocator:
    """Point → community grid for many points: every grid loaded once and bucketed by the
    ``TILE``° tiles its bounding box covers, so a point meets only the few grids of its tile;
    shapely decides, by the rule of ``grid.services.grid_for_point`` (an edge counts as inside;
    the lowest id wins on a shared edge). An import of 200,000 rows would otherwise run a query per row."""

    TILE = 0.01

    def __init__(self):
        self.tiles: dict[tuple[int, int], list] = {}
        for g in CommunityGrid.objects.exclude(boundary=None).exclude(min_lat=None).order_by("id"):
            entry = (g.min_lat, g.max_lat, g.min_lng, g.max_lng, prep(shape(g.boundary)), g.pk)
            for i in range(self._tile(g.min_lat), self._tile(g.max_lat) + 1):
                for j in range(self._tile(g.min_lng), self._tile(g.max_lng) + 1):
                    self.tiles.setdefault((i, j), []).append(entry)
        self._memo: dict[tuple[float, float], int | None] = {}

    def _tile(self, deg: float) -> int:
        return math.floor(deg / self.TILE)

    def grid_id(self, lat: float | None, lng: float | None) -> int | None:
        if lat is None or lng is None:
            return None
        key = (lat, lng)
        if key not in self._memo:
            candidates = self.tiles.get((self._tile(lat), self._tile(lng)), ())
            self._memo[key] = next(
                (
                    pk
                    for min_lat, max_lat, min_lng, max_lng, prepared, pk in candidates
                    if min_lat <= lat <= max_lat and min_lng <= lng <= max_lng and prepared.covers(Point(lng, lat))
                ),
                None,
            )
        return self._memo[key]


def incident_fields(
    *, occurred_at: dt.datetime, category: str, subcategory: str, address: str, lat, lng, summary: str, grid_id
) -> dict:
    """The stored columns of an incident, the derived ones (day, cell) included."""
    return {
        "occurred_at": occurred_at,
        "day": timezone.localtime(occurred_at).date(),
        "category": category,
        "subcategory": subcategory,
        "address": address,
        "lat": lat,
        "lng": lng,
        "cell_lat": cell_index(lat) if lat is not None else None,
        "cell_lng": cell_index(lng) if lng is not None else None,
        "summary": summary,
        "grid_id": grid_id,
    }


COMPARED = ("occurred_at", "category", "subcategory", "address", "lat", "lng", "summary", "grid_id")
UPDATED_FIELDS = [
    "occurred_at", "category", "subcategory", "address", "lat", "lng", "summary", "grid", "day", "cell_lat",
    "cell_lng", "imported_at", "import_job",
]  # fmt: skip


@transaction.atomic
def incidents_save(*, rows: dict[str, dict], job=None) -> tuple[int, int, int, set[dt.date]]:
    """Create or update incidents keyed by number (``rows``: number → ``incident_fields``).

    Idempotent: a number already stored is updated in place, an identical row is left alone.
    Returns (created, updated, unchanged, days touched — old and new days of changed rows).
    Heat cells are not touched here: call ``heat_cells_rebuild`` for the days.
    """
    now = timezone.now()
    existing = {i.number: i for i in Incident.objects.filter(number__in=list(rows))}
    new, changed, days = [], [], set()
    unchanged = 0
    for number, fields in rows.items():
        old = existing.get(number)
        if old is None:
            new.append(Incident(number=number, imported_at=now, import_job=job, **fields))
            days.add(fields["day"])
            continue
        if all(getattr(old, f) == fields[f] for f in COMPARED):
            unchanged += 1
            continue
        days.update((old.day, fields["day"]))
        for f, v in fields.items():
            setattr(old, f, v)
        old.imported_at, old.import_job = now, job
        changed.append(old)
    Incident.objects.bulk_create(new, batch_size=1000)
    Incident.objects.bulk_update(changed, UPDATED_FIELDS, batch_size=1000)
    return len(new), len(changed), unchanged, days


def heat_cells_rebuild(*, days: Iterable[dt.date]) -> int:
    """Recompute the heat cells of ``days`` from the incidents (delete, then insert the sums).

    Idempotent; each batch of days in its own transaction. Returns the number of cells written.
    """
    days = sorted(set(days))
    written = 0
    for i in range(0, len(days), DAY_BATCH):
        batch = days[i : i + DAY_BATCH]
        with transaction.atomic():
            HeatCell.objects.filter(day__in=batch).delete()
            sums = (
                Incident.objects.filter(day__in=batch, cell_lat__isnull=False, cell_lng__isnull=False)
                .order_by()
                .values("cell_lat", "cell_lng", "day", "category", "grid_id")
                .annotate(n=Count("id"))
            )
            cells = [
                HeatCell(
                    cell_lat=s["cell_lat"],
                    cell_lng=s["cell_lng"],
                    day=s["day"],
                    category=s["category"],
                    grid_id=s["grid_id"],
                    count=s["n"],
                )  # fmt: skip
                for s in sums
            ]
            HeatCell.objects.bulk_create(cells, batch_size=5000)
            written += len(cells)
    return written
