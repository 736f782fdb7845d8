"""Writes for noise sensors: registering a sensor (its key shown once), ingesting a batch of
readings and raising the alerts they call for, acknowledging an alert."""

from __future__ import annotations

import datetime as dt
import math
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import STAFF_ROLES, User
from grid.models import Building
from grid.scope import scope_for
from grid.services import grid_for_point
from lib.crypto import keyed_hash
from noise import laeq
from noise.models import Alert, AlertState, Reading, Sensor, ZoneClass

MAX_BATCH = 1000
MIN_LEVEL, MAX_LEVEL = 20, 140
FUTURE_SLACK = dt.timedelta(minutes=5)


def key_hash(key: str) -> str:
    return keyed_hash("sensor:" + key)


def sensor_for_key(key: str | None) -> Sensor | None:
    """The active sensor holding ``key``, or ``None``."""
    if not key:
        return None
    return Sensor.objects.filter(key_hash=key_hash(key), active=True).first()


# --- registering ---------------------------------------------------------------------------------


@transaction.atomic
def sensor_create(
    *,
    name: str,
    zone_class: str,
    lat: float | None = None,
    lng: float | None = None,
    building: Building | None = None,
    contact: User | None = None,
    user: User | None = None,
) -> tuple[Sensor, str]:
    """Register a sensor at ``(lat, lng)`` (or, without them, at ``building``), placed in the grid
    covering the point — with ``user``, a grid of their scope.

    Returns the sensor and its key in clear: the only time the key exists outside the caller.
    Raises ``ValidationError`` keyed by field, writing nothing.
    """
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the sensor a name.")]
    if zone_class not in ZoneClass.values:
        errors["zone_class"] = [_("Choose the GB 3096 zone class of the place.")]
    if lat is None or lng is None:
        if building is None:
            errors["lat"] = [_("Give the sensor's position, or the building it is mounted on.")]
        else:
            lat, lng = building.lat, building.lng
    if contact is not None and not contact.is_active:
        errors["contact"] = [_("This account is not active.")]
    if errors:
        raise ValidationError(errors)
    grid = grid_for_point(lat=lat, lng=lng)
    if grid is None:
        raise ValidationError(
            {"lat": _("This location lies outside every community grid: check the point on the map.")}
        )
    if user is not None:
        scope = scope_for(user)
        if not scope.everything and grid.id not in scope.community_grid_ids:
            raise ValidationError({"lat": _("This location lies in a grid outside your area of responsibility.")})
    key = secrets.token_urlsafe(24)
    sensor = Sensor.objects.create(
        name=name[:100], lat=lat, lng=lng, grid=grid, building=building, zone_class=zone_class, contact=contact,
        key_hash=key_hash(key),
    )  # fmt: skip
    return sensor, key


# --- readings ------------------------------------------------------------------------------------


def _parse_batch(batch, *, now: dt.datetime) -> list[tuple[dt.datetime, float]]:
    """``[(at, laeq)]`` from the posted list, or ``ValidationError`` naming each bad item."""
    if not isinstance(batch, list):
        raise ValidationError({"readings": _('Send a list of readings: [{"at": "…", "laeq": 55.2}, …].')})
    if not batch:
        raise ValidationError({"readings": _("The batch is empty.")})
    if len(batch) > MAX_BATCH:
        message = _("At most %(n)d readings per batch; this one has %(got)d.")
        raise ValidationError({"readings": message % {"n": MAX_BATCH, "got": len(batch)}})
    rows, errors = [], {}
    latest = now + FUTURE_SLACK
    for i, item in enumerate(batch):
        where = f"readings[{i}]"
        if not isinstance(item, dict):
            errors[where] = [_('Each reading is an object: {"at": "…", "laeq": 55.2}.')]
            continue
        raw_at, level = item.get("at"), item.get("laeq")
        at = None
        try:
            at = parse_datetime(raw_at) if isinstance(raw_at, str) else None
        except ValueError:
            at = None
        if at is None:
            errors[f"{where}.at"] = [_("Give the time as an ISO 8601 date and time, e.g. 2026-11-22T21:05:00+08:00.")]
        elif timezone.is_naive(at):
            errors[f"{where}.at"] = [_("Give the time with its UTC offset, e.g. +08:00.")]
        elif at > latest:
            errors[f"{where}.at"] = [_("This time is in the future: check the sensor's clock.")]
        if isinstance(level, bool) or not isinstance(level, int | float) or not math.isfinite(level):
            errors[f"{where}.laeq"] = [_("Give the LAeq as a number of dB(A).")]
        elif not MIN_LEVEL <= level <= MAX_LEVEL:
            errors[f"{where}.laeq"] = [
                _("An LAeq lies between %(lo)d and %(hi)d dB(A).") % {"lo": MIN_LEVEL, "hi": MAX_LEVEL}
            ]
        elif at is not None and f"{where}.at" not in errors:
            rows.append((at, round(float(level), 1)))
    if errors:
        raise ValidationError(errors)
    return rows


