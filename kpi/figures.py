"""Reading the figures for pages, the API and reports: sums of pre-aggregated rows, never the
big tables. Scope: a chief their station, an officer themself (what they are credited with),
an admin everything; anyone else gets nothing.

``Figures`` is one column of numbers (a station, a police grid, an officer) with the derived
rates: coverage, late rate, on time, success, average rating, hours, and per 1,000 residents /
per 100 rental houses.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Q, Sum
from django.http import Http404
from django.utils import formats, timezone, translation

from accounts.models import Role, User
from grid.models import CommunityGrid, PoliceGrid
from grid.scope import scope_for
from kpi.aggregate import month_end, month_start
from kpi.metrics import BY_KEY, METRICS, STOCK
from kpi.models import Figure, Period

KPI_ROLES = frozenset({Role.CHIEF, Role.ADMIN, Role.OFFICER, Role.AUXILIARY})


def format_number(value, fmt: str = "count") -> str:
    """How pages, reports and spreadsheets show a figure: a count, one decimal (hours, rates per
    1,000), a percentage or a rating (two decimals); a dash for "nothing to divide by".

    Remembered per language: a chief's page formats three thousand figures, mostly the same few
    small numbers, and each fresh format looks its separators up in the active locale."""
    return _format_number(translation.get_language(), value, fmt)


@lru_cache(maxsize=4096)
def _format_number(language, value, fmt: str) -> str:
    if value is None:
        return "—"
    if fmt == "percent":
        return f"{formats.number_format(value, 1, force_grouping=True)} %"
    if fmt in ("decimal", "rating"):
        return formats.number_format(value, 1 if fmt == "decimal" else 2, force_grouping=True)
    return formats.number_format(value, 0, force_grouping=True)


def format_change(percent) -> str:
    """A year-on-year change: signed, one decimal, or a dash when there was nothing a year before."""
    if percent is None:
        return "—"
    return f"{'+' if percent > 0 else ''}{format_number(percent, 'percent')}"


def _ratio(a, b, scale=100.0):
    return None if not b else round(scale * a / b, 1)


@dataclass
class Figures:
    """The values of every metric for one subject over one period, and what follows from them."""

    values: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.values.get(key, 0)

    @property
    def rates(self) -> dict:
        v = self
        residents, rentals = v["residents"], v["rental_houses"]
        return {
            "hours": round(v["community_minutes"] / 60, 1),
            "coverage": _ratio(v["rental_declared"], rentals),
            "late_rate": _ratio(v["declarations_late"], v["declarations"]),
            "on_time_rate": _ratio(v["hazards_on_time"], v["hazards_due"]),
            "success_rate": _ratio(v["followups_90_kept"], v["followups_90"]),
            "in_time_rate": _ratio(v["events_in_time"], v["events_closed"]),
            "rating": None if not v["events_rated"] else round(v["events_rating_sum"] / v["events_rated"], 2),
            "visits_per_1000": _ratio(v["visits"], residents, 1000),
            "incidents_per_1000": _ratio(v["incidents"], residents, 1000),
            "events_per_1000": _ratio(v["events_closed"], residents, 1000),
            "declarations_per_100": _ratio(v["declarations"], rentals, 100),
            "hazards_per_100": _ratio(v["hazards_found"], rentals, 100),
        }

    def as_dict(self) -> dict:
        return {**{m.key: self[m.key] for m in METRICS}, **self.rates}


@dataclass(frozen=True)
class Range:
    first: dt.date
    last: dt.date

    @property
    def whole_months(self) -> bool:
        return self.first == month_start(self.first) and self.last == month_end(self.last)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous_year(self) -> Range:
        def back(d):
            try:
                return d.replace(year=d.year - 1)
            except ValueError:  # 29 February
                return d.replace(year=d.year - 1, day=28)

        return Range(back(self.first), back(self.last))


def month_range(month: dt.date) -> Range:
    return Range(month_start(month), month_end(month))


def parse_range(params, *, default: Range | None = None) -> Range:
    """``?month=YYYY-MM`` or ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (at most two years); default: this month."""
    today = timezone.localdate()
    try:
        rng = None
        if params.get("from") and params.get("to"):
            first = dt.date.fromisoformat(params["from"])
            last = dt.date.fromisoformat(params["to"])
            if last < first or (last - first).days > 731:
                raise ValueError
            rng = Range(first, last)
        elif params.get("month"):
            rng = month_range(dt.date.fromisoformat(params["month"] + "-01"))
        if rng is not None:
            if not (rng.first.year >= 2000 and rng.last.year <= 2100):  # and a year before stays a date
                raise ValueError
            return rng
    except (ValueError, OverflowError):
        raise Http404 from None
    return default or month_range(today)


def _rows(rng: Range):
    """The rows that make up ``rng``: month rows for whole months, day rows otherwise."""
    if rng.whole_months:
        return Figure.objects.filter(period=Period.MONTH, start__gte=rng.first, start__lte=rng.last)
    return Figure.objects.filter(period=Period.DAY, start__gte=rng.first, start__lte=rng.last)


def _stock_day(rng: Range) -> dt.date | None:
    """The day stocks are read at: the last day of the range they were taken (month ends, the
    end of each recomputation, today)."""
    stocks = [m.key for m in METRICS if m.kind == STOCK]
    return (
        Figure.objects.filter(period=Period.DAY, start__gte=rng.first, start__lte=rng.last, metric__in=stocks)
        .order_by("-start")
        .values_list("start", flat=True)
        .first()
    )


def _collect(rng: Range, base: Q, group: str | None) -> dict:
    """{group value (or None): Figures} for rows matching ``base``, grouped by ``group``."""
    stocks = [m.key for m in METRICS if m.kind == STOCK]
    out = defaultdict(Figures)
    keys = ["metric"] + ([group] if group else [])
    for r in _rows(rng).filter(base).exclude(metric__in=stocks).values(*keys).annotate(v=Sum("value")).order_by():
        out[r.get(group)].values[r["metric"]] = r["v"]
    day = _stock_day(rng)
    if day is not None:
        stock_rows = Figure.objects.filter(base, period=Period.DAY, start=day, metric__in=stocks)
        for r in stock_rows.values(*keys).annotate(v=Sum("value")).order_by():
            out[r.get(group)].values[r["metric"]] = r["v"]
    return out


# --- who sees what ------------------------------------------------------------------------------


def can_see_station(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in (Role.CHIEF, Role.ADMIN))


def can_see_own(user) -> bool:
    return user.is_authenticated and user.role in (Role.OFFICER, Role.AUXILIARY)


def station_grid_ids(user) -> set[int] | None:
    """The community grids whose totals the user may read (``None``: every grid)."""
    scope = scope_for(user)
    if not can_see_station(user):
        raise Http404
    return None if scope.everything else set(scope.community_grid_ids)


def _grid_q(grid_ids) -> Q:
    return Q() if grid_ids is None else Q(grid_id__in=grid_ids)


def station(user, rng: Range) -> Figures:
    """The station (for an admin: everything) at a glance: grid totals summed."""
    return grids_total(station_grid_ids(user), rng)


def grids_total(grid_ids, rng: Range) -> Figures:
    """The totals of ``grid_ids`` (``None``: every grid)."""
    return _collect(rng, Q(user__isnull=True) & _grid_q(grid_ids), None)[None]


def by_police_grid(user, rng: Range) -> list[tuple[PoliceGrid, Figures]]:
    police = PoliceGrid.objects.visible_to(user).select_related("officer").order_by("code")
    return police_grids_total(station_grid_ids(user), police, rng)


def police_grids_total(grid_ids, police, rng: Range) -> list[tuple[PoliceGrid, Figures]]:
    figures = _collect(rng, Q(user__isnull=True) & _grid_q(grid_ids), "grid__police_grid_id")
    return [(pg, figures.get(pg.pk, Figures())) for pg in police]


def officers_of(user):
    """The officers and auxiliaries whose own figures a chief reads: those of the station's grids."""
    return officers_of_grids(station_grid_ids(user))


