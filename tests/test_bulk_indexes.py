"""lib.bulk.indexes_after: the city seed's big tables load without their secondary indexes and
foreign keys, which are built again afterwards (PostgreSQL)."""

import pytest
from django.db import connection

from incidents.models import Incident
from lib import bulk

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="indexes are dropped on PostgreSQL only")


def _schema(table):
    with connection.cursor() as c:
        found = connection.introspection.get_constraints(c, table)
    return sorted(n for n, i in found.items() if i["index"] and not i["primary_key"]), sorted(
        n for n, i in found.items() if i["foreign_key"]
    )


def test_indexes_and_keys_come_back_even_when_the_step_built_some_itself(db):
    table = Incident._meta.db_table
    indexes, keys = _schema(table)
    assert indexes and keys
    with bulk.indexes_after(table):
        dropped_indexes, dropped_keys = _schema(table)
        assert dropped_keys == [] and set(dropped_indexes) < set(indexes)
        with connection.schema_editor(atomic=True) as editor:  # as the incidents seed does
            editor.add_index(Incident, Incident._meta.indexes[0])
    assert _schema(table) == (indexes, keys)
