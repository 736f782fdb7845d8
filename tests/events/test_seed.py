"""The demo's grid events (every state, the escalation clock, volunteers' points, idempotent) on
top of the demo grids; and the city's rows on a small stand-in city."""

import random

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from faker import Faker

from accounts.models import Role, User
from events import seed, selectors
from events.models import Event, EventLog, EventPhoto, PointAward, State, Supporter, Tier
from grid import seed as grid_seed
from grid.models import CommunityGrid


def _quiet(*args):
    pass


def test_the_demo_events(db):
    """One seeding (a few seconds), checked from every side."""
    rng, fake = random.Random(7), Faker("zh_CN")
    fake.seed_instance(7)
    grid_seed.seed_demo(password="demo-password", rng=rng, fake=fake, out=_quiet)
    lines = []
    result = seed.seed_demo(rng=rng, out=lines.append)
    assert result["created"] and result["skipped"] == 0, lines
    assert len(lines) == 2 and lines[1].startswith("  events: 400 (")
    assert lines[0] == "  roster: 6 applications waiting, 2 suspended, 1 left"

    # ~60 volunteers spread over the demo grids, who can log in.
    volunteers = User.objects.filter(role=Role.VOLUNTEER).exclude(username="volunteer1")
    assert volunteers.count() == result["volunteers"] == 60
    # Five a grid (volunteer1 a sixth), less the two suspended and the one who left.
    active = [g.members.filter(status="active").count() for g in CommunityGrid.objects.all()]
    assert sum(active) == 61 - 3 and min(active) >= 2
    assert volunteers.first().check_password(settings.DEMO_PASSWORD)

    # Every state and tier; escalated by the clock, by hand, to departments; reopened; rated mostly 4–5.
    assert Event.objects.count() == 400
    assert set(Event.objects.values_list("state", flat=True)) == set(State.values)
    assert set(Event.objects.values_list("tier", flat=True)) == set(Tier.values)
    assert EventLog.objects.filter(action="auto_escalated", user=None).count() >= 30
    assert EventLog.objects.filter(action="escalated").count() >= 20
    assert Event.objects.filter(tier=Tier.DEPARTMENT).exclude(department="").count() >= 5
    assert not Event.objects.filter(tier__lt=Tier.DEPARTMENT).exclude(department="").exists()
    assert Event.objects.filter(reopen_count=1).count() >= 5
    ratings = list(Event.objects.filter(state=State.CLOSED).values_list("rating", flat=True))
    assert None not in ratings and set(ratings) == {1, 2, 3, 4, 5}
    assert sum(r >= 4 for r in ratings) > 0.6 * len(ratings)
    assert Supporter.objects.exists() and 0 < EventPhoto.objects.count() <= 60

    # Everything in the past; below the station nothing is left past its limit (the beat would have moved it).
    now = timezone.now()
    assert not EventLog.objects.filter(at__gt=now).exists()
    assert not Event.objects.filter(tier__lt=Tier.STATION).filter(selectors.overdue_q(now)).exists()
    for e in Event.objects.filter(state=State.CLOSED)[:100]:
        assert e.reported_at <= e.accepted_at <= e.handled_at <= e.closed_at
        assert [log.action for log in e.log.all()][0] == "reported"

    # volunteer1 and gridworker1 have pages with content; points make a leaderboard.
    volunteer1, worker = User.objects.get(username="volunteer1"), User.objects.get(username="gridworker1")
    assert selectors.reported_by(volunteer1).count() >= 10
    assert selectors.to_rate(volunteer1).exists()
    assert PointAward.objects.filter(user=volunteer1).exists()
    assert Event.objects.filter(handler=worker).count() >= 10 and selectors.reported_by(worker).exists()
    board = selectors.leaderboard(volunteer1.memberships.get().grid)
    assert board and volunteer1.pk in [row["user_id"] for row in board]

    # A second run adds nothing.
    models = (Event, EventLog, PointAward, Supporter, EventPhoto, User)
    counts = [m.objects.count() for m in models]
    assert seed.seed_demo(rng=random.Random(1), out=_quiet) == {"created": False}
    assert [m.objects.count() for m in models] == counts


def test_the_city_seed_writes_consistent_rows(world):
    """The test world's grids stand in for the city's (their codes made CITY-)."""
    for g in CommunityGrid.objects.all():
        CommunityGrid.objects.filter(pk=g.pk).update(code=f"CITY-{g.code}")
    result = seed.seed_city(rng=random.Random(3), out=_quiet, count=3000, volunteers=40, chunk=1000)
    assert result["created"] and result["events"] == Event.objects.count() == 3000
    assert result["volunteers"] == User.objects.filter(username__startswith="city-volunteer-").count() == 40
    assert all(g.members.filter(user__username__startswith="city-").count() == 10 for g in CommunityGrid.objects.all())

    assert set(Event.objects.values_list("state", flat=True)) == set(State.values)
    assert set(Event.objects.values_list("tier", flat=True)) == set(Tier.values)
    now = timezone.now()
    assert not Event.objects.filter(tier__lt=Tier.STATION).filter(selectors.overdue_q(now)).exists()
    assert not EventLog.objects.filter(at__gt=now).exists()
    assert EventLog.objects.filter(action="reported").count() == 3000
    assert EventLog.objects.filter(action="auto_escalated").exists()
    for e in Event.objects.select_related("grid__police_grid")[:400]:
        actions = [log.action for log in e.log.all()]
        assert actions[0] == "reported" and e.handler_id != e.reporter_id
        if e.state == State.CLOSED:
            assert actions[-1] == "rated" and e.rating and e.closed_at
        if e.state in (State.ACCEPTED, State.HANDLED):
            assert e.handler_id and e.accepted_at
        if e.tier == Tier.POLICE_GRID and e.handler_id:
            assert e.handler_id == e.grid.police_grid.officer_id
    # Points for each accepted report by a volunteer or grid worker; supporters never the reporter.
    accepted = Event.objects.filter(reporter__role__in=(Role.VOLUNTEER, Role.GRID_WORKER)).exclude(accepted_at=None)
    assert PointAward.objects.filter(reason="accepted").count() == accepted.count()
    assert not Supporter.objects.filter(user_id=F("event__reporter_id")).exists()
    assert selectors.leaderboard(world.a1)
    assert seed.seed_city(rng=random.Random(3), out=_quiet, count=3000) == {"created": False}
