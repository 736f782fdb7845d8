import pytest
from django.core.exceptions import ValidationError

from grid import services
from grid.models import Building, CommunityGrid
from tests.factories import BuildingFactory, CommunityGridFactory, centre, square

pytestmark = pytest.mark.usefixtures("english")


def test_a_new_building_is_placed_in_the_grid_that_covers_its_point(world):
    lat, lng = centre(world.b1)
    b = services.building_create(address="乙路1号", lat=lat, lng=lng)
    assert b.grid == world.b1


def test_a_building_outside_every_grid_is_refused_and_nothing_is_saved(world):
    before = Building.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.building_create(address="荒野1号", lat=10.0, lng=10.0)
    assert "outside every community grid" in str(exc.value.message_dict["lat"])
    assert Building.objects.count() == before


def test_an_officer_cannot_place_a_building_in_another_grid(world):
    lat, lng = centre(world.b1)
    with pytest.raises(ValidationError, match="outside your area"):
        services.building_create(address="乙路2号", lat=lat, lng=lng, user=world.users["officer_a"])
    assert not Building.objects.filter(address="乙路2号").exists()


def test_duplicate_standard_address_is_refused(world):
    existing = world.building("甲一网格")
    lat, lng = centre(world.a1)
    with pytest.raises(ValidationError, match="already exists"):
        services.building_create(address=existing.address, lat=lat, lng=lng)


def test_moving_a_building_places_it_again(world):
    b = world.building("甲一网格")
    lat, lng = centre(world.a2)
    services.building_update(building=b, address=b.address, lat=lat, lng=lng)
    b.refresh_from_db()
    assert b.grid == world.a2


def test_a_self_intersecting_boundary_is_refused_on_save(db):
    grid = CommunityGridFactory.build(
        police_grid=CommunityGridFactory().police_grid,
        boundary={"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
    )
    with pytest.raises(ValidationError, match="crosses itself"):
        grid.save()
    assert not CommunityGrid.objects.filter(code=grid.code).exists()


def test_bounding_box_follows_the_boundary(db):
    grid = CommunityGridFactory(boundary=square(3))
    assert (grid.min_lng, grid.max_lng) == pytest.approx((110.03, 110.04))
    assert (grid.min_lat, grid.max_lat) == pytest.approx((30.0, 30.01))


def test_a_moved_boundary_reassigns_the_buildings_it_now_covers(world, django_capture_on_commit_callbacks):
    # A2 (square n) grows over the right half of A1 (square n-1): A1's building on that side moves.
    a1, a2 = world.a1, world.a2
    x1 = a1.boundary["coordinates"][0][0][0]
    x2 = a2.boundary["coordinates"][0][1][0]
    lat, lng = centre(a1, dx=0.3)
    moved = BuildingFactory(grid=a1, lat=lat, lng=lng, address="甲路东侧1号")
    stays = BuildingFactory(grid=a1, **dict(zip(("lat", "lng"), centre(a1, dx=-0.3), strict=True)))
    new_a1 = {
        "type": "Polygon",
        "coordinates": [[[x1, 30], [x1 + 0.005, 30], [x1 + 0.005, 30.01], [x1, 30.01], [x1, 30]]],
    }
    new_a2 = {
        "type": "Polygon",
        "coordinates": [[[x1 + 0.005, 30], [x2, 30], [x2, 30.01], [x1 + 0.005, 30.01], [x1 + 0.005, 30]]],
    }
    with pytest.raises(ValidationError):
        services.community_grid_set_boundary(grid=a2, boundary={"type": "Polygon", "coordinates": [[[0, 0]]]})
    a2.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.community_grid_set_boundary(grid=a1, boundary=new_a1)
        services.community_grid_set_boundary(grid=a2, boundary=new_a2)
    assert len(callbacks) == 2  # one background re-placement per boundary, after commit
    moved.refresh_from_db()
    stays.refresh_from_db()
    assert moved.grid == a2
    assert stays.grid == a1
    assert services.buildings_reassign() == 0  # nothing left for the nightly sweep


def test_reassignment_is_idempotent(world):
    assert services.buildings_reassign() == 0
    Building.objects.filter(pk=world.building("甲一网格").pk).update(grid=world.c1)
    assert services.buildings_reassign() == 1
    assert services.buildings_reassign() == 0
