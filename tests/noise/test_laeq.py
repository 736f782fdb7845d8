"""The LAeq arithmetic and the alert rule against hand-computed cases (noise.laeq: no database)."""

import datetime as dt

import pytest

from noise import laeq
from tests.noise.helpers import local


@pytest.mark.parametrize(
    ("zone", "expected"),
    [("0", (50, 40)), ("1", (55, 45)), ("2", (60, 50)), ("3", (65, 55)), ("4a", (70, 55)), ("4b", (70, 60))],
)
def test_limits_follow_gb_3096(zone, expected):
    assert laeq.limits(zone) == expected


def test_an_unknown_zone_class_is_refused():
    with pytest.raises(ValueError):
        laeq.limits("5")


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(6, 0, "day"), (5, 59, "night"), (21, 59, "day"), (22, 0, "night"), (0, 0, "night"), (13, 0, "day")],
)
def test_day_runs_from_six_to_twenty_two_local_time(hour, minute, expected):
    assert laeq.period(local(2026, 11, 20, hour, minute)) == expected


def test_period_reads_the_local_clock_not_utc():
    # 14:30 UTC is 22:30 in Shanghai: night.
    assert laeq.period(dt.datetime(2026, 11, 20, 14, 30, tzinfo=dt.UTC)) == "night"


def test_equal_levels_average_to_themselves():
    assert round(laeq.energy_mean([60, 60, 60]), 1) == 60.0


def test_levels_add_as_energy_not_as_numbers():
    # 10·log10((10^5 + 10^6) / 2) = 10·log10(550000) = 57.40 — not 55.
    assert round(laeq.energy_mean([50, 60]), 1) == 57.4


def test_ten_db_louder_for_one_minute_in_five():
    # 10·log10((4·10^5 + 10^6) / 5) = 10·log10(280000) = 54.47
    assert round(laeq.energy_mean([50, 50, 50, 50, 60]), 1) == 54.5


def test_energy_mean_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        laeq.energy_mean([])


def test_windows_are_aligned_to_the_clock():
    assert laeq.window_start(local(2026, 11, 20, 23, 7).replace(second=30)) == local(2026, 11, 20, 23, 5)
    assert laeq.window_start(dt.datetime(2026, 11, 20, 15, 9, tzinfo=dt.UTC)) == local(2026, 11, 20, 23, 5)


def _minutes(start, levels):
    return [(start + dt.timedelta(minutes=i), v) for i, v in enumerate(levels)]


def test_five_windows_of_a_class_2_evening_against_hand_computed_laeq():
    """Class 2 (day 60, night 50), 21:50–22:15, one reading a minute.

    21:50–21:55  58 58 58 58 58  → 58.0            day limit 60: none
    21:55–22:00  62 62 62 62 62  → 62.0            day limit 60: sustained, +2.0
    22:00–22:05  50 50 50 50 60  → 10·log10((4·10^5 + 10^6)/5) = 54.47 → 54.5, night 50: sustained, +4.5
    22:05–22:10  40 40 40 40 66  → 10·log10((4·10^4 + 10^6.6)/5) = 10·log10(804214) = 59.05 → 59.1:
                 sustained +9.1; 66 is 16 over the night limit (> 15): sudden, 66, +16.0
    22:10–22:15  48 49 50        → 10·log10((10^4.8 + 10^4.9 + 10^5)/3) = 10·log10(80843) = 49.08 → 49.1:
                 under 50, none
    """
    readings = _minutes(local(2026, 11, 20, 21, 50), [58] * 5 + [62] * 5 + [50, 50, 50, 50, 60])
    readings += _minutes(local(2026, 11, 20, 22, 5), [40, 40, 40, 40, 66, 48, 49, 50])
    found = laeq.evaluate(readings, "2")
    assert [(f.kind, f.period, f.window_start, f.measured, f.limit, f.exceedance) for f in found] == [
        ("sustained", "day", local(2026, 11, 20, 21, 55), 62.0, 60, 2.0),
        ("sustained", "night", local(2026, 11, 20, 22, 0), 54.5, 50, 4.5),
        ("sustained", "night", local(2026, 11, 20, 22, 5), 59.1, 50, 9.1),
        ("sudden", "night", local(2026, 11, 20, 22, 5), 66.0, 50, 16.0),
    ]
    assert found[0].window_end == local(2026, 11, 20, 22, 0)


def test_day_sustained_exceedance_is_an_alert():
    # Class 1 by day: 56, 57, 58 → 10·log10((10^5.6 + 10^5.7 + 10^5.8)/3) = 57.13 → 57.1 > 55.
    (f,) = laeq.evaluate(_minutes(local(2026, 11, 20, 10, 0), [56, 57, 58]), "1")
    assert (f.kind, f.period, f.measured, f.limit, f.exceedance) == ("sustained", "day", 57.1, 55, 2.1)


def test_night_sustained_exceedance_is_an_alert():
    (f,) = laeq.evaluate(_minutes(local(2026, 11, 20, 23, 0), [47, 47, 47, 47]), "1")
    assert (f.kind, f.period, f.measured, f.limit) == ("sustained", "night", 47.0, 45)


def test_a_level_exactly_at_the_limit_is_not_over_it():
    assert laeq.evaluate(_minutes(local(2026, 11, 20, 10, 0), [55, 55, 55]), "1") == []


def test_a_night_reading_more_than_15_over_is_a_sudden_alert_even_alone():
    # Class 1 night limit 45: 61 is 16 over. One reading: no 5-minute LAeq, but a sudden alert.
    (f,) = laeq.evaluate([(local(2026, 11, 21, 2, 17), 61)], "1")
    assert (f.kind, f.measured, f.limit, f.exceedance) == ("sudden", 61.0, 45, 16.0)


def test_a_night_reading_exactly_15_over_is_not_sudden():
    assert laeq.evaluate([(local(2026, 11, 21, 2, 17), 60)], "1") == []


def test_a_single_spike_by_day_is_no_alert():
    # Class 1 by day: 45 45 45 45 and one minute at 70 (15 over the day limit, 25 over the night's):
    # 10·log10((4·10^4.5 + 10^7)/5) = 10·log10(2025298) = 63.1 — over 55, so the rule is checked
    # with a quieter spike: 45 45 45 45 61 → 10·log10((4·10^4.5 + 10^6.1)/5) = 10·log10(277225) = 54.4.
    assert laeq.evaluate(_minutes(local(2026, 11, 20, 14, 0), [45, 45, 45, 45, 61]), "1") == []
    # And no sudden rule by day, however loud the minute is, when the window is too thin for an LAeq.
    assert laeq.evaluate(_minutes(local(2026, 11, 20, 14, 0), [45, 90]), "1") == []


def test_fewer_than_three_readings_make_no_window():
    # Two minutes at 70 by night: far over 45, but not a 5-minute LAeq (and not 15 over: 60 is the line).
    assert laeq.evaluate(_minutes(local(2026, 11, 20, 23, 0), [58, 58]), "1") == []
    (f,) = laeq.evaluate(_minutes(local(2026, 11, 20, 23, 0), [58, 58, 58]), "1")
    assert f.kind == "sustained"


def test_a_window_is_counted_once_however_the_readings_are_ordered():
    readings = _minutes(local(2026, 11, 20, 23, 0), [50, 50, 50])
    assert laeq.evaluate(list(reversed(readings)), "1") == laeq.evaluate(readings, "1")
