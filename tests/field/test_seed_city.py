"""The city's year of field work on a small stand-in city (the test world's grids and staff)."""

import random

from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from field import seed
from field.models import Check
from grid.models import CommunityGrid
from residents.models import Visit


def _quiet(*args):
    pass


def test_a_year_of_check_ins_and_visits_for_the_police_staff(world):
    for g in CommunityGrid.objects.all():
        CommunityGrid.objects.filter(pk=g.pk).update(code=f"CITY-{g.code}")
    staff = [world.users[n] for n in ("officer_a", "officer_b", "other_station_officer", "aux_a")]
    for u in staff:
        User.objects.filter(pk=u.pk).update(username=f"city-{u.username}")
    result = seed.seed_city(rng=random.Random(5), out=_quiet, days=60)
    assert result["created"] and result["staff"] == 4 and result["visits"] == Visit.objects.count() > 4 * 40

    today = timezone.localdate()
    for u in staff:
        checks = Check.objects.filter(user=u)
        days = {timezone.localdate(c.at) for c in checks}
        # A working day: one check-in in the morning and one check-out in the afternoon; no Sundays, nothing today.
        assert 35 <= len(days) <= 52 and all(
            d.weekday() != 6 and today - d <= timezone.timedelta(days=60) for d in days
        )
        assert checks.filter(kind="in").count() == checks.filter(kind="out").count() == len(days)
        assert all(timezone.localtime(c.at).hour == (8 if c.kind == "in" else 16) for c in checks)
        # Visits only in the person's own grids, on the days they worked.
        visits = Visit.objects.filter(user=u)
        assert {timezone.localdate(v.at) for v in visits} <= days
    # Each works only in their own grids: the officer the police grid's, the auxiliary those they look after.
    own = {"officer_a": {world.a1, world.a2}, "officer_b": {world.b1}, "other_station_officer": {world.c1},
           "aux_a": {world.a1}}  # fmt: skip
    for name, grids in own.items():
        visited = set(Visit.objects.filter(user=world.users[name]).values_list("grid_id", flat=True))
        assert visited == {g.pk for g in grids}, name
    # A third of the visits in a grid with a grid worker were made together with them.
    with_worker = Visit.objects.exclude(grid__grid_worker=None)
    together = with_worker.annotate(n=Count("participants")).filter(n=1)
    assert 0.2 < together.count() / with_worker.count() < 0.45
    assert all(v.participants.get() == v.grid.grid_worker for v in together[:50])
    assert not Visit.objects.filter(grid__grid_worker=None).exclude(participants=None).exists()
    assert seed.seed_city(rng=random.Random(5), out=_quiet, days=60) == {"created": False}
