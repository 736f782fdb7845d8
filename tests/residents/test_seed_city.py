"""The city's registries and declarations, on a small stand-in city (two CITY- grids of three
buildings), loaded the way the city seed loads them (lib.bulk, and on PostgreSQL without indexes
while loading)."""

import random

from django.db import connection

from grid.models import Building
from lib import bulk, crypto, gb11643
from rentals import seed as rentals_seed
from rentals.models import DeclaredTenant, RentalDeclaration
from residents import seed
from residents.models import House, HouseholdStatus, Person, Residence
from tests.factories import BuildingFactory, CommunityGridFactory


def _quiet(*args):
    pass


def _indexes(table):
    with connection.cursor() as c:
        return sorted(name for name, i in connection.introspection.get_constraints(c, table).items() if i["index"])


def test_city_registries_and_declarations(world):
    for n in range(2):
        grid = CommunityGridFactory(code=f"CITY-T{n}", police_grid=world.pg_a)
        BuildingFactory.create_batch(3, grid=grid)
    houses_before, persons_before = House.objects.count(), Person.objects.count()
    indexes = _indexes("residents_person")
    with bulk.indexes_after("residents_house", "residents_person", "residents_residence"):
        assert seed.seed_city(rng=random.Random(2), out=_quiet)["created"]
    assert _indexes("residents_person") == indexes  # built again

    city = Building.objects.filter(grid__code__startswith="CITY-")
    assert House.objects.count() - houses_before == 10 * city.count()
    people = Person.objects.order_by("pk")[persons_before:]
    assert len(people) > 10 * city.count()  # two to four in every lived-in house
    for p in people[:50]:
        number = crypto.decrypt(p.id_number_enc)
        assert gb11643.is_valid(number) and p.id_number_hash == Person.id_hash_for(number)
        home = Residence.objects.get(person=p)
        assert home.grid_id == p.grid_id == home.house.grid_id and home.end is None
        assert (home.relation == "tenant") == (p.household_status == HouseholdStatus.FLOATING)
        assert (p.household_status == HouseholdStatus.FLOATING) == (home.house.use in ("rental", "studio"))
        assert home.house.use not in ("shop", "vacant")

    floating = Residence.objects.filter(person__in=[p.pk for p in people], person__household_status="floating")
    result = rentals_seed.seed_city(password="x", rng=random.Random(2), out=_quiet, count=40, chunk=15)
    assert result["created"] and RentalDeclaration.objects.filter(landlord__username__startswith="city-").count() == min(40, floating.count())  # fmt: skip
    for t in DeclaredTenant.objects.filter(declaration__landlord__username__startswith="city-").select_related("declaration")[:40]:  # fmt: skip
        person = Person.objects.get(id_number_hash=t.id_number_hash)
        assert t.id_number_enc == person.id_number_enc and t.declaration.house_id == person.residences.get().house_id
        assert (t.person_id == person.pk) == (t.declaration.status == "approved")
    assert rentals_seed.seed_city(password="x", rng=random.Random(2), out=_quiet) == {"created": False}
