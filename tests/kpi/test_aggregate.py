"""The KPI aggregation against hand-counted records: Beijing days and months (time travel across
midnight and month end), grid totals and per-person credits, stocks at the month end, recomputing
a range equals the beat's incremental runs, the drill-down lists what the figure counted, the API."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from events import dispatch
from field import services as field_services
from kpi import aggregate, figures, tasks
from kpi.models import Figure, Period
from residents import services as residents_services
from tests.events.helpers import report
from tests.factories import centre

BJ = timezone.get_fixed_timezone(8 * 60)


def bj(text: str) -> dt.datetime:
    """An aware Beijing time from ``YYYY-MM-DD HH:MM``."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BJ)


def value(metric, start, *, period=Period.DAY, user=None, grid=None):
    qs = Figure.objects.filter(period=period, start=start, metric=metric)
    qs = qs.filter(user=user) if user is not None else qs.filter(user__isnull=True)
    if grid is not None:
        qs = qs.filter(grid=grid)
    return sum(qs.values_list("value", flat=True))


def _visit(world, at, *, user="officer_a", participants=(), notes="登记无变化"):
    with time_machine.travel(at, tick=False):
        return residents_services.visit_record(
            user=world.users[user], building=world.building("甲一网格"), purpose="走访", notes=notes,
            participants=[world.users[p] for p in participants],
        )  # fmt: skip


def _checks(world, start, end, *, user="officer_a"):
    lat, lng = centre(world.a1)
    for kind, at in (("in", start), ("out", end)):
        with time_machine.travel(at, tick=False):
            field_services.check(user=world.users[user], kind=kind, lat=lat, lng=lng)


def test_visits_fall_on_beijing_days_and_months_with_a_credit_for_each_participant(world):
    # 23:30 on 31 October and 00:10 on 1 November, Beijing time: both still 31 October in UTC.
    _visit(world, bj("2026-10-31 23:30"), participants=["grid_worker"])
    _visit(world, bj("2026-11-01 00:10"), notes="")
    with time_machine.travel(bj("2026-11-02 09:00"), tick=False):
        aggregate.recompute(dt.date(2026, 10, 1), dt.date(2026, 11, 2))
    oct31, nov1 = dt.date(2026, 10, 31), dt.date(2026, 11, 1)
    a1, officer, worker = world.a1, world.users["officer_a"], world.users["grid_worker"]
    assert value("visits", oct31, grid=a1) == 1 and value("visits", nov1, grid=a1) == 1
    assert value("visits", oct31, user=officer) == 1 and value("visits", oct31, user=worker) == 1
    assert value("visits", nov1, user=worker) == 0
    assert value("visits", dt.date(2026, 10, 1), period=Period.MONTH) == 1
    assert value("visits", nov1, period=Period.MONTH) == 1
    # The November visit has nothing recorded: a quality flag, on the officer too.
    assert value("visits_bare", nov1) == 1 and value("visits_bare", nov1, user=officer) == 1
    assert value("visits_bare", oct31) == 0


def test_community_time_counts_on_the_day_of_the_check_in_across_midnight(world):
    _checks(world, bj("2026-10-31 22:00"), bj("2026-11-01 01:00"))
    _checks(world, bj("2026-11-01 09:00"), bj("2026-11-01 11:30"))
    with time_machine.travel(bj("2026-11-01 20:00"), tick=False):
        aggregate.recompute(dt.date(2026, 10, 31), dt.date(2026, 11, 1))
    officer = world.users["officer_a"]
    assert value("community_minutes", dt.date(2026, 10, 31), user=officer) == 180
    assert value("community_minutes", dt.date(2026, 11, 1), user=officer) == 150
    assert value("community_minutes", dt.date(2026, 11, 1), period=Period.MONTH, grid=world.a1) == 150
    rng = figures.Range(dt.date(2026, 10, 31), dt.date(2026, 11, 1))
    assert figures.own(officer, rng).rates["hours"] == 5.5


def test_events_closed_within_the_limit_and_the_average_rating(world):
    with time_machine.travel(bj("2026-11-03 09:00"), tick=False):
        quick = report(world)
        dispatch.event_accept(event=quick, user=world.users["grid_worker"])
    with time_machine.travel(bj("2026-11-03 10:00"), tick=False):
        dispatch.event_handle(event=quick, user=world.users["grid_worker"], note="已修复")
        dispatch.event_rate(event=quick, user=world.users["volunteer"], rating=5)
    with time_machine.travel(bj("2026-11-03 09:00"), tick=False):
        slow = report(world, description="井盖缺失", dx=0.0002)
    with time_machine.travel(bj("2026-11-05 09:00"), tick=False):
        dispatch.escalate_due()  # not accepted in time: moved up by the clock
        slow.refresh_from_db()
        handler = slow.assigned_to or world.users["officer_a"]
        dispatch.event_accept(event=slow, user=handler)
        dispatch.event_handle(event=slow, user=handler, note="已处理")
        dispatch.event_rate(event=slow, user=world.users["volunteer"], rating=2)
        aggregate.recompute(dt.date(2026, 11, 1), dt.date(2026, 11, 5))
    f = figures.station(world.users["chief"], figures.Range(dt.date(2026, 11, 1), dt.date(2026, 11, 5)))
    assert f["events_closed"] == 2 and f["events_in_time"] == 1
    assert f.rates["in_time_rate"] == 50.0 and f.rates["rating"] == 3.5


