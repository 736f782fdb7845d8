"""The topic workflow: meeting with topics, plan → progress → close / cannot be solved, the one
transition table, the timeline, refusals with field keys, who may write."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.topics.helpers import meeting, plan, topic
from topics import services
from topics.models import State, Topic, TopicEvent


def test_a_meeting_is_recorded_with_several_topics_each_on_its_timeline(world):
    m = meeting(world, titles=("小区停车难", "楼道照明", "广场舞噪音"))
    assert m.grid == world.a1 and m.host == world.users["grid_worker"]
    assert m.attendee_count == 2  # counted from the attendee lines
    topics = list(m.topics.order_by("id"))
    assert [t.title for t in topics] == ["小区停车难", "楼道照明", "广场舞噪音"]
    assert all(t.state == State.RAISED and t.grid == world.a1 and t.raised_at == m.held_at for t in topics)
    assert TopicEvent.objects.filter(topic__meeting=m, action="raised", to_state=State.RAISED).count() == 3


def test_the_whole_way_to_closed_is_on_the_timeline(world):
    t = topic(world)
    t = plan(world, t)
    assert (t.state, t.responsible_party, t.responsible_name) == (State.PLANNED, "property", "绿城物业")
    t = services.topic_progress(user=world.users["aux_a"], topic=t, note="已施划20个车位")
    t = services.topic_progress(user=world.users["aux_a"], topic=t, note="又施划10个")
    t = services.topic_close(user=world.users["grid_worker"], topic=t, result="新增车位30个")
    assert t.state == State.CLOSED and t.closed_at is not None and t.result == "新增车位30个"
    rows = list(t.events.values_list("action", "from_state", "to_state", "user__username"))
    assert rows == [
        ("raised", "", "raised", "grid_worker"),
        ("plan", "raised", "planned", "officer_a"),
        ("progress", "planned", "in_progress", "aux_a"),
        ("progress", "in_progress", "in_progress", "aux_a"),
        ("close", "in_progress", "closed", "grid_worker"),
    ]


def test_a_plan_can_be_revised_and_a_planned_topic_closed_directly(world):
    t = plan(world, topic(world))
    t = plan(world, t, due_on=timezone.localdate() + dt.timedelta(days=30))
    assert t.events.filter(action="replan", from_state="planned", to_state="planned").exists()
    t = services.topic_close(user=world.users["officer_a"], topic=t, result="已解决")
    assert t.state == State.CLOSED


def test_a_topic_that_cannot_be_solved_keeps_its_reason(world):
    t = services.topic_unsolvable(user=world.users["officer_a"], topic=topic(world), reason="规划不允许")
    assert t.state == State.UNSOLVABLE and t.reason == "规划不允许" and t.closed_at is not None
    assert t.events.last().action == "unsolvable"


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("raised", "progress"),
        ("raised", "close"),
        ("in_progress", "plan"),
        ("closed", "plan"),
        ("closed", "progress"),
        ("closed", "close"),
        ("closed", "unsolvable"),
        ("unsolvable", "close"),
        ("unsolvable", "plan"),
    ],
)
def test_steps_the_state_does_not_allow_are_refused_with_the_state_key(world, state, action):
    t = topic(world)
    Topic.objects.filter(pk=t.pk).update(state=state)
    t.refresh_from_db()
    user = world.users["officer_a"]
    call = {
        "plan": lambda: plan(world, t),
        "progress": lambda: services.topic_progress(user=user, topic=t, note="x"),
        "close": lambda: services.topic_close(user=user, topic=t, result="x"),
        "unsolvable": lambda: services.topic_unsolvable(user=user, topic=t, reason="x"),
    }[action]
    with pytest.raises(ValidationError) as exc:
        call()
    assert "state" in exc.value.message_dict
    t.refresh_from_db()
    assert t.state == state and t.events.count() == 1


def test_the_transition_table_covers_every_action_and_leads_to_real_states():
    assert set(services.TRANSITIONS) == {"plan", "progress", "close", "unsolvable"}
    for sources, target in services.TRANSITIONS.values():
        assert target in State.values and set(sources) <= set(State.values)
        assert State.CLOSED not in sources and State.UNSOLVABLE not in sources


def test_missing_input_is_refused_by_field_and_nothing_is_saved(world, english):
    with pytest.raises(ValidationError) as exc:
        services.meeting_create(
            user=world.users["grid_worker"], grid=world.a1, held_at=None, place="", attendee_count=-1,
            topics=[services.TopicInput(title="停车"), services.TopicInput(raised_by="王阿姨", category="nope")],
        )  # fmt: skip
    errors = exc.value.message_dict
    assert {"held_at", "place", "attendee_count", "topic-0-raised_by", "topic-1-title", "topic-1-category"} <= set(
        errors
    )
    assert not Topic.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.meeting_create(user=world.users["grid_worker"], grid=world.a1, held_at=timezone.now(), place="x")
    assert "topics" in exc.value.message_dict


def test_a_plan_needs_its_parts(world, english):
    t = topic(world)
    with pytest.raises(ValidationError) as exc:
        services.topic_plan(user=world.users["officer_a"], topic=t, plan=" ", responsible_party="department",
                            due_on=None)  # fmt: skip
    assert set(exc.value.message_dict) == {"plan", "responsible_name", "due_on"}
    with pytest.raises(ValidationError) as exc:
        plan(world, t, due_on=timezone.localdate() - dt.timedelta(days=3))
    assert "due_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.topic_close(user=world.users["officer_a"], topic=plan(world, t), result="")
    assert "result" in exc.value.message_dict


def test_a_future_meeting_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        meeting(world, held_at=timezone.now() + dt.timedelta(days=1))
    assert "held_at" in exc.value.message_dict


@pytest.mark.parametrize("persona", ["volunteer", "officer_b", "other_chief", "landlord", "mediator"])
def test_volunteers_and_outsiders_may_not_write(world, persona):
    with pytest.raises(ValidationError):
        meeting(world, persona)
    t = topic(world)
    with pytest.raises(ValidationError):
        services.topic_unsolvable(user=world.users[persona], topic=t, reason="x")
    t.refresh_from_db()
    assert t.state == State.RAISED


def test_topics_are_added_to_a_recorded_meeting(world):
    m = meeting(world)
    added = services.topic_add(
        user=world.users["aux_a"], meeting=m,
        topics=[services.TopicInput(raised_by="楼长", title="电动车充电桩不足", category="facility")],
    )  # fmt: skip
    assert [t.title for t in added] == ["电动车充电桩不足"] and m.topics.count() == 2


def test_a_registry_person_of_the_grid_can_be_linked(world, english):
    person = world.person("甲一网格")
    m = services.meeting_create(
        user=world.users["grid_worker"], grid=world.a1, held_at=timezone.now(), place="民生茶馆",
        topics=[services.TopicInput(person=person, title="楼道照明", category="facility")],
    )  # fmt: skip
    t = m.topics.get()
    assert t.person == person and t.raised_by == person.name
    with pytest.raises(ValidationError) as exc:
        services.meeting_create(
            user=world.users["grid_worker"], grid=world.a1, held_at=timezone.now(), place="民生茶馆",
            topics=[services.TopicInput(person=world.person("乙一网格"), title="楼道照明")],
        )  # fmt: skip
    assert "topic-0-person" in exc.value.message_dict
