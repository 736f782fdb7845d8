"""Demo and city incidents (警情). Deterministic with the given ``rng``; idempotent (skipped when present).

demo: ~5,000 incidents over the last two years in the demo station's grids, clustered around a few
hotspots (a market street, a night-life block, a station square …), heat cells rebuilt by the
import's own service. city: 1,000,000 incidents streamed with COPY (``lib.bulk``), then the heat
cells aggregated in one ``INSERT … SELECT … GROUP BY``.
"""

from __future__ import annotations

import datetime as dt
import random
from contextlib import contextmanager

from django.db import connection
from django.utils import timezone

from grid.models import Building, CommunityGrid, Station
from incidents import services
from incidents.models import Category, HeatCell, Incident, cell_index

# (category, weight, sub-categories with weights, summary templates)
CATALOGUE = [
    (Category.CRIMINAL, 14, {"盗窃": 6, "诈骗": 5, "故意伤害": 1, "抢夺": 1}, "{sub}：报警人称在{place}附近被{sub_short}，民警到场处置"),
    (Category.PUBLIC_ORDER, 30, {"噪音扰民": 6, "打架斗殴": 2, "醉酒滋事": 2, "赌博": 1, "违法停车占道": 2},
     "{sub}：{place}，民警到场劝解处置"),
    (Category.ASSISTANCE, 24, {"求助开锁": 2, "走失寻人": 2, "求助送医": 2, "物品遗失": 3}, "{sub}：群众在{place}求助，已处置"),
    (Category.DISPUTE, 18, {"邻里纠纷": 4, "家庭纠纷": 3, "消费纠纷": 2, "租赁纠纷": 2, "劳资纠纷": 1},
     "{sub}：{place}双方发生争执，民警到场调解"),
    (Category.TRAFFIC, 10, {"交通事故": 4, "车辆剐蹭": 4, "堵塞交通": 1}, "{sub}：{place}路口，已通知交警"),
    (Category.FIRE, 4, {"电动车起火": 2, "厨房起火": 1, "垃圾焚烧": 2}, "{sub}：{place}，已通知消防，无人员伤亡"),
]  # fmt: skip
HOTSPOT_NAMES = ["农贸市场", "夜市街区", "火车站广场", "网吧一条街", "城中村出租屋片区", "商业综合体"]


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _moment(rng: random.Random, now: dt.datetime, days: int) -> dt.datetime:
    """A time in the last ``days`` days: evenings busier than mornings, summer a little busier."""
    day = now - dt.timedelta(days=rng.uniform(0, days))
    hour = rng.choices(range(24), weights=[2, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 5, 5, 4, 4, 5, 5, 6, 7, 8, 8, 7, 5, 3])[0]
    local = timezone.localtime(day).replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
    return min(local, now - dt.timedelta(minutes=5))


def _category(rng: random.Random):
    entry = rng.choices(CATALOGUE, weights=[c[1] for c in CATALOGUE])[0]
    sub = _pick(rng, entry[2])
    return entry[0], sub, entry[3]


def seed_demo(*, rng: random.Random, out=print, count: int = 5000, days: int = 730) -> dict:
    """~5,000 incidents of the last two years in the demo station's grids, around a few hotspots."""
    station = (
        Station.objects.exclude(code__startswith="CITY-").filter(police_grids__isnull=False).order_by("id").first()
    )
    if station is None:
        out("  incidents: no demo station")
        return {"created": False}
    grids = list(CommunityGrid.objects.filter(police_grid__station=station).order_by("id"))
    if Incident.objects.filter(grid__in=grids).exists():
        out("  incidents already seeded")
        return {"created": False}
    buildings = list(Building.objects.filter(grid__in=grids).order_by("id").values_list("address", "lat", "lng"))
    if not buildings:
        out("  incidents: no demo buildings")
        return {"created": False}
    hotspots = [(name, *rng.choice(buildings)[1:]) for name in HOTSPOT_NAMES]
    now = timezone.now()
    locator = services.GridLocator()
    rows: dict[str, dict] = {}
    year_seq: dict[int, int] = {}
    moments = sorted(_moment(rng, now, days) for _ in range(count))
    for at in moments:
        year = timezone.localtime(at).year
        year_seq[year] = year_seq.get(year, 0) + 1
        number = f"640106{year}{year_seq[year]:06d}"
        category, sub, summary = _category(rng)
        if rng.random() < 0.55:  # around a hotspot, within ~300 m
            place, lat0, lng0 = rng.choice(hotspots)
            lat = lat0 + rng.gauss(0, 0.0015)
            lng = lng0 + rng.gauss(0, 0.0018)
            address = f"{place}附近"
        else:
            address, lat, lng = rng.choice(buildings)
            lat, lng = lat + rng.gauss(0, 0.0003), lng + rng.gauss(0, 0.0003)
            place = address
        if rng.random() < 0.02:  # a few without a usable position, as the dispatch feed has them
            lat = lng = None
        lat = round(lat, 6) if lat is not None else None
        lng = round(lng, 6) if lng is not None else None
        rows[number] = services.incident_fields(
            occurred_at=at, category=category, subcategory=sub, address=address[:200], lat=lat, lng=lng,
            summary=summary.format(sub=sub, place=place, sub_short=sub[-2:]), grid_id=locator.grid_id(lat, lng),
        )  # fmt: skip
    created, _updated, _same, touched = services.incidents_save(rows=rows)
    cells = services.heat_cells_rebuild(days=touched)
    out(f"  incidents: {created} over {days} days, {cells} heat cells")
    return {"created": True, "incidents": created, "cells": cells}


