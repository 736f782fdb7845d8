"""Reads for incidents: the scoped list, heat cells, hotspots and year-on-year (同比) figures.

Everything reads through ``visible_to``; the heat map and the hotspot cells read only
``HeatCell`` rows, never incidents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.http import Http404
from django.utils import timezone

from grid.models import CommunityGrid
from grid.selectors import grid_filter
from incidents.models import CATEGORY_ZH, Category, HeatCell, Incident, cell_centre

HEAT_DEFAULT_DAYS = 365
MAX_CELLS = 4000  # beyond this the cells are merged 2×2, 4×4 … (a city-wide view at one glance)
TOP = 5


@dataclass(frozen=True)
class Filters:
    category: str = ""
    grid: CommunityGrid | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def _date(raw) -> dt.date | None:
    try:
        return dt.date.fromisoformat((raw or "").strip()) if raw else None
    except ValueError:
        return None


def filters_from(user, params, *, default_days: int | None = None) -> Filters:
    """Filters from a query dict; nonsense dates and categories are ignored, a grid outside the
    user's scope is a 404. ``default_days``: the period when no dates are given."""
    category = (params.get("category") or "").strip()
    if category not in Category.values:
        category = ""
    grid = grid_filter(user, params)
    start, end = _date(params.get("start")), _date(params.get("end"))
    if default_days:  # a period is needed: fill in what is missing
        if end is None:
            end = max(timezone.localdate(), start) if start else timezone.localdate()
        if start is None:
            start = end - dt.timedelta(days=default_days - 1)
    if start and end and start > end:
        start, end = end, start
    return Filters(category=category, grid=grid, start=start, end=end)


def _filtered(qs, f: Filters):
    if f.category:
        qs = qs.filter(category=f.category)
    if f.grid is not None:
        qs = qs.filter(grid=f.grid)
    if f.start:
        qs = qs.filter(day__gte=f.start)
    if f.end:
        qs = qs.filter(day__lte=f.end)
    return qs


def incidents_for(user, f: Filters = Filters()):
    """Visible incidents, newest first, with their grid (one query however many)."""
    return _filtered(Incident.objects.visible_to(user), f).select_related("grid").order_by("-occurred_at", "-id")


def get_incident_for_user(user, pk: int) -> Incident:
    try:
        return incidents_for(user).get(pk=pk)
    except Incident.DoesNotExist as exc:
        raise Http404 from exc


