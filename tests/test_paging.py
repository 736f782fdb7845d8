"""Counting lists without scanning a city's table (lib.paging), and the check that catches a page
which would (tests/test_scope_matrix.unbounded_counts)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grid.models import Building
from lib import paging
from tests.test_scope_matrix import unbounded_counts


def test_a_count_at_most_the_cap_is_exact_and_reads_at_most_cap_plus_one_rows(world):
    qs = Building.objects.order_by("address")
    total = qs.count()
    with CaptureQueriesContext(connection) as ctx:
        n = paging.count(qs, cap=total)
    assert n == total and not getattr(n, "approximate", False)
    (sql,) = [q["sql"] for q in ctx.captured_queries]
    assert f"LIMIT {total + 1}" in sql and "ORDER BY" not in sql
    assert unbounded_counts(ctx.captured_queries) == []


def test_beyond_the_cap_the_planner_estimates_on_postgresql(world):
    qs = Building.objects.all()
    total = qs.count()
    assert total > 3
    n = paging.count(qs, cap=3)
    if connection.vendor == "postgresql":
        assert isinstance(n, paging.Approximate) and n.approximate and n >= 4
    else:  # SQLite: no planner estimate, the demo's tables are small: counted exactly
        assert n == total and not isinstance(n, paging.Approximate)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate needs PostgreSQL")
def test_the_estimate_follows_the_filter(world):
    with connection.cursor() as c:
        c.execute("ANALYZE grid_building")
    everything = paging.estimate(Building.objects.all())
    assert everything and everything >= 1
    assert paging.estimate(Building.objects.filter(pk=-1)) <= everything


def test_the_paginator_says_when_its_count_is_an_estimate(world, as_user, settings):
    p = paging.Paginator(Building.objects.order_by("pk"), 2, cap=3)
    assert p.count >= 4 and p.approximate == (connection.vendor == "postgresql")
    assert len(p.page(1).object_list) == 2
    small = paging.Paginator(Building.objects.order_by("pk"), 2)
    assert small.count == Building.objects.count() and small.approximate is False
    # The API says so too.
    body = as_user("admin").get("/api/v1/grid/buildings/").json()
    assert body["count"] == Building.objects.count() and body["count_is_estimate"] is False


def test_a_deep_page_reads_its_ids_first_and_shows_the_same_rows_in_the_same_order(world, monkeypatch):
    qs = Building.objects.select_related("grid").order_by("-address", "pk")
    expected = list(qs)[2:4]
    shallow = paging.Paginator(qs, 2).page(2)
    monkeypatch.setattr(paging, "DEFER_FROM", 2)
    with CaptureQueriesContext(connection) as ctx:
        deep = paging.Paginator(qs, 2).page(2)
        rows = list(deep.object_list)
        grids = [b.grid.name for b in rows]  # select_related kept: no query per row
    assert rows == expected == list(shallow.object_list) and all(grids)
    selects = [q["sql"] for q in ctx.captured_queries if "COUNT" not in q["sql"]]
    assert len(selects) == 2 and '"grid_building"."id" IN' in selects[1]


def test_a_per_row_count_is_a_correlated_subquery(world):
    from grid.models import CommunityGrid

    rows = dict(CommunityGrid.objects.annotate(n=paging.count_of(Building, "grid")).values_list("pk", "n"))
    assert rows == {g.pk: g.buildings.count() for g in CommunityGrid.objects.all()}


def test_the_check_flags_a_count_of_a_whole_big_table_and_nothing_else():
    def q(sql):
        return [{"sql": sql}]

    assert unbounded_counts(q('SELECT COUNT(*) AS "__count" FROM "residents_person"'))
    assert unbounded_counts(q('SELECT "g"."id", COUNT("b"."id") FROM "grid_communitygrid" LEFT OUTER JOIN "grid_building" b ON x GROUP BY 1'))  # fmt: skip
    assert not unbounded_counts(
        q('SELECT COUNT(*) FROM "residents_person" WHERE "residents_person"."grid_id" IN (1, 2)')
    )
    assert not unbounded_counts(q('SELECT COUNT(*) FROM (SELECT "residents_person"."id" FROM "residents_person" LIMIT 10001) subquery'))  # fmt: skip
    assert not unbounded_counts(q('SELECT COUNT(*) AS "__count" FROM "grid_station"'))  # a small table
