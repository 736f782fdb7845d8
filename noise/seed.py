"""Demo and city noise sensors.

The demo: 5 sensors in the demo station's grids — the first on a building of officer1's police
grid (class 1, with landlord1 as its property contact) next to a late-night KTV — with a week of
1-minute readings following a daily pattern, some nights over the limit, a couple of sudden
spikes at night and harmless single spikes by day; the alerts come from the same evaluation as
live readings (``noise.services.sensor_evaluate``), the older ones acknowledged by the officer.

The city: 200 sensors over the city's grids and a day of 1-minute readings each (COPY), the
alerts evaluated in memory with ``noise.laeq``.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets

from django.db import connection
from django.utils import timezone

from accounts.models import User
from grid.models import Building, CommunityGrid, Station
from noise import laeq, services
from noise.models import Alert, AlertState, Reading, Sensor

BATCH = 5000
DEMO_SENSORS = [
    # name, zone class, officer1's grids?, on a building?, pattern
    ("阅海万家KTV旁 噪声监测点", "1", True, True, "ktv"),
    ("上海西路小学东门 噪声监测点", "1", True, False, "quiet"),
    ("宝湖农贸市场 噪声监测点", "2", False, True, "market"),
    ("亲水大街路口 噪声监测点", "4a", False, False, "road"),
    ("阅海公园广场 噪声监测点", "2", False, False, "square"),
]
NOTES = [
    "已联系店主，音量已调低。",
    "民警到场劝导，噪声已停止。",
    "物业已提醒住户注意夜间噪声。",
    "经核实为临时施工，已告知施工时间规定。",
]


def _base(pattern: str, zone: str, local: dt.datetime, rng: random.Random) -> float:
    """A plausible 1-minute LAeq below the limits: quieter at night, busier at rush hours."""
    day, night = laeq.limits(zone)
    h = local.hour + local.minute / 60
    if laeq.DAY_STARTS <= local.hour < laeq.NIGHT_STARTS:
        rush = 3 * math.exp(-((h - 8) ** 2) / 2) + 3 * math.exp(-((h - 18) ** 2) / 3)
        level = day - 9 + rush
        if pattern == "square" and 19 <= h < 21:  # square dancing
            level += 4
        if pattern == "market" and 6 <= h < 10:
            level += 3
    else:
        level = night - 8 + (2 if pattern == "road" else 0)
    return level + rng.gauss(0, 1.6)


def _levels(pattern: str, zone: str, start: dt.datetime, minutes: int, rng: random.Random, *, episodes=True):
    """``minutes`` 1-minute readings from ``start``; with ``episodes``, the planned exceedances."""
    day, night = laeq.limits(zone)
    rows = []
    loud_nights = {1, 3, 4, 6} if pattern == "ktv" else ({2} if pattern == "road" else set())
    for m in range(minutes):
        at = start + dt.timedelta(minutes=m)
        local = timezone.localtime(at)
        level = _base(pattern, zone, local, rng)
        if episodes:
            day_no = (local.date() - timezone.localtime(start).date()).days
            night_of = day_no - (1 if local.hour < laeq.DAY_STARTS else 0)
            late = local.hour >= 23 or local.hour < 1
            if night_of in loud_nights and late and (local.hour == 23 and local.minute >= 20 or local.hour == 0):
                level = night + rng.uniform(3, 9)  # music through an open window
            if pattern == "ktv" and night_of == 5 and local.hour == 2 and local.minute == 17:
                level = night + 19.5  # a bottle smashed in the street
            if pattern == "road" and night_of == 4 and local.hour == 3 and local.minute == 42:
                level = night + 17.2  # a lorry's air horn
            if local.hour == 14 and local.minute == 3 and day_no % 2 == 0:
                level = day + 5  # a single spike by day: the 5-minute LAeq stays under the limit
            if pattern == "market" and day_no == 2 and local.hour == 10 and 10 <= local.minute < 40:
                level = day + rng.uniform(2, 6)  # a loudspeaker sale
        rows.append((at, round(min(max(level, 25.0), 130.0), 1)))
    return rows


def _demo_station() -> Station | None:
    return Station.objects.exclude(code__startswith="CITY-").filter(police_grids__isnull=False).order_by("id").first()


def seed_demo(*, rng: random.Random, out=print, days: int = 7) -> dict:
    """5 sensors with a week of readings and the alerts they raise. Idempotent: skipped once the
    demo station has sensors."""
    station = _demo_station()
    if station is None:
        out("  noise: no demo station")
        return {"created": False}
    grids = list(CommunityGrid.objects.filter(police_grid__station=station).select_related("police_grid__officer"))
    if not grids:
        out("  noise: no demo grids")
        return {"created": False}
    if Sensor.objects.filter(grid__in=grids).exists():
        out("  noise sensors already seeded")
        return {"created": False}
    officer1 = User.objects.filter(username="officer1").first()
    contact = User.objects.filter(username="landlord1").first()
    own = [g for g in grids if officer1 and g.police_grid.officer_id == officer1.pk] or grids[:1]
    others = [g for g in grids if g not in own] or grids
    now = timezone.now().replace(second=0, microsecond=0)
    start = timezone.localtime(now - dt.timedelta(days=days)).replace(hour=0, minute=0)
    minutes = int((now - start).total_seconds() // 60)
    made = {"sensors": 0, "readings": 0, "alerts": 0}
    for n, (name, zone, in_own, on_building, pattern) in enumerate(DEMO_SENSORS):
        grid = (own if in_own else others)[n % len(own if in_own else others)]
        building = Building.objects.filter(grid=grid).order_by("id")[n : n + 1].first()
        if on_building and building:
            lat, lng = building.lat, building.lng
        else:
            b = building or Building.objects.filter(grid=grid).order_by("id").first()
            lat, lng = (b.lat + 0.0004, b.lng + 0.0004) if b else (grid.min_lat + 0.001, grid.min_lng + 0.001)
            building = None
        sensor, _key = services.sensor_create(
            name=name, zone_class=zone, lat=lat, lng=lng, building=building, contact=contact if n == 0 else None
        )
        rows = [Reading(sensor=sensor, at=at, laeq=v) for at, v in _levels(pattern, zone, start, minutes, rng)]
        Reading.objects.bulk_create(rows, batch_size=BATCH)
        sensor.last_reading_at = rows[-1].at
        sensor.save(update_fields=["last_reading_at"])
        made["sensors"] += 1
        made["readings"] += len(rows)
        made["alerts"] += services.sensor_evaluate(sensor=sensor, since=start)
    # The grid's officer (or the property contact) has dealt with what is older than two days;
    # the recent ones are still open.
    for alert in Alert.objects.filter(
        sensor__grid__in=grids, state=AlertState.OPEN, window_end__lt=now - dt.timedelta(days=2)
    ).select_related("sensor__contact", "grid__police_grid__officer"):
        acknowledger = alert.grid.police_grid.officer
        if alert.sensor.contact and (acknowledger is None or rng.random() < 0.4):
            acknowledger = alert.sensor.contact
        if acknowledger is not None:
            services.alert_acknowledge(
                alert=alert, user=acknowledger, note=rng.choice(NOTES),
                at=alert.window_end + dt.timedelta(minutes=rng.randint(10, 90)),
            )  # fmt: skip
    opened = Alert.objects.filter(sensor__grid__in=grids, state=AlertState.OPEN).count()
    out(f"  noise: {made['sensors']} sensors, {made['readings']:,} readings, {made['alerts']} alerts ({opened} open)")
    return {"created": True, **made, "open": opened}


def seed_city(*, rng: random.Random, out=print, count: int = 200) -> dict:
    """200 sensors over the city's grids with a day of 1-minute readings each. Idempotent:
    skipped once city sensors exist."""
    from lib import bulk

    if Sensor.objects.filter(grid__code__startswith="CITY-").exists():
        out("  city noise sensors already seeded")
        return {"created": False}
    grids = list(CommunityGrid.objects.filter(code__startswith="CITY-").order_by("id").values_list("id", flat=True))
    if not grids:
        out("  city noise: no city grids")
        return {"created": False}
    picks = sorted(rng.sample(grids, min(count, len(grids))) if len(grids) >= count else rng.choices(grids, k=count))
    spots = {}
    for grid_id, b_id, lat, lng in (
        Building.objects.filter(grid_id__in=set(picks))
        .order_by("grid_id", "id")
        .values_list("grid_id", "id", "lat", "lng")
    ):
        spots.setdefault(grid_id, (b_id, lat, lng))
    sqlite = connection.vendor != "postgresql"
    adapt = connection.ops.adapt_datetimefield_value
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - dt.timedelta(days=1)
    sensors = []
    for n, grid_id in enumerate(picks):
        spot = spots.get(grid_id)
        if spot is None:
            continue
        b_id, lat, lng = spot
        zone = rng.choice(["1", "1", "2", "2", "2", "3", "4a", "4b"])
        sensors.append(
            Sensor(
                name=f"城区噪声监测点{n + 1:03d}",
                lat=lat,
                lng=lng,
                grid_id=grid_id,
                building_id=b_id if rng.random() < 0.5 else None,
                zone_class=zone,
                key_hash=services.key_hash(secrets.token_urlsafe(24)),
                last_reading_at=now,
            )  # fmt: skip
        )
    Sensor.objects.bulk_create(sensors, batch_size=BATCH)
    sensors = list(Sensor.objects.filter(grid__code__startswith="CITY-").order_by("id"))
    patterns = ["quiet", "market", "road", "square", "ktv"]
    made = {"sensors": len(sensors), "readings": 0, "alerts": 0}
    alerts = []
    for sensor in sensors:
        pattern = patterns[sensor.pk % len(patterns)]
        rows = _levels(pattern, sensor.zone_class, start, 1440, rng, episodes=rng.random() < 0.3)
        load = [(sensor.pk, adapt(at) if sqlite else at, v) for at, v in rows]
        made["readings"] += bulk.load("noise_reading", ["sensor_id", "at", "laeq"], load)
        for f in laeq.evaluate(rows, sensor.zone_class):
            alerts.append(Alert.from_finding(sensor, f))
    Alert.objects.bulk_create(alerts, batch_size=BATCH)
    made["alerts"] = len(alerts)
    if not sqlite:
        with connection.cursor() as c:
            c.execute("ANALYZE noise_reading; ANALYZE noise_alert")
    out(f"  city noise: {made['sensors']} sensors, {made['readings']:,} readings, {made['alerts']:,} alerts")
    return {"created": True, **made}