def heat_cells(user, f: Filters) -> dict:
    """``{"cells": [[lat, lng, weight], …], "cell_deg": …, "max": …, "total": …}`` for the heat layer.

    One aggregate query over ``HeatCell``. When more than ``MAX_CELLS`` cells come back they are
    merged into coarser squares (2×2, 4×4 …) so the browser never gets more than a few thousand."""
    rows = list(
        _filtered(HeatCell.objects.visible_to(user), f)
        .order_by()
        .values_list("cell_lat", "cell_lng")
        .annotate(n=Sum("count"))
    )
    factor = 1
    while len(rows) > MAX_CELLS:
        factor *= 2
        merged: dict[tuple[int, int], int] = {}
        for lat, lng, n in rows:
            key = (lat // 2, lng // 2)
            merged[key] = merged.get(key, 0) + n
        rows = [(lat, lng, n) for (lat, lng), n in merged.items()]
    cells = [
        [round((lat + 0.5) * factor * 0.002, 6), round((lng + 0.5) * factor * 0.002, 6), n] for lat, lng, n in rows
    ]
    cells.sort(key=lambda c: -c[2])
    return {
        "cells": cells,
        "cell_deg": round(0.002 * factor, 6),
        "max": cells[0][2] if cells else 0,
        "total": sum(c[2] for c in cells),
    }


# ---- hotspots and year-on-year ------------------------------------------------------------------


def same_period_last_year(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The same dates a year before (29 February becomes the 28th)."""

    def back(d: dt.date) -> dt.date:
        try:
            return d.replace(year=d.year - 1)
        except ValueError:
            return d.replace(year=d.year - 1, day=28)

    return back(start), back(end)


def change_percent(now: int, before: int) -> float | None:
    """Year-on-year change in %; ``None`` (shown as "—") when last year's count was 0."""
    if not before:
        return None
    return round(100 * (now - before) / before, 1)


@dataclass
class YoyRow:
    label: str
    now: int
    before: int

    @property
    def change(self) -> float | None:
        return change_percent(self.now, self.before)


def year_on_year(user, f: Filters) -> dict:
    """Counts per category and per (grid, category) in ``f``'s period and the same period a year
    before, from the incidents themselves (those without a point count too). Two queries."""
    start, end = f.start, f.end
    prev_start, prev_end = same_period_last_year(start, end)
    base = Incident.objects.visible_to(user)
    if f.grid is not None:
        base = base.filter(grid=f.grid)
    if f.category:
        base = base.filter(category=f.category)

    def counts(a, b):
        return {
            (r["grid_id"], r["category"]): r["n"]
            for r in base.filter(day__gte=a, day__lte=b)
            .order_by()
            .values("grid_id", "category")
            .annotate(n=Count("id"))
        }

    now, before = counts(start, end), counts(prev_start, prev_end)
    categories = [c for c in Category if not f.category or c == f.category]
    by_category = [
        YoyRow(
            label=str(c.label),
            now=sum(n for (_g, cat), n in now.items() if cat == c),
            before=sum(n for (_g, cat), n in before.items() if cat == c),
        )
        for c in categories
    ]
    grid_ids = sorted({g for g, _c in now} | {g for g, _c in before}, key=lambda g: (g is None, g or 0))
    grids = CommunityGrid.objects.in_bulk([g for g in grid_ids if g is not None])
    by_grid = []
    for gid in grid_ids:
        cells = [
            YoyRow(label=str(c.label), now=now.get((gid, c), 0), before=before.get((gid, c), 0)) for c in categories
        ]
        total = YoyRow(label="", now=sum(r.now for r in cells), before=sum(r.before for r in cells))
        by_grid.append({"grid": grids.get(gid), "cells": cells, "total": total})
    by_grid.sort(key=lambda r: (r["grid"] is None, r["grid"].code if r["grid"] else ""))
    total = YoyRow(label="", now=sum(r.now for r in by_category), before=sum(r.before for r in by_category))
    return {
        "start": start, "end": end, "prev_start": prev_start, "prev_end": prev_end,
        "categories": categories, "by_category": by_category, "by_grid": by_grid, "total": total,
    }  # fmt: skip


def hotspots(user, f: Filters) -> list[dict]:
    """Per visible community grid with incidents in the period: its top cells (from HeatCell) and its
    top addresses (from the incidents), with counts. Two queries."""
    cells = (
        _filtered(HeatCell.objects.visible_to(user).filter(grid__isnull=False), f)
        .order_by()
        .values_list("grid_id", "cell_lat", "cell_lng")
        .annotate(n=Sum("count"))
    )
    addresses = (
        _filtered(Incident.objects.visible_to(user).filter(grid__isnull=False), f)
        .exclude(address="")
        .order_by()
        .values_list("grid_id", "address")
        .annotate(n=Count("id"))
    )
    per: dict[int, dict] = {}
    for gid, lat, lng, n in cells:
        per.setdefault(gid, {"cells": [], "addresses": [], "total": 0})
        per[gid]["cells"].append({"lat": cell_centre(lat), "lng": cell_centre(lng), "count": n})
        per[gid]["total"] += n
    for gid, address, n in addresses:
        per.setdefault(gid, {"cells": [], "addresses": [], "total": 0})
        per[gid]["addresses"].append({"address": address, "count": n})
    grids = CommunityGrid.objects.in_bulk(list(per))
    out = []
    for gid, data in per.items():
        data["cells"] = sorted(data["cells"], key=lambda c: (-c["count"], c["lat"], c["lng"]))[:TOP]
        data["addresses"] = sorted(data["addresses"], key=lambda a: (-a["count"], a["address"]))[:TOP]
        out.append({"grid": grids[gid], **data})
    out.sort(key=lambda r: (-r["total"], r["grid"].code))
    return out


def category_zh(value: str) -> str:
    return CATEGORY_ZH.get(value, value)
