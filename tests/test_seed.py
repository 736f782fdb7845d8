from io import StringIO

from django.core.management import call_command

from accounts.models import Role, User
from grid.models import Building, CommunityGrid, PoliceGrid, Station
from grid.services import buildings_reassign
from lib import geo

DEMO_USERS = [
    "admin",
    "chief",
    "officer1",
    "officer2",
    "aux1",
    "gridworker1",
    "volunteer1",
    "landlord1",
    "landlord2",
    "mediator1",
]


def _seed(**kw):
    out = StringIO()
    call_command("seed_demo", "--scale", "demo", stdout=out, **kw)
    return out.getvalue()


def _seed_grids():
    """Only the grid part of the demo (what the layout tests look at): a second, not thirty."""
    import random

    from faker import Faker

    from grid import seed

    fake = Faker("zh_CN")
    fake.seed_instance(1)
    seed.seed_demo(password="seed-test-password", rng=random.Random(1), fake=fake, out=lambda *a: None)


def _snapshot():
    return (
        sorted(Building.objects.values_list("address", "lat", "lng", "grid__code")),
        sorted(CommunityGrid.objects.values_list("code", "name", "police_grid__code")),
    )


def test_demo_seed_builds_one_station_four_police_grids_twelve_grids_and_is_idempotent(db, settings):
    """One full seed (the slowest thing in the suite) checked for its layout and logins, then a
    second run that must change nothing."""
    settings.DEMO_PASSWORD = "seed-test-password"
    output = _seed()
    assert Station.objects.count() == 1
    assert PoliceGrid.objects.count() == 4
    assert CommunityGrid.objects.count() == 12
    assert 280 <= Building.objects.count() <= 300
    for username in DEMO_USERS:
        assert username in output
        assert User.objects.get(username=username).check_password("seed-test-password"), username
    assert "seed-test-password" in output

    first = _snapshot()
    users = User.objects.count()
    _seed()
    assert _snapshot() == first
    assert User.objects.count() == users


def test_demo_grids_tile_the_area_and_every_building_lies_in_its_own_grid(db):
    _seed_grids()
    assert buildings_reassign() == 0
    grids = list(CommunityGrid.objects.all())
    for g in grids:
        geo.validate_polygon(g.boundary)
    # Neighbouring grids share edges but never overlap.
    from shapely.geometry import shape

    shapes = [shape(g.boundary) for g in grids]
    for i, a in enumerate(shapes):
        for b in shapes[i + 1 :]:
            assert a.intersection(b).area < 1e-12


def test_demo_officers_have_different_police_grids_and_the_roles_fit(db):
    _seed_grids()
    o1, o2 = User.objects.get(username="officer1"), User.objects.get(username="officer2")
    assert o1.role == o2.role == Role.OFFICER
    assert PoliceGrid.objects.get(officer=o1) != PoliceGrid.objects.get(officer=o2)
    assert CommunityGrid.objects.filter(grid_worker__username="gridworker1").exists()
    assert CommunityGrid.objects.filter(members__user__username="volunteer1", members__status="active").exists()
    assert CommunityGrid.objects.filter(auxiliary__username="aux1").exists()
    assert User.objects.get(username="admin").is_superuser