def officers_of_grids(grid_ids):
    grids = CommunityGrid.objects.all() if grid_ids is None else CommunityGrid.objects.filter(pk__in=grid_ids)
    ids = set(grids.exclude(police_grid__officer=None).values_list("police_grid__officer_id", flat=True))
    ids |= set(grids.exclude(auxiliary=None).values_list("auxiliary_id", flat=True))
    return User.objects.filter(pk__in=ids).order_by("role", "full_name", "username")


def by_officer(user, rng: Range) -> list[tuple[User, Figures]]:
    return people_total(list(officers_of(user)), rng)


def people_total(people, rng: Range) -> list[tuple[User, Figures]]:
    figures = _collect(rng, Q(user__in=people), "user_id")
    return [(p, figures.get(p.pk, Figures())) for p in people]


def own(user, rng: Range, *, person=None) -> Figures:
    """What ``person`` (default: the user) is credited with, plus the stocks of their grids."""
    person = person or user
    credited = _collect(rng, Q(user=person), None)[None]
    grids = _collect(rng, Q(user__isnull=True, grid_id__in=own_grid_ids(person)), None)[None]
    for m in METRICS:
        if m.kind == STOCK:
            credited.values[m.key] = grids[m.key]
        elif m.key.startswith("incidents") or m.key in ("declarations", "declarations_late"):
            credited.values[m.key] = grids[m.key]  # nobody's doing: the grids' figure
    return credited


