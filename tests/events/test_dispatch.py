"""Tiered dispatch and the escalation clock (time travel), 采办分离, feedback, rating, reopening,
duplicate suggestion and points."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from events import dispatch
from events.models import Event, EventLog, PointAward, State, Tier, TierLimit
from tests.events.helpers import report

pytestmark = pytest.mark.django_db
T0 = timezone.make_aware(dt.datetime(2026, 6, 1, 9, 0))


def test_a_volunteers_report_goes_to_the_grid_with_its_clock(world):
    with time_machine.travel(T0, tick=False):
        event = report(world)
    assert event.grid == world.a1 and event.tier == Tier.GRID and event.state == State.REPORTED
    assert event.accept_by == T0 + dt.timedelta(hours=2)  # facility: normal limits
    assert {u.username for u in dispatch.candidates(event)} == {"grid_worker", "aux_a"}
    assert [e.action for e in event.log.all()] == ["reported"]


def test_urgent_categories_have_shorter_limits_and_limits_are_configurable(world):
    with time_machine.travel(T0, tick=False):
        fire = report(world, category="fire")
        assert fire.accept_by == T0 + dt.timedelta(minutes=30)
        TierLimit.objects.create(category="facility", tier=Tier.GRID, accept_minutes=15, handle_minutes=60)
        lamp = report(world, category="facility", dx=0.001)
        assert lamp.accept_by == T0 + dt.timedelta(minutes=15)


def test_the_reporter_never_handles_their_own_event(world):
    event = report(world, user="grid_worker")
    # The grid worker reported it: at the grid tier only the auxiliary may take it.
    assert [u.username for u in dispatch.candidates(event)] == ["aux_a"]
    with pytest.raises(ValidationError):
        dispatch.event_accept(event=event, user=world.users["grid_worker"])
    dispatch.event_accept(event=event, user=world.users["aux_a"])
    event.refresh_from_db()
    assert event.handler == world.users["aux_a"]


def test_no_one_but_the_reporter_at_the_grid_sends_it_to_the_police_grid(world):
    world.a1.auxiliary = None
    world.a1.save()
    event = report(world, user="grid_worker")
    assert event.tier == Tier.POLICE_GRID
    assert [u.username for u in dispatch.candidates(event)] == ["officer_a"]


def test_not_accepted_in_time_escalates_automatically_up_to_the_station(world):
    with time_machine.travel(T0, tick=False):
        event = report(world)
    assert dispatch.escalate_due(at=T0 + dt.timedelta(hours=1)) == 0
    assert dispatch.escalate_due(at=T0 + dt.timedelta(hours=2, minutes=1)) == 1
    event.refresh_from_db()
    assert event.tier == Tier.POLICE_GRID and event.state == State.REPORTED and event.escalations == 1
    assert event.accept_by == T0 + dt.timedelta(hours=4, minutes=1)
    assert dispatch.escalate_due(at=T0 + dt.timedelta(hours=5)) == 1
    event.refresh_from_db()
    assert event.tier == Tier.STATION
    assert [u.username for u in dispatch.candidates(event)] == ["chief"]
    assert dispatch.escalate_due(at=T0 + dt.timedelta(days=30)) == 0  # the station passes it on by hand
    log = list(EventLog.objects.filter(event=event, action="auto_escalated").values_list("tier", flat=True))
    assert log == [Tier.POLICE_GRID, Tier.STATION]


def test_not_handled_in_time_escalates_too(world):
    with time_machine.travel(T0, tick=False):
        event = report(world)
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        dispatch.event_accept(event=event, user=world.users["grid_worker"])
    event.refresh_from_db()
    assert event.handle_by == T0 + dt.timedelta(minutes=10, hours=24)
    assert dispatch.escalate_due(at=T0 + dt.timedelta(hours=25)) == 1
    event.refresh_from_db()
    assert event.tier == Tier.POLICE_GRID and event.state == State.REPORTED and event.handler is None


def test_the_whole_cycle_with_a_manual_escalation_feedback_rating_and_points(world):
    event = report(world)
    dispatch.event_escalate(event=event, user=world.users["grid_worker"], reason="需要民警到场")
    event.refresh_from_db()
    assert event.tier == Tier.POLICE_GRID
    with pytest.raises(ValidationError):  # the grid worker is no longer this tier's handler
        dispatch.event_accept(event=event, user=world.users["grid_worker"])
    dispatch.event_accept(event=event, user=world.users["officer_a"])
    with pytest.raises(ValidationError):
        dispatch.event_handle(event=event, user=world.users["officer_b"], note="x")
    with pytest.raises(ValidationError) as exc:
        dispatch.event_handle(event=event, user=world.users["officer_a"], note="")
    assert "note" in exc.value.message_dict
    dispatch.event_handle(event=event, user=world.users["officer_a"], note="已联系物业更换灯泡")
    with pytest.raises(ValidationError):  # only the reporter rates
        dispatch.event_rate(event=event, user=world.users["officer_a"], rating=5)
    dispatch.event_reopen(event=event, user=world.users["volunteer"], reason="还是不亮")
    event.refresh_from_db()
    assert event.state == State.ACCEPTED and event.handler == world.users["officer_a"]
    dispatch.event_handle(event=event, user=world.users["officer_a"], note="已更换整套灯具")
    with pytest.raises(ValidationError):  # once only
        dispatch.event_reopen(event=event, user=world.users["volunteer"], reason="again")
    with pytest.raises(ValidationError):
        dispatch.event_rate(event=event, user=world.users["volunteer"], rating=6)
    dispatch.event_rate(event=event, user=world.users["volunteer"], rating=4, comment="满意")
    event.refresh_from_db()
    assert event.state == State.CLOSED and event.rating == 4
    assert [e.action for e in event.log.all()] == [
        "reported", "escalated", "accepted", "handled", "reopened", "handled", "rated",
    ]  # fmt: skip
    assert PointAward.objects.get(user=world.users["volunteer"], event=event).points == dispatch.POINTS_ACCEPTED


def test_the_station_passes_an_event_to_a_named_department(world):
    event = report(world, category="environment")
    for user in ("grid_worker", "officer_a"):
        dispatch.event_escalate(event=event, user=world.users[user], reason="超出职权")
    event.refresh_from_db()
    assert event.tier == Tier.STATION
    with pytest.raises(ValidationError) as exc:
        dispatch.event_escalate(event=event, user=world.users["chief"], reason="环卫职责")
    assert "department" in exc.value.message_dict
    dispatch.event_escalate(event=event, user=world.users["chief"], reason="环卫职责", department="区城管局")
    event.refresh_from_db()
    assert event.tier == Tier.DEPARTMENT and event.department == "区城管局"
    dispatch.event_accept(event=event, user=world.users["chief"])  # the station records the department's answer


def test_similar_open_events_are_offered_within_100_m_and_48_h(world):
    with time_machine.travel(T0, tick=False):
        near = report(world)
        report(world, category="noise")  # another category
        far = report(world, dx=0.002)  # ~220 m north
    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        b = world.building("甲一网格")
        found = dispatch.similar_open(category="facility", lat=b.lat + 0.0005, lng=b.lng)  # ~55 m away
        assert found == [near] and 50 <= found[0].distance <= 60
        assert far not in found
    with time_machine.travel(T0 + dt.timedelta(hours=49), tick=False):
        assert dispatch.similar_open(category="facility", lat=b.lat, lng=b.lng) == []
    dispatch.event_join(event=near, user=world.users["volunteer_b"], note="我也看到了")
    with pytest.raises(ValidationError):
        dispatch.event_join(event=near, user=world.users["volunteer_b"])
    assert near.supporters.count() == 1


def test_a_point_outside_every_grid_is_refused_with_nothing_saved(world):
    with pytest.raises(ValidationError) as exc:
        dispatch.event_report(user=world.users["volunteer"], category="other", description="x", lat=10.0, lng=10.0)
    assert "location" in exc.value.message_dict
    assert not Event.objects.exists()


def test_events_are_visible_to_their_grid_and_to_their_reporter(world):
    event = report(world, user="volunteer_b", grid="甲一网格")  # volunteer_b's grid is 乙一
    for name, sees in {"volunteer_b": True, "officer_a": True, "chief": True, "grid_worker": True,
                       "officer_b": False, "other_station_officer": False, "landlord": False}.items():  # fmt: skip
        assert Event.objects.visible_to(world.users[name]).filter(pk=event.pk).exists() is sees, name


def test_a_handlers_task_list(world):
    from events import selectors

    event = report(world)
    assert list(selectors.tasks_for(world.users["grid_worker"])) == [event]
    assert list(selectors.tasks_for(world.users["officer_a"])) == []
    assert list(selectors.tasks_for(world.users["volunteer"])) == []  # the reporter
    dispatch.event_escalate(event=event, user=world.users["grid_worker"], reason="需要民警")
    assert list(selectors.tasks_for(world.users["grid_worker"])) == []
    assert list(selectors.tasks_for(world.users["officer_a"])) == [event]
    dispatch.event_accept(event=event, user=world.users["officer_a"])
    assert list(selectors.tasks_for(world.users["officer_a"])) == [event]
    assert list(selectors.reported_by(world.users["volunteer"])) == [event]


def test_my_reports_hold_what_i_reported_and_what_i_added_to_each_once(world):
    from events import selectors

    mine, theirs = report(world), report(world)
    worker = world.users["grid_worker"]
    assert list(selectors.reported_by(worker)) == []
    dispatch.event_join(event=theirs, user=worker, note="我也看到了")
    dispatch.event_join(event=mine, user=worker)
    assert list(selectors.reported_by(worker)) == [theirs, mine]  # newest first
    assert list(selectors.reported_by(world.users["volunteer"])) == [theirs, mine]
