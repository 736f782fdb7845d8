"""``manage.py bench`` on the small test world: the results file is a list with the names that
runs are compared by, each entry with the machine and the date; the targets are checked; the
background work is measured with tiny numbers and leaves nothing behind. The real worker's memory
needs PostgreSQL and Redis (skipped with the reason otherwise, required in CI)."""

import io
import json

import pytest
from django.contrib import admin
from django.core.management import call_command

from accounts.models import Role
from inspections.models import Inspection, RectificationNotice
from kpi import bench
from kpi import bench_background as bg
from residents.models import LabelSheet
from tests.conftest import need, postgres_available, redis_available
from tests.factories import UserFactory, VenueFactory

REQUESTS = [
    "floor", "qr_scan", "search_id", "search_name", "list_first", "list_deep", "admin_changelist_first",
    "admin_changelist_deep", "ledger_four_colour", "review_queue", "map_geojson", "heat_cells", "kpi_chief",
    "declaration_submit", "api_list",
]  # fmt: skip
BACKGROUND = [
    "notices_per_s", "notices_2_photos_per_s", "notices_one_by_one_per_s", "label_sheet_1000_s", "kpi_month_s",
    "peak_rss_worker_mb",
]  # fmt: skip
MACHINE = {"cpu", "cores", "date"}


@pytest.fixture
def bench_world(world, monkeypatch):
    """The world with a landlord's profile, a venue to inspect, small photos and an admin whose
    naive changelists are removed again afterwards."""
    from rentals.seed import _profile

    _profile(world.users["landlord"], "13895188009")
    VenueFactory(building=world.building("甲一网格"), grid=world.a1)
    monkeypatch.setattr(bg, "PHONE_PHOTO", (400, 300))
    registered = set(admin.site._registry)
    yield world
    for model in set(admin.site._registry) - registered:
        admin.site.unregister(model)


def run_bench(tmp_path, *args) -> tuple[list[dict], str]:
    out = io.StringIO()
    path = tmp_path / "results.json"
    call_command("bench", "--repeat", "1", "--warmup", "0", "--out", str(path), *args, stdout=out)
    return json.loads(path.read_text()), out.getvalue()


@pytest.mark.urls("tests.kpi.bench_urls")
def test_the_results_are_a_list_of_named_entries_with_the_machine_and_date(bench_world, tmp_path):
    notices_before = RectificationNotice.objects.count()
    results, printed = run_bench(
        tmp_path, "--notices", "2", "--notices-with-photos", "1", "--worker-notices", "0", "--label-houses", "3"
    )

    assert isinstance(results, list)
    by_name = {e["name"]: e for e in results}
    for name in REQUESTS:
        entry = by_name[name]
        assert {"p50_ms", "p95_ms", "queries", "rows_in_table"} <= entry.keys(), name
        assert entry["queries"] > 0 and entry["p95_ms"] >= entry["p50_ms"] > 0
    for entry in results:
        assert entry.keys() >= MACHINE and entry["cores"] >= 1 and entry["date"]
    # The targets: the limits, checked per entry.
    assert by_name["qr_scan"]["target"] == 30 and by_name["qr_scan"]["target_queries"] == 8
    assert by_name["qr_scan"]["ok"] in (True, False)
    assert by_name["floor"]["ok"] is None  # the floor has no target
    assert by_name["ratio_list_first_vs_admin"]["target"] == 20
    assert by_name["ratio_list_deep_vs_admin"]["value"] > 0
    # The background work, with tiny numbers; the worker is skipped with its reason.
    assert by_name["notices_per_s"]["value"] > 0 and by_name["notices_per_s"]["n"] == 2
    assert by_name["notices_one_by_one_per_s"]["value"] > 0 and by_name["notices_one_by_one_per_s"]["n"] == 2
    assert (
        by_name["notices_2_photos_per_s"]["value"] > 0 and by_name["notices_2_photos_per_s"]["photos_per_notice"] == 2
    )
    labels = by_name["label_sheet_1000_s"]
    assert labels["houses"] >= 3 and labels["pages"] >= 1 and labels["value"] > 0
    assert by_name["kpi_month_s"]["value"] >= 0 and by_name["kpi_month_s"]["month"]
    assert by_name["peak_rss_worker_mb"]["value"] is None and by_name["peak_rss_worker_mb"]["skipped"]
    assert by_name["peak_rss_bench_mb"]["value"] > 0
    # Printed beside the targets, and nothing stays behind.
    assert "target" in printed and "p95 ≤ 30 ms, ≤ 8 queries" in printed and "peak_rss_bench_mb" in printed
    assert RectificationNotice.objects.count() == notices_before
    assert not Inspection.objects.filter(submitted_at__year=2000).exists()
    assert not LabelSheet.objects.exists()


@pytest.mark.urls("tests.kpi.bench_urls")
def test_only_runs_the_named_measures_and_no_background_skips_it(bench_world, tmp_path):
    results, _ = run_bench(tmp_path, "--only", "kpi_month_s")
    assert [e["name"] for e in results] == ["kpi_month_s", "peak_rss_bench_mb"]

    results, _ = run_bench(tmp_path, "--only", "qr_scan", "--no-background")
    assert [e["name"] for e in results] == ["floor", "qr_scan", "peak_rss_bench_mb"]


def test_targets_say_ok_or_miss():
    fast = bench.check({"name": "qr_scan", "p50_ms": 5, "p95_ms": 9, "queries": 6, "rows_in_table": 10})
    many = bench.check({"name": "qr_scan", "p50_ms": 5, "p95_ms": 9, "queries": 9, "rows_in_table": 10})
    slow = bench.check({"name": "notices_per_s", "value": 20.0, "unit": "notices/s"})
    assert (fast["ok"], many["ok"], slow["ok"]) == (True, False, False)
    assert bench.verdict(fast) == "ok" and bench.verdict(slow) == "MISS"
    assert bench.check(bg.skipped("peak_rss_worker_mb", "no broker", "MB"))["ok"] is None


@pytest.mark.worker
def test_a_real_worker_renders_the_notices_and_its_memory_is_read(transactional_db, monkeypatch):
    need(postgres_available(), "needs PostgreSQL (set DATABASE_URL=postgres://…)")
    need(redis_available(), "needs Redis (set REDIS_URL=redis://…)")
    from tests.factories import CommunityGridFactory, PoliceGridFactory

    monkeypatch.setattr(bg, "PHONE_PHOTO", (400, 300))
    officer = UserFactory(role=Role.OFFICER)
    grid = CommunityGridFactory(police_grid=PoliceGridFactory(officer=officer))
    VenueFactory(building__grid=grid, grid=grid)

    entry = bg.worker_peak_rss(3, timeout=90)

    assert entry["name"] == "peak_rss_worker_mb" and entry["n"] == 3
    assert 50 < entry["value"] < 2000 and entry["peak_after_first_mb"] <= entry["value"]
    assert not RectificationNotice.objects.exists() and not Inspection.objects.exists()
