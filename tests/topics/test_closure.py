"""The closure rate per grid on a hand-made set of topics: closed ÷ raised in the period, and
closed by the due date ÷ raised in the period; overdue = past the due date and not closed."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.topics.helpers import meeting, plan
from topics import selectors, services

SH = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


@pytest.fixture
def fixture_topics(world):
    """甲一: 5 topics raised on 2 March 2026 (due 16 March): closed on 10 March (on time), closed on
    16 March at 23:00 local (on time: the due date counts whole), closed on 20 March (late), cannot
    be solved, still in progress (overdue by April). 甲二: 1 topic raised, planned. 甲一 also has a
    topic raised in January, outside the period. Read on 1 April 2026."""
    officer = world.users["officer_a"]
    with time_machine.travel(dt.datetime(2026, 1, 10, 12, tzinfo=SH), tick=False):
        old = meeting(world, titles=("一月的议题",))
        plan(world, old.topics.get(), due_on=dt.date(2026, 1, 20))
    with time_machine.travel(START, tick=False):
        m = meeting(world, titles=("准时", "最后一天", "晚了", "解决不了", "还在办"))
        t = {x.title: plan(world, x, due_on=dt.date(2026, 3, 16)) for x in m.topics.all()}
        other = meeting(world, "officer_a", grid=world.a2, titles=("甲二的议题",)).topics.get()
        plan(world, other, due_on=dt.date(2026, 3, 30))
    for title, at in (("准时", (3, 10)), ("最后一天", (3, 16, 23)), ("晚了", (3, 20))):
        with time_machine.travel(dt.datetime(2026, *at, tzinfo=SH), tick=False):
            services.topic_close(user=officer, topic=t[title], result="已解决")
    with time_machine.travel(dt.datetime(2026, 3, 5, tzinfo=SH), tick=False):
        services.topic_unsolvable(user=officer, topic=t["解决不了"], reason="规划不允许")
        services.topic_progress(user=officer, topic=t["还在办"], note="推进中")
    with time_machine.travel(dt.datetime(2026, 4, 1, 9, tzinfo=SH), tick=False):
        yield


def _rows(user, **kw):
    return {r["grid"]: r for r in selectors.closure_by_grid(user, **kw)}


def test_closure_rate_per_grid_over_the_period(world, fixture_topics):
    since = dt.datetime(2026, 3, 1, tzinfo=SH)
    rows = _rows(world.users["chief"], since=since)
    a1, a2 = rows["甲一网格"], rows["甲二网格"]
    assert (a1["raised"], a1["closed"], a1["on_time"], a1["unsolvable"], a1["open"]) == (5, 3, 2, 1, 1)
    assert a1["rate"] == pytest.approx(3 / 5) and a1["on_time_rate"] == pytest.approx(2 / 5)
    assert a1["overdue"] == 1
    assert (a2["raised"], a2["closed"], a2["rate"], a2["overdue"]) == (1, 0, 0.0, 1)
    assert "乙一网格" not in rows  # nothing raised there: no row, not 0 %
    total = selectors.totals(list(rows.values()))
    assert (total["raised"], total["closed"], total["rate"]) == (6, 3, 0.5)


def test_the_period_decides_which_topics_count(world, fixture_topics):
    everything = _rows(world.users["chief"], since=None)["甲一网格"]
    assert (everything["raised"], everything["closed"], everything["overdue"]) == (6, 3, 2)
    assert (
        _rows(world.users["chief"], since=dt.datetime(2026, 3, 1, tzinfo=SH), until=dt.datetime(2026, 3, 2, tzinfo=SH))
        == {}
    )


def test_closure_rate_is_scoped(world, fixture_topics):
    assert set(_rows(world.users["grid_worker"], since=None)) == {"甲一网格"}
    assert _rows(world.users["officer_b"], since=None) == {}
    assert _rows(world.users["landlord"], since=None) == {}
    assert set(_rows(world.users["officer_a"], since=None)) == {"甲一网格", "甲二网格"}


def test_overdue_filter(world, fixture_topics):
    titles = set(
        selectors.topics_for_user(world.users["chief"]).filter(selectors.overdue_q()).values_list("title", flat=True)
    )
    assert titles == {"还在办", "甲二的议题", "一月的议题"}
