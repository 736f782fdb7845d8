"""Shared set-up for the noise tests: a class-1 sensor on 甲一's first building, its contact the landlord."""

import datetime as dt
import zoneinfo

from noise import services

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NAME = "矩阵测试噪声监测点"


def local(y, mo, d, h, mi=0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)


def sensor(world, *, grid="甲一网格", zone="1", contact="landlord", name=NAME, building=True):
    """A sensor and its key."""
    b = world.building(grid)
    return services.sensor_create(
        name=name, zone_class=zone, lat=b.lat, lng=b.lng, building=b if building else None,
        contact=world.users[contact] if contact else None,
    )  # fmt: skip


def batch(start: dt.datetime, levels) -> list[dict]:
    """One reading a minute from ``start``."""
    return [{"at": (start + dt.timedelta(minutes=i)).isoformat(), "laeq": v} for i, v in enumerate(levels)]


def night_alert(world, s=None, *, at=None):
    """A sensor with one sustained night alert (23:00–23:05, 50 dB(A) against 45)."""
    if s is None:
        s, _key = sensor(world)
    at = at or local(2026, 11, 20, 23, 0)
    services.readings_ingest(sensor=s, batch=batch(at, [50] * 5), now=at + dt.timedelta(hours=1))
    return s, s.alerts.get(window_start=at)
