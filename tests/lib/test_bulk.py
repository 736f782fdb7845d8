import datetime as dt

from lib import bulk
from residents.models import Residence


def test_bulk_load_writes_rows_with_reserved_column_names(world):
    person, house = world.person("甲一网格"), world.house("甲二网格")
    n = bulk.load(
        "residents_residence",
        ["person_id", "house_id", "relation", "start", "end", "grid_id", "created_at"],
        [(person.pk, house.pk, "tenant", "2025-01-01", "2025-06-30", house.grid_id, "2026-11-01 00:00:00+08")],
    )
    assert n == 1
    r = Residence.objects.get(person=person, house=house)
    assert r.end == dt.date(2025, 6, 30)
    # Ordinary inserts still work after a load (the id sequence moved on).
    Residence.objects.create(
        person=person, house=house, relation="tenant", start=dt.date(2026, 1, 1), grid_id=house.grid_id
    )
