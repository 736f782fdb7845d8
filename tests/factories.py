"""factory_boy factories. Grids are unit squares of 0.01° laid side by side, never overlapping."""

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import Role, User
from grid.models import Building, CommunityGrid, PoliceGrid, Station

SIZE = 0.01


def square(n: int) -> dict:
    """The n-th square, left to right along latitude 30°N from 110°E."""
    x, y = 110 + n * SIZE, 30.0
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + SIZE, y], [x + SIZE, y + SIZE], [x, y + SIZE], [x, y]]],
    }


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="zh_CN")
    role = Role.OFFICER
    password = factory.LazyFunction(lambda: make_password("correct-horse-battery"))


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}派出所")


class PoliceGridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PoliceGrid

    code = factory.Sequence(lambda n: f"P{n:04d}")
    name = factory.Sequence(lambda n: f"第{n}警务区")
    station = factory.SubFactory(StationFactory)


class CommunityGridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommunityGrid

    code = factory.Sequence(lambda n: f"G{n:05d}")
    name = factory.Sequence(lambda n: f"第{n}网格")
    police_grid = factory.SubFactory(PoliceGridFactory)
    boundary = factory.Sequence(square)


def centre(grid: CommunityGrid, dx: float = 0.0) -> tuple[float, float]:
    """(lat, lng) well inside a factory grid; ``dx`` in [-0.4, 0.4] moves it sideways."""
    (x0, y0) = grid.boundary["coordinates"][0][0]
    return y0 + SIZE / 2, x0 + SIZE * (0.5 + dx)


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    address = factory.Sequence(lambda n: f"测试路{n}号")
    grid = factory.SubFactory(CommunityGridFactory)
    lat = factory.LazyAttribute(lambda o: centre(o.grid)[0])
    lng = factory.LazyAttribute(lambda o: centre(o.grid)[1])
