"""The demo's noise sensors (a week of readings, alerts of every kind, idempotent) on top of the
demo grids; and the city's sensors on a small stand-in city."""

import random

from faker import Faker

from grid import seed as grid_seed
from grid.models import CommunityGrid
from noise import seed
from noise.models import Alert, AlertState, Reading, Sensor
from noise.selectors import recent_alert_counts


def _quiet(*args):
    pass


def test_the_demo_sensors(db):
    rng, fake = random.Random(7), Faker("zh_CN")
    fake.seed_instance(7)
    grid_seed.seed_demo(password="demo-password", rng=rng, fake=fake, out=_quiet)
    lines = []
    result = seed.seed_demo(rng=rng, out=lines.append)
    assert result["created"] and len(lines) == 1 and lines[0].startswith("  noise: 5 sensors")
    assert Sensor.objects.count() == 5
    assert 5 * 7 * 1440 <= Reading.objects.count() == result["readings"] <= 5 * 8 * 1440
    # The KTV sensor: a building of officer1's police grid, class 1, landlord1 its contact.
    ktv = Sensor.objects.select_related("grid__police_grid__officer", "building", "contact").get(name__contains="KTV")
    assert ktv.grid.police_grid.officer.username == "officer1"
    assert ktv.building is not None and ktv.zone_class in ("1", "2") and ktv.contact.username == "landlord1"
    # Night exceedances, sudden spikes, a day episode; some dealt with, some open.
    kinds = set(Alert.objects.values_list("kind", "period"))
    assert {("sustained", "night"), ("sudden", "night"), ("sustained", "day")} <= kinds
    assert set(Alert.objects.values_list("state", flat=True)) == set(AlertState.values)
    assert recent_alert_counts([ktv.pk])[ktv.pk] >= 3  # the dispute suggestion shows
    # The single spikes by day (14:03, every other day) raise nothing.
    assert not Alert.objects.filter(window_start__hour=14, window_start__minute=0).exists()
    again = seed.seed_demo(rng=rng, out=_quiet)
    assert again == {"created": False} and Sensor.objects.count() == 5


def test_the_city_sensors(world):
    """The test world's grids stand in for the city's (their codes made CITY-)."""
    for g in CommunityGrid.objects.all():
        g.code = f"CITY-{g.code}"
        g.save(update_fields=["code"])
    result = seed.seed_city(rng=random.Random(3), out=_quiet, count=6)
    assert result["created"] and result["sensors"] == Sensor.objects.count() == 6
    assert Reading.objects.count() == result["readings"] == 6 * 1440
    assert Alert.objects.count() == result["alerts"]
    assert all(a.grid_id == a.sensor.grid_id for a in Alert.objects.select_related("sensor"))
    assert seed.seed_city(rng=random.Random(3), out=_quiet) == {"created": False}
