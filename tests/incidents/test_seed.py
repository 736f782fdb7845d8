"""The demo's incidents over the demo grids, and the city's rows on a small stand-in city: the
heat cells match the incidents either way."""

import datetime as dt
import random
from collections import Counter

from django.utils import timezone
from faker import Faker

from grid import seed as grid_seed
from grid.models import CommunityGrid
from incidents import seed
from incidents.models import Category, HeatCell, Incident


def _quiet(*args):
    pass


KEY = ("cell_lat", "cell_lng", "day", "category", "grid_id")


def _hand_count():
    return Counter(Incident.objects.exclude(cell_lat=None).values_list(*KEY))


def _cells():
    return Counter({row[:-1]: row[-1] for row in HeatCell.objects.values_list(*KEY, "count")})


def test_the_demo_incidents(db):
    rng, fake = random.Random(7), Faker("zh_CN")
    fake.seed_instance(7)
    grid_seed.seed_demo(password="demo-password", rng=rng, fake=fake, out=_quiet)
    result = seed.seed_demo(rng=rng, out=_quiet, count=1200)
    assert result["created"] and Incident.objects.count() == 1200
    assert set(Incident.objects.values_list("category", flat=True)) == set(Category.values)
    assert Incident.objects.filter(number__regex=r"^640106(2024|2025|2026)\d{6}$").count() == 1200
    now = timezone.now()
    first = Incident.objects.order_by("occurred_at").first().occurred_at
    assert now - dt.timedelta(days=731) < first < now - dt.timedelta(days=600)
    assert not Incident.objects.filter(occurred_at__gt=now).exists()
    assert _cells() == _hand_count()
    # Clustered: the busiest cell holds many more than an even spread would.
    per_cell = Counter(Incident.objects.exclude(cell_lat=None).values_list("cell_lat", "cell_lng"))
    assert max(per_cell.values()) > 5 * sum(per_cell.values()) / len(per_cell)
    assert Incident.objects.filter(grid=None).count() < 100
    assert seed.seed_demo(rng=rng, out=_quiet) == {"created": False}


def test_the_city_seed_builds_the_heat_cells_in_sql(world):
    for g in CommunityGrid.objects.all():
        CommunityGrid.objects.filter(pk=g.pk).update(code=f"CITY-{g.code}")
    result = seed.seed_city(rng=random.Random(3), out=_quiet, count=3000)
    assert result["created"] and Incident.objects.count() == 3000
    assert _cells() == _hand_count()
    assert set(Incident.objects.values_list("grid_id", flat=True)) <= {
        world.a1.pk,
        world.a2.pk,
        world.b1.pk,
        world.c1.pk,
    }
    assert seed.seed_city(rng=random.Random(3), out=_quiet, count=3000) == {"created": False}