@transaction.atomic
def readings_ingest(*, sensor: Sensor, batch, now: dt.datetime | None = None) -> dict:
    """Store a batch of readings and raise the alerts of the windows it touches.

    ``batch`` is a list of ``{"at": ISO datetime with offset, "laeq": 20–140}`` (at most 1000,
    none more than 5 minutes in the future). The whole batch is rejected with a
    ``ValidationError`` if any item is bad. Idempotent: a reading already stored for the sensor
    at that time (or repeated in the batch) is ignored, and an alert is raised once per sensor,
    window and kind. Returns ``{"received", "created", "duplicates", "alerts"}``.
    """
    now = now or timezone.now()
    rows = _parse_batch(batch, now=now)
    unique = {}
    for at, level in rows:
        unique.setdefault(at, level)  # the first of a repeated time wins
    existing = set(Reading.objects.filter(sensor=sensor, at__in=list(unique)).values_list("at", flat=True))
    fresh = [Reading(sensor=sensor, at=at, laeq=level) for at, level in unique.items() if at not in existing]
    # ignore_conflicts: a concurrent batch with the same readings must not fail this one.
    Reading.objects.bulk_create(fresh, batch_size=500, ignore_conflicts=True)
    alerts = 0
    if fresh:
        newest = max(r.at for r in fresh)
        if sensor.last_reading_at is None or newest > sensor.last_reading_at:
            sensor.last_reading_at = newest
            sensor.save(update_fields=["last_reading_at"])
        alerts = sensor_evaluate(sensor=sensor, windows={laeq.window_start(r.at) for r in fresh})
    return {"received": len(rows), "created": len(fresh), "duplicates": len(rows) - len(fresh), "alerts": alerts}


def sensor_evaluate(
    *, sensor: Sensor, windows=None, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> int:
    """Raise the alerts of ``sensor``'s windows — those starting at the given ``windows``, or all
    between ``since`` and ``until`` — from the stored readings. Returns how many were new.

    Idempotent: an alert that exists (sensor, kind, window) is refreshed, never doubled.
    """
    qs = Reading.objects.filter(sensor=sensor)
    if windows is not None:
        windows = set(windows)
        if not windows:
            return 0
        qs = qs.filter(at__gte=min(windows), at__lt=max(windows) + laeq.WINDOW)
    else:
        if since is not None:
            qs = qs.filter(at__gte=laeq.window_start(since))
        if until is not None:
            qs = qs.filter(at__lt=until)
    readings = [(at, level) for at, level in qs.values_list("at", "laeq").order_by("at").iterator(chunk_size=5000)]
    if windows is not None:
        readings = [r for r in readings if laeq.window_start(r[0]) in windows]
    return _raise(sensor, laeq.evaluate(readings, sensor.zone_class))


def _raise(sensor: Sensor, findings: list[laeq.Finding]) -> int:
    if not findings:
        return 0
    starts = [f.window_start for f in findings]
    known = {
        (a.kind, a.window_start): a
        for a in Alert.objects.filter(sensor=sensor, window_start__gte=min(starts), window_start__lte=max(starts))
    }
    new, changed = [], []
    for f in findings:
        alert = known.get((f.kind, f.window_start))
        if alert is None:
            new.append(Alert.from_finding(sensor, f))
        elif (alert.measured, alert.limit) != (f.measured, f.limit):  # a late reading changed the window
            alert.measured, alert.limit, alert.exceedance = f.measured, f.limit, f.exceedance
            changed.append(alert)
    Alert.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    if changed:
        Alert.objects.bulk_update(changed, ["measured", "limit", "exceedance"])
    return len(new)


# --- alerts --------------------------------------------------------------------------------------


def may_acknowledge(alert: Alert, user: User) -> bool:
    """The property contact of the sensor, or staff whose scope covers the alert's grid."""
    if not user.is_authenticated:
        return False
    if alert.sensor.contact_id == user.pk:
        return True
    if not (user.is_superuser or user.role in STAFF_ROLES):
        return False
    scope = scope_for(user)
    return scope.everything or alert.grid_id in scope.community_grid_ids


@transaction.atomic
def alert_acknowledge(*, alert: Alert, user: User, note: str, at: dt.datetime | None = None) -> Alert:
    """Mark an open alert as seen and dealt with, with a note of what was done."""
    alert = Alert.objects.select_for_update().select_related("sensor").get(pk=alert.pk)
    if not may_acknowledge(alert, user):
        raise ValidationError({"note": _("Only the grid's officers and the property contact acknowledge this alert.")})
    if alert.state != AlertState.OPEN:
        raise ValidationError({"note": _("This alert has already been acknowledged.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done or found.")})
    alert.state = AlertState.ACKNOWLEDGED
    alert.acknowledged_by = user
    alert.acknowledged_at = at or timezone.now()
    alert.note = note[:500]
    alert.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "note"])
    return alert
