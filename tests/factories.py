"""factory_boy factories. Grids are unit squares of 0.01° laid side by side, never overlapping."""

import datetime as dt

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import Role, User
from grid.models import Building, CommunityGrid, PoliceGrid, Station
from lib import gb11643
from residents.models import House, HouseUse, Person, Relation, Residence, Venue, VenueKind

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

    address = factory.Sequence(lambda n: f"测试路{n + 1:04d}号")
    grid = factory.SubFactory(CommunityGridFactory)
    lat = factory.LazyAttribute(lambda o: centre(o.grid)[0])
    lng = factory.LazyAttribute(lambda o: centre(o.grid)[1])


def resident_id(seq: int, birth: dt.date = dt.date(1990, 5, 17), area: str = "640104") -> str:
    """A valid GB 11643 ID; odd ``seq`` is a man."""
    return gb11643.make(area, birth, seq)


class HouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = House

    building = factory.SubFactory(BuildingFactory)
    unit = factory.Sequence(lambda n: f"{n % 6 + 1}单元{n % 30 + 1:02d}01")
    floor = 1
    use = HouseUse.RENTAL
    grid = factory.SelfAttribute("building.grid")


class PersonFactory(factory.django.DjangoModelFactory):
    """``id_seq`` picks the resident ID; ``phone_number`` the phone (both stored encrypted)."""

    class Meta:
        model = Person

    id_seq = factory.Sequence(lambda n: 100 + n)
    phone_number = factory.Sequence(lambda n: f"139{n:08d}")
    name = factory.Faker("name", locale="zh_CN")

    @classmethod
    def _create(cls, model_class, *args, id_seq=None, phone_number=None, **kwargs):
        person = model_class(*args, **kwargs)
        number, birth, sex = gb11643.parse(resident_id(id_seq))
        person.set_id_number(number)
        person.birth_date, person.sex = birth, sex
        person.set_phone(phone_number)
        person.save()
        return person


class ResidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Residence

    person = factory.SubFactory(PersonFactory)
    house = factory.SubFactory(HouseFactory)
    relation = Relation.TENANT
    start = dt.date(2026, 1, 1)
    grid = factory.SelfAttribute("house.grid")


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"便民超市{n}")
    kind = VenueKind.SHOP
    responsible_name = "王老板"
    building = factory.SubFactory(BuildingFactory)
    grid = factory.SelfAttribute("building.grid")
