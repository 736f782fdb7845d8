"""Heat cells against a hand count, scope, year-on-year on a hand-made fixture, pinned queries."""

import datetime as dt

import pytest
import time_machine

from incidents import selectors
from incidents.models import HeatCell, cell_centre, cell_index
from tests.factories import centre
from tests.incidents.helpers import add

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_cell_index_is_the_floor_of_degrees_over_0_002():
    assert cell_index(38.4871) == 19243
    assert cell_index(38.486) == 19243  # on the edge: the cell to the north-east
    assert cell_index(106.2309) == 53115
    assert cell_centre(19243) == 38.487


def test_heat_cells_equal_a_hand_count(world, as_user):
    lat, lng = centre(world.a1)
    near = (lat + 0.0001, lng + 0.0001)  # same cell
    far = (lat + 0.003, lng)  # the next cell but one, still in 甲一
    add("A1", when="2026-05-01 10:00", point=(lat, lng), category="criminal")
    add("A2", when="2026-05-01 22:00", point=near, category="criminal")
    add("A3", when="2026-05-01 23:00", point=near, category="dispute")
    add("A4", when="2026-05-02 09:00", point=far, category="criminal")
    add("A5", when="2026-05-02 09:00", point=None, category="criminal", grid=None)  # no point: no cell

    assert sorted(HeatCell.objects.values_list("day", "category", "count")) == [
        (dt.date(2026, 5, 1), "criminal", 2),
        (dt.date(2026, 5, 1), "dispute", 1),
        (dt.date(2026, 5, 2), "criminal", 1),
    ]
    data = as_user("officer_a").get("/incidents/map/cells.json").json()
    c0 = [cell_centre(cell_index(lat)), cell_centre(cell_index(lng))]
    c1 = [cell_centre(cell_index(far[0])), cell_centre(cell_index(lng))]
    assert data["cells"] == [[*c0, 3], [*c1, 1]]
    assert (data["total"], data["max"], data["cell_deg"]) == (4, 3, 0.002)
    only = as_user("officer_a").get("/incidents/map/cells.json?category=criminal&start=2026-05-02&end=2026-05-02")
    assert only.json()["cells"] == [[*c1, 1]]


