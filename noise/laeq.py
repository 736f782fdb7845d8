"""LAeq arithmetic and the alert rule of GB 3096-2008. Pure functions: no database, no clock.

Readings are short-interval LAeq values (e.g. 1 minute) stamped with the start of their
interval. Levels add as energies, never as numbers: the mean of 50 and 60 dB(A) is 57.4, not 55.

The rule (DOMAIN.md "Noise"):

* sustained — the 5-minute LAeq (the energy mean of the readings in a 5-minute window aligned
  to the clock, :00–:05, :05–:10 …, with at least 3 readings) is over the limit of the window's
  period (day 06:00–22:00, night 22:00–06:00, local time);
* sudden — at night, a single reading more than 15 dB(A) over the night limit;
* a single loud reading by day raises nothing.

Levels are compared after rounding to 0.1 dB(A), the precision they are shown with, so that a
window whose LAeq shows as 60.0 is never an alert against a limit of 60.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

LIMITS = {"0": (50, 40), "1": (55, 45), "2": (60, 50), "3": (65, 55), "4a": (70, 55), "4b": (70, 60)}
WINDOW = dt.timedelta(minutes=5)
MIN_READINGS = 3
SUDDEN_MARGIN = 15
DAY_STARTS, NIGHT_STARTS = 6, 22


def limits(zone_class: str) -> tuple[int, int]:
    """(day, night) LAeq limits in dB(A) of a GB 3096 zone class ("0", "1", "2", "3", "4a", "4b")."""
    try:
        return LIMITS[str(zone_class).lower()]
    except KeyError:
        raise ValueError(f"unknown GB 3096 zone class: {zone_class!r}") from None


def period(at: dt.datetime) -> str:
    """``"day"`` from 06:00 to 22:00 local time, else ``"night"``."""
    hour = timezone.localtime(at).hour if timezone.is_aware(at) else at.hour
    return "day" if DAY_STARTS <= hour < NIGHT_STARTS else "night"


def energy_mean(levels: Iterable[float]) -> float:
    """10·log10(mean(10^(L/10))): the LAeq of equal-length intervals with these LAeq values."""
    levels = list(levels)
    if not levels:
        raise ValueError("energy_mean of no levels")
    return 10 * math.log10(sum(10 ** (level / 10) for level in levels) / len(levels))


def window_start(at: dt.datetime) -> dt.datetime:
    """The start of the 5-minute window holding ``at``, aligned to the local clock."""
    if timezone.is_aware(at):
        at = timezone.localtime(at)
    return at.replace(minute=at.minute - at.minute % 5, second=0, microsecond=0)


@dataclass(frozen=True)
class Finding:
    """An alert to raise: ``measured`` and ``exceedance`` rounded to 0.1 dB(A)."""

    kind: str  # "sustained" | "sudden"
    period: str  # "day" | "night"
    window_start: dt.datetime
    window_end: dt.datetime
    measured: float
    limit: int
    exceedance: float


def evaluate(readings: Iterable[tuple[dt.datetime, float]], zone_class: str) -> list[Finding]:
    """The alerts that ``readings`` — ``(at, laeq)`` pairs of one sensor — call for, by window.

    At most one finding per window and kind, in window order; a sudden finding names the
    window's loudest reading.
    """
    day_limit, night_limit = limits(zone_class)
    windows: dict[dt.datetime, list[float]] = {}
    for at, level in readings:
        windows.setdefault(window_start(at), []).append(float(level))
    found = []
    for start in sorted(windows):
        levels = windows[start]
        when = period(start)
        limit = day_limit if when == "day" else night_limit
        if len(levels) >= MIN_READINGS:
            laeq = round(energy_mean(levels), 1)
            if laeq > limit:
                found.append(Finding("sustained", when, start, start + WINDOW, laeq, limit, round(laeq - limit, 1)))
        if when == "night":
            loudest = round(max(levels), 1)
            if loudest > night_limit + SUDDEN_MARGIN:
                over = round(loudest - night_limit, 1)
                found.append(Finding("sudden", when, start, start + WINDOW, loudest, night_limit, over))
    return found