def seed_city(*, rng: random.Random, out=print, count: int = 1_000_000, days: int = 730) -> dict:
    """1,000,000 incidents over the city's grids (two years), streamed with COPY; heat cells then
    aggregated in SQL. Positions scatter around each grid's buildings, busier around a few hotspot
    buildings per grid. Idempotent: skipped once city incidents exist."""
    from lib import bulk

    if Incident.objects.filter(grid__code__startswith="CITY-").exists():
        out("  city incidents already seeded")
        return {"created": False}
    grid_points: dict[int, list[tuple[float, float, str]]] = {}
    for gid, lat, lng, address in (
        Building.objects.filter(grid__code__startswith="CITY-")
        .order_by("id")
        .values_list("grid_id", "lat", "lng", "address")
        .iterator(chunk_size=20_000)
    ):
        points = grid_points.setdefault(gid, [])
        if len(points) < 40:
            points.append((lat, lng, address))
    grid_ids = sorted(grid_points)
    if not grid_ids:
        out("  city incidents: no city grids with buildings")
        return {"created": False}
    now = timezone.now()
    start_id = bulk.next_id("incidents_incident")
    cats = [(c[0], list(c[2]), list(c[2].values())) for c in CATALOGUE]
    cat_weights = [c[1] for c in CATALOGUE]
    # Grids differ in how busy they are; within a grid a few buildings are hotspots.
    busy = [rng.paretovariate(2.0) for _ in grid_ids]
    imported = now.isoformat()

    def rows():
        span = days * 86400
        for k in range(count):
            g = rng.choices(grid_ids, cum_weights=cum_busy)[0]
            points = grid_points[g]
            lat0, lng0, address = points[min(int(rng.expovariate(0.5)), len(points) - 1)]
            lat = round(lat0 + rng.gauss(0, 0.0008), 6)
            lng = round(lng0 + rng.gauss(0, 0.0009), 6)
            at = now - dt.timedelta(seconds=rng.uniform(300, span))
            local = timezone.localtime(at)
            cat, subs, sub_w = cats[rng.choices(range(len(cats)), weights=cat_weights)[0]]
            sub = rng.choices(subs, weights=sub_w)[0]
            yield (
                start_id + k, f"640100{local.year}{k + 1:07d}", at.isoformat(), local.date().isoformat(), cat, sub,
                address[:200], lat, lng, cell_index(lat), cell_index(lng), g, "", imported,
            )  # fmt: skip

    cum_busy, total = [], 0.0
    for b in busy:
        total += b
        cum_busy.append(total)
    with _indexes_dropped():
        n = bulk.load(
            "incidents_incident",
            ["id", "number", "occurred_at", "day", "category", "subcategory", "address", "lat", "lng", "cell_lat",
             "cell_lng", "grid_id", "summary", "imported_at"],
            rows(),
        )  # fmt: skip
        cells = heat_cells_from_sql(city_only=True)
    out(f"  city incidents: {n}, {cells} heat cells")
    return {"created": True, "incidents": n, "cells": cells}


@contextmanager
def _indexes_dropped():
    """On PostgreSQL, without their secondary indexes while a million rows go in: building them
    once afterwards is several times quicker than keeping them up to date row by row. In the
    seed's transaction (DDL is transactional there), so a failure leaves them as they were."""
    if connection.vendor != "postgresql":
        yield
        return
    indexes = [(model, index) for model in (Incident, HeatCell) for index in model._meta.indexes]
    with connection.schema_editor(atomic=True) as editor:
        for model, index in indexes:
            editor.remove_index(model, index)
    yield
    with connection.cursor() as c:  # run the deferred foreign-key checks now: CREATE INDEX needs it
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        c.execute("SET CONSTRAINTS ALL DEFERRED")
    with connection.schema_editor(atomic=True) as editor:
        for model, index in indexes:
            editor.add_index(model, index)
    with connection.cursor() as c:
        c.execute(f"ANALYZE {Incident._meta.db_table}")
        c.execute(f"ANALYZE {HeatCell._meta.db_table}")


def heat_cells_from_sql(*, city_only: bool = False) -> int:
    """Aggregate heat cells from incidents in one statement (for bulk-loaded rows; the cells of
    those rows must not exist yet)."""
    table, src = HeatCell._meta.db_table, Incident._meta.db_table
    where = "cell_lat IS NOT NULL AND cell_lng IS NOT NULL"
    params: list = []
    if city_only:
        grids = CommunityGrid._meta.db_table
        where += f" AND grid_id IN (SELECT id FROM {grids} WHERE code LIKE %s)"  # noqa: S608
        params = ["CITY-%"]
    # Table names are ours, the one value is a parameter.
    columns = "cell_lat, cell_lng, day, category, grid_id"
    sql = (
        f"INSERT INTO {table} ({columns}, count) SELECT {columns}, COUNT(*) FROM {src} WHERE {where} GROUP BY {columns}"  # noqa: S608, E501
    )
    with connection.cursor() as c:
        c.execute(sql, params)
        return c.rowcount