def test_many_cells_are_merged_into_coarser_squares(world, settings, monkeypatch, as_user):
    monkeypatch.setattr(selectors, "MAX_CELLS", 1)
    lat, lng = centre(world.a1)
    base_lat, base_lng = (cell_index(lat) // 2 * 2) * 0.002 + 0.0005, (cell_index(lng) // 2 * 2) * 0.002 + 0.0005
    add("M1", when="2026-05-01 10:00", point=(base_lat, base_lng))
    add("M2", when="2026-05-01 10:00", point=(base_lat + 0.002, base_lng + 0.002))
    data = as_user("officer_a").get("/incidents/map/cells.json").json()
    assert data["cell_deg"] == 0.004
    assert [c[2] for c in data["cells"]] == [2]


def test_officer_b_sees_nothing_of_a1(world, as_user):
    add("6401062026000001", when="2026-05-01 10:00", grid=world.a1, address="甲一测试路1号")
    officer_b = as_user("officer_b")
    assert "6401062026000001" not in officer_b.get("/incidents/").content.decode()
    assert officer_b.get("/incidents/map/cells.json").json()["cells"] == []
    assert "甲一测试路1号" not in officer_b.get("/incidents/hotspots/?start=2026-05-01&end=2026-05-31").content.decode()
    assert officer_b.get("/api/v1/grid/incidents/").json()["count"] == 0
    assert officer_b.get("/api/v1/grid/incidents/heat/").json()["cells"] == []
    assert officer_b.get(f"/incidents/?grid={world.a1.pk}").status_code == 404
    officer_a = as_user("officer_a")
    assert "6401062026000001" in officer_a.get("/incidents/").content.decode()
    assert "甲一测试路1号" in officer_a.get("/incidents/hotspots/?start=2026-05-01&end=2026-05-31").content.decode()


def test_year_on_year_per_category_and_grid_by_hand(world, as_user, english):
    # This period: 2026-05-01 … 2026-05-31; the same period a year before: 2025-05-01 … 2025-05-31.
    for n, (when, category, grid) in enumerate(
        [
            ("2026-05-03 10:00", "criminal", world.a1),
            ("2026-05-10 10:00", "criminal", world.a1),
            ("2026-05-31 23:59", "criminal", world.a2),
            ("2026-05-20 10:00", "public_order", world.a1),
            ("2026-06-01 00:01", "criminal", world.a1),  # after the period
            ("2025-05-01 00:00", "criminal", world.a1),
            ("2025-05-15 10:00", "criminal", world.a2),
            ("2025-05-15 10:00", "traffic", world.a1),
            ("2025-04-30 23:59", "criminal", world.a1),  # before last year's period
        ]
    ):
        add(f"Y{n}", when=when, category=category, grid=grid)
    f = selectors.filters_from(world.users["officer_a"], {"start": "2026-05-01", "end": "2026-05-31"})
    yoy = selectors.year_on_year(world.users["officer_a"], f)

    by_cat = {r.label: (r.now, r.before, r.change) for r in yoy["by_category"]}
    assert by_cat["criminal"] == (3, 2, 50.0)
    assert by_cat["public order"] == (1, 0, None)
    assert by_cat["traffic"] == (0, 1, -100.0)
    assert by_cat["fire"] == (0, 0, None)
    assert (yoy["total"].now, yoy["total"].before, yoy["total"].change) == (4, 3, 33.3)
    rows = {r["grid"].name: r for r in yoy["by_grid"]}
    a1 = {c.label: (c.now, c.before) for c in rows["甲一网格"]["cells"]}
    assert a1["criminal"] == (2, 1) and a1["public order"] == (1, 0) and a1["traffic"] == (0, 1)
    assert (rows["甲二网格"]["total"].now, rows["甲二网格"]["total"].before) == (1, 1)
    assert rows["甲二网格"]["total"].change == 0.0

    page = as_user("officer_a").get("/incidents/hotspots/?start=2026-05-01&end=2026-05-31").content.decode()
    assert "+50.0 %" in page and "+33.3 %" in page and "—" in page


def test_hotspots_rank_cells_and_addresses(world, as_user):
    lat, lng = centre(world.a1)
    for n in range(3):
        add(f"H{n}", when=f"2026-05-0{n + 1} 10:00", point=(lat, lng), address="夜市街")
    add("H9", when="2026-05-05 10:00", point=(lat + 0.004, lng), address="菜市场")
    spots = selectors.hotspots(
        world.users["officer_a"], selectors.filters_from(world.users["officer_a"], {"start": "2026-05-01"})
    )
    assert [s["grid"] for s in spots] == [world.a1]
    assert [c["count"] for c in spots[0]["cells"]] == [3, 1]
    assert spots[0]["addresses"] == [{"address": "夜市街", "count": 3}, {"address": "菜市场", "count": 1}]


def test_the_list_heat_and_hotspots_pin_their_queries(world, as_user, django_assert_max_num_queries):
    for n in range(30):
        add(f"Q{n}", when=f"2026-05-{n % 28 + 1:02d} 10:00", grid=[world.a1, world.a2][n % 2], address=f"路{n}")
    client = as_user("chief")
    client.get("/incidents/")  # session, user: warm
    # session, user, count, page (+ grid options); however many incidents.
    with django_assert_max_num_queries(6):
        assert client.get("/incidents/").status_code == 200
    with django_assert_max_num_queries(4):
        assert len(client.get("/incidents/map/cells.json").json()["cells"]) >= 2
    with django_assert_max_num_queries(10):
        assert client.get("/incidents/hotspots/?start=2026-05-01").status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/grid/incidents/").json()["count"] == 30
