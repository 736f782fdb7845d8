"""The demo's community topics (every state, realistic, idempotent) on top of the demo grids; and
the city's rows on a small stand-in city."""

import random

from faker import Faker

from grid import seed as grid_seed
from grid.models import CommunityGrid
from tests.topics.helpers import meeting
from topics import seed, selectors
from topics.models import Meeting, State, Topic, TopicEvent


def _quiet(*args):
    pass


def test_the_demo_topics(db):
    rng, fake = random.Random(7), Faker("zh_CN")
    fake.seed_instance(7)
    grid_seed.seed_demo(password="demo-password", rng=rng, fake=fake, out=_quiet)
    lines = []
    result = seed.seed_demo(rng=random.Random(1), out=lines.append)
    assert result["created"], lines
    assert Meeting.objects.count() == 8 and 28 <= Topic.objects.count() <= 40
    assert set(Topic.objects.values_list("state", flat=True)) == set(State.values)
    assert Topic.objects.filter(selectors.overdue_q()).exists()
    assert (
        Topic.objects.filter(state=State.CLOSED).exclude(result="").count()
        == Topic.objects.filter(state=State.CLOSED).count()
    )
    assert all(m.attendee_count >= len(m.attendee_list) > 0 for m in Meeting.objects.all())
    # Every step is on the timeline, in order, and the last one is the topic's state.
    for t in Topic.objects.prefetch_related("events"):
        events = list(t.events.all())
        assert events[0].action == "raised" and events[-1].to_state == t.state
    assert seed.seed_demo(rng=random.Random(1), out=_quiet) == {"created": False}
    assert Meeting.objects.count() == 8


def test_the_city_seed_writes_consistent_rows(world):
    """The test world's grids stand in for the city's (their codes made CITY-)."""
    for g in CommunityGrid.objects.all():
        CommunityGrid.objects.filter(pk=g.pk).update(code=f"CITY-{g.code}")
    result = seed.seed_city(rng=random.Random(3), out=_quiet, count=1000)
    assert result["created"] and result["topics"] == Topic.objects.count() == 1000
    assert Meeting.objects.count() == result["meetings"] == 125
    assert set(Topic.objects.values_list("state", flat=True)) == set(State.values)
    # Each topic's last timeline row is its state; closed ones have a closing time and a due date.
    last = {}
    for topic_id, to_state in TopicEvent.objects.order_by("at", "id").values_list("topic_id", "to_state"):
        last[topic_id] = to_state
    assert all(last[t.pk] == t.state for t in Topic.objects.only("id", "state"))
    assert not Topic.objects.filter(state=State.CLOSED, closed_at__isnull=True).exists()
    assert not Topic.objects.exclude(state=State.RAISED).filter(due_on__isnull=True).exists()
    # The ORM reads them: the closure rate per grid adds up.
    rows = selectors.closure_by_grid(world.users["admin"], since=None)
    assert sum(r["raised"] for r in rows) == 1000
    # New topics still get ids after the bulk rows.
    assert meeting(world, titles=("新议题",)).topics.get().pk > 1000
    assert seed.seed_city(rng=random.Random(3), out=_quiet, count=1000) == {"created": False}