def test_stocks_are_taken_at_the_month_end_and_rates_per_1000_residents(world):
    from residents.models import Residence
    from tests.factories import HouseFactory, PersonFactory, ResidenceFactory

    base = Residence.objects.filter(grid=world.a1, end__isnull=True).count()  # the world's own residents
    house = HouseFactory(building=world.building("甲一网格"), unit="7单元707")
    for n in range(4):
        ResidenceFactory(person=PersonFactory(grid=world.a1, id_seq=900 + 2 * n), house=house,
                         start=dt.date(2026, 10, 1) if n < 3 else dt.date(2026, 11, 10))  # fmt: skip
    _visit(world, bj("2026-10-20 10:00"))
    with time_machine.travel(bj("2026-11-15 10:00"), tick=False):
        aggregate.recompute(dt.date(2026, 10, 1), dt.date(2026, 11, 15))
    assert value("residents", dt.date(2026, 10, 31), grid=world.a1) == base + 3
    assert value("residents", dt.date(2026, 10, 1), period=Period.MONTH, grid=world.a1) == base + 3
    assert value("residents", dt.date(2026, 11, 15), grid=world.a1) == base + 4
    assert value("residents", dt.date(2026, 11, 14), grid=world.a1) == 0  # stocks: month ends and the range's end
    october = figures.month_range(dt.date(2026, 10, 1))
    station = figures.station(world.users["chief"], october)
    assert station["residents"] >= 3 and station["visits"] == 1
    assert station.rates["visits_per_1000"] == round(1000 / station["residents"], 1)


def test_recomputing_a_range_equals_the_beats_incremental_runs(world):
    _visit(world, bj("2026-10-30 10:00"), participants=["aux_a"])
    _checks(world, bj("2026-10-31 20:00"), bj("2026-11-01 02:00"))
    _visit(world, bj("2026-11-01 08:00"))
    _visit(world, bj("2026-11-02 16:00"), user="officer_b")

    def snapshot():
        rows = Figure.objects.values_list("period", "start", "metric", "grid_id", "user_id", "value")
        return sorted(rows, key=lambda r: (r[0], r[1], r[2], r[3] or 0, r[4] or 0))

    for day in ("2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02"):
        for hour in ("09:00", "23:50"):
            with time_machine.travel(bj(f"{day} {hour}"), tick=False):
                tasks.figures_refresh()
    incremental = snapshot()
    Figure.objects.all().delete()
    with time_machine.travel(bj("2026-11-02 23:50"), tick=False):
        aggregate.recompute(dt.date(2026, 10, 29), dt.date(2026, 11, 2))
    recomputed = snapshot()
    flows = [r for r in recomputed if r[2] not in ("residents", "rental_houses", "rental_declared", "hazards_overdue")]
    assert [r for r in incremental if r[2] in {f[2] for f in flows}] == flows
    assert any(r[2] == "visits" for r in flows) and any(r[2] == "community_minutes" for r in flows)


def test_the_drill_down_lists_exactly_the_records_counted(world):
    _visit(world, bj("2026-11-03 10:00"), participants=["grid_worker"])
    _visit(world, bj("2026-11-04 10:00"), user="officer_b")
    with time_machine.travel(bj("2026-11-05 10:00"), tick=False):
        aggregate.recompute(dt.date(2026, 11, 1), dt.date(2026, 11, 5))
        rng = figures.Range(dt.date(2026, 11, 1), dt.date(2026, 11, 5))
        chief = world.users["chief"]
        assert figures.drill(chief, "visits", rng).count() == figures.station(chief, rng)["visits"] == 2
        for pg, f in figures.by_police_grid(chief, rng):
            assert figures.drill(chief, "visits", rng, police_grid=pg.pk).count() == f["visits"]
        for person, f in figures.by_officer(chief, rng):
            assert figures.drill(chief, "visits", rng, person=person.pk).count() == f["visits"]
        assert figures.drill(world.users["other_chief"], "visits", rng).count() == 0
        assert figures.station(world.users["other_chief"], rng)["visits"] == 0


def test_the_api_gives_the_chief_the_station_and_the_officer_themself(world, as_user):
    _visit(world, bj("2026-11-03 10:00"))
    with time_machine.travel(bj("2026-11-05 10:00"), tick=False):
        aggregate.recompute(dt.date(2026, 11, 1), dt.date(2026, 11, 5))
        chief = as_user("chief").get(reverse("kpi-station"), {"month": "2026-11"})
        assert chief.status_code == 200 and chief.json()["station"]["visits"] == 1
        names = {pg["name"]: pg["figures"]["visits"] for pg in chief.json()["police_grids"]}
        assert names[world.pg_a.name] == 1 and names[world.pg_b.name] == 0
        assert as_user("other_chief").get(reverse("kpi-station"), {"month": "2026-11"}).json()["station"]["visits"] == 0
        me = as_user("officer_a").get(reverse("kpi-me"), {"from": "2026-11-01", "to": "2026-11-05"})
        assert me.status_code == 200 and me.json()["figures"]["visits"] == 1
        assert as_user("officer_a").get(reverse("kpi-station")).status_code == 404
        for persona in ("grid_worker", "volunteer", "landlord", "mediator"):
            assert as_user(persona).get(reverse("kpi-me")).status_code == 404
        bad = as_user("chief").get(reverse("kpi-station"), {"month": "2026-13"})
        assert bad.status_code == 400 and "month" in bad.json()["detail"]


def test_the_figures_are_refreshed_by_the_beat():
    entries = {e["task"]: e for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "kpi.tasks.figures_refresh" in entries


@pytest.mark.parametrize("month", ["2026-02", "2028-02"])
def test_month_ranges_end_on_the_last_day(month):
    rng = figures.parse_range({"month": month})
    assert rng.first.day == 1 and (rng.last + dt.timedelta(days=1)).day == 1 and rng.whole_months