def own_grid_ids(person) -> set[int]:
    return set(scope_for(person).community_grid_ids)


def trend(user, months: int = 12, *, person=None, metrics=None) -> list[tuple[dt.date, Figures]]:
    """The last ``months`` months, oldest first, for the station (or a person's own figures);
    ``metrics``: only these (a chart's few, of a station's 60,000 rows a year)."""
    base = Q(user=person) if person is not None else Q(user__isnull=True) & _grid_q(station_grid_ids(user))
    return trend_for(base, months, metrics=metrics)


def trend_for(
    base: Q, months: int = 12, *, until: dt.date | None = None, metrics=None
) -> list[tuple[dt.date, Figures]]:
    this = month_start(until or timezone.localdate())
    starts = []
    m = this
    for _ in range(months):
        starts.insert(0, m)
        m = month_start(m - dt.timedelta(days=1))
    out = defaultdict(Figures)
    rows = Figure.objects.filter(base, period=Period.MONTH, start__gte=starts[0], start__lte=this)
    if metrics is not None:
        rows = rows.filter(metric__in=list(metrics))
    for r in rows.values("start", "metric").annotate(v=Sum("value")).order_by():
        out[r["start"]].values[r["metric"]] = r["v"]
    return [(s, out.get(s, Figures())) for s in starts]


def incidents_yoy(user, rng: Range) -> list[dict]:
    """Incidents per category this period and the same period a year before."""
    return incidents_yoy_for(station_grid_ids(user), rng)


def incidents_yoy_for(grid_ids, rng: Range) -> list[dict]:
    grid_q = Q(user__isnull=True) & _grid_q(grid_ids)
    now, before = _collect(rng, grid_q, None)[None], _collect(rng.previous_year(), grid_q, None)[None]
    rows = []
    for m in METRICS:
        if m.key.startswith("incidents."):
            a, b = now[m.key], before[m.key]
            rows.append({"key": m.key, "label": m.label, "now": a, "before": b,
                         "change": None if not b else round(100 * (a - b) / b, 1)})  # fmt: skip
    return rows


def drill(user, key: str, rng: Range, *, police_grid: int | None = None, person: int | None = None):
    """The records behind one figure, as the viewer may see them."""
    metric = BY_KEY.get(key)
    if metric is None or not metric.drillable:
        raise Http404
    qs = metric.records_in(rng.first, rng.last)
    if person is not None:
        if not (can_see_station(user) or person == user.pk):
            raise Http404
        subject = User.objects.filter(pk=person).first()
        if subject is None or (can_see_station(user) and subject not in officers_of(user) and person != user.pk):
            raise Http404
        if metric.credit:
            credited = Q()
            for path in metric.credit:
                credited |= Q(**{path: subject})
            qs = qs.filter(credited)
        else:  # nobody's doing (incidents, declarations): the person's grids, as own() counts them
            qs = qs.filter(**{f"{metric.grid_field}__in": own_grid_ids(subject)})
        return qs.distinct()
    grid_ids = station_grid_ids(user)
    grid_field = metric.grid_field
    if grid_ids is not None:
        qs = qs.filter(**{f"{grid_field}__in": grid_ids})
    if police_grid is not None:
        qs = qs.filter(**{f"{grid_field}__in": CommunityGrid.objects.filter(police_grid_id=police_grid).values("pk")})
    return qs.distinct()
