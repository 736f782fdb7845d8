"""Reads for noise sensors: scoped sensors and alerts, the 24-hour chart, repeated alerts."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import STAFF_ROLES
from noise import laeq
from noise.models import Alert, AlertState, Reading, Sensor

REPEAT_DAYS = 30
REPEAT_COUNT = 3


def is_staff(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in STAFF_ROLES)


def sensors_for_user(user):
    return Sensor.objects.visible_to(user)


def get_sensor_for_user(user, pk) -> Sensor:
    qs = sensors_for_user(user).select_related("grid__police_grid", "building", "contact")
    return get_object_or_404(qs, pk=pk)


def alerts_for_user(user):
    return Alert.objects.visible_to(user)


def get_alert_for_user(user, pk) -> Alert:
    return get_object_or_404(alerts_for_user(user).select_related("sensor__building", "grid"), pk=pk)


def is_contact(user) -> bool:
    return user.is_authenticated and Sensor.objects.filter(contact=user).exists()


def alert_list(user, *, state: str = "", kind: str = "", sensor_id: int | None = None):
    """The user's alerts, open ones first, then newest first."""
    qs = alerts_for_user(user).select_related("sensor__building", "grid", "acknowledged_by")
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if sensor_id:
        qs = qs.filter(sensor_id=sensor_id)
    first = Case(When(state=AlertState.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.annotate(open_first=first).order_by("open_first", "-window_start", "-id")


def recent_alert_counts(sensor_ids, *, at: dt.datetime | None = None) -> dict[int, int]:
    """Alerts per sensor in the last 30 days (one query)."""
    at = at or timezone.now()
    rows = (
        Alert.objects.filter(sensor_id__in=list(sensor_ids), window_start__gte=at - dt.timedelta(days=REPEAT_DAYS))
        .values("sensor_id")
        .annotate(n=Count("id"))
    )
    return {r["sensor_id"]: r["n"] for r in rows}


def suggests_dispute(count: int) -> bool:
    """Repeated alerts at one place within 30 days suggest opening a dispute there."""
    return count >= REPEAT_COUNT


def sensor_list(user):
    """Sensors with their open alerts and alerts of the last 30 days, for the list page."""
    since = timezone.now() - dt.timedelta(days=REPEAT_DAYS)
    return (
        sensors_for_user(user)
        .select_related("grid", "building", "contact")
        .annotate(
            open_alerts=Count("alerts", filter=Q(alerts__state=AlertState.OPEN)),
            recent_alerts=Count("alerts", filter=Q(alerts__window_start__gte=since)),
        )
        .order_by("grid__name", "name", "id")
    )


def chart_24h(sensor: Sensor, *, now: dt.datetime | None = None) -> dict:
    """The last 24 hours minute by minute: labels, readings (``None`` where none came) and the
    limit in force at each minute (day or night)."""
    now = timezone.localtime(now or timezone.now()).replace(second=0, microsecond=0)
    start = now - dt.timedelta(hours=24)
    levels = {
        timezone.localtime(at).replace(second=0, microsecond=0): level
        for at, level in Reading.objects.filter(sensor=sensor, at__gt=start, at__lte=now).values_list("at", "laeq")
    }
    day, night = laeq.limits(sensor.zone_class)
    labels, values, limit = [], [], []
    minute = start + dt.timedelta(minutes=1)
    while minute <= now:
        labels.append(minute.strftime("%H:%M"))
        values.append(levels.get(minute))
        limit.append(day if laeq.period(minute) == "day" else night)
        minute += dt.timedelta(minutes=1)
    return {"labels": labels, "values": values, "limit": limit, "readings": len(levels)}


def open_alerts_for_contact(user) -> int:
    """Open alerts of the sensors the user is the property contact of (one query)."""
    from noise.models import Alert

    if not user.is_authenticated:
        return 0
    return Alert.objects.filter(sensor__contact=user, state="open").count()
