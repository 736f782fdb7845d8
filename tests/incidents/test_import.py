"""The dispatch-system import: idempotent by number, per-row errors, CSV encodings and .xlsx."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents import importer
from incidents.models import HeatCell, ImportStatus, Incident, cell_index
from tests.factories import centre
from tests.incidents.helpers import csv_file, row, run, xlsx_file

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _rows(w):
    return [
        row("6401062026000001", "2026-05-01 21:35", "治安", w.a1, sub="噪音扰民"),
        row("6401062026000002", "2026-05-02 08:10:05", "刑事", w.a1, sub="盗窃"),
        row("6401062026000003", "2026-05-02 09:00", "求助", w.b1, sub="求助开锁"),
    ]


def _snapshot():
    return sorted(Incident.objects.values_list("number", "occurred_at", "category", "subcategory", "grid_id", "lat"))


def test_the_same_file_twice_gives_the_same_rows(world):
    first = run(world.users["officer_a"], csv_file(_rows(world)))
    assert (first.status, first.created, first.updated, first.skipped) == (ImportStatus.DONE, 3, 0, 0)
    before, cells = (
        _snapshot(),
        sorted(HeatCell.objects.values_list("cell_lat", "cell_lng", "day", "category", "count")),
    )

    second = run(world.users["officer_a"], csv_file(_rows(world)))

    assert (second.created, second.updated, second.skipped, second.error_count) == (0, 0, 3, 0)
    assert _snapshot() == before
    assert sorted(HeatCell.objects.values_list("cell_lat", "cell_lng", "day", "category", "count")) == cells


def test_a_changed_row_updates_the_incident_and_moves_its_heat_cell(world):
    run(world.users["officer_a"], csv_file(_rows(world)))
    rows = _rows(world)
    rows[1] = row("6401062026000002", "2026-05-03 10:00", "刑事", world.b1, sub="诈骗")

    job = run(world.users["officer_a"], csv_file(rows))

    assert (job.created, job.updated, job.skipped) == (0, 1, 2)
    assert Incident.objects.count() == 3
    moved = Incident.objects.get(number="6401062026000002")
    assert (moved.subcategory, moved.grid, moved.day) == ("诈骗", world.b1, dt.date(2026, 5, 3))
    assert not HeatCell.objects.filter(day=dt.date(2026, 5, 2), category="criminal").exists()
    cell = HeatCell.objects.get(day=dt.date(2026, 5, 3), category="criminal")
    assert (cell.grid, cell.count) == (world.b1, 1)


def test_wrong_rows_are_listed_with_row_and_column_and_valid_rows_still_saved(world, english):
    lat, lng = centre(world.a1)
    rows = [
        row("6401062026000010", "2026-05-01 10:00", "治安", world.a1),  # row 2: fine
        row("6401062026000011", "2026/13/01 25:00", "治安", world.a1),  # row 3: time
        row("6401062026000012", "2026-05-01 10:00", "打架", world.a1),  # row 4: category
        row("", "2026-05-01 10:00", "治安", world.a1),  # row 5: no number
        row("6401062026000010", "2026-05-01 11:00", "治安", world.a1),  # row 6: repeats row 2
        ["6401062026000013", "2026-05-01 10:00", "交通", "", "", "", f"{lat}", ""],  # row 7: latitude only
        ["6401062026000014", "2026-05-01 10:00", "交通", "", "", "abc", "91", ""],  # row 8: two bad degrees
        ["6401062026000015", "2026-07-01 10:00", "火灾", "", "", "", "", ""],  # row 9: in the future
        ["6401062026000016", "2026-05-01 10:00", "火灾", "", "某地", "", "", ""],  # row 10: fine, no point
    ]
    job = run(world.users["officer_a"], csv_file(rows))

    assert job.status == ImportStatus.DONE
    assert (job.created, job.error_count, job.outside, job.done) == (2, 7, 1, 9)
    got = [(e["row"], e["column"], importer.error_message(e)) for e in job.errors]
    assert got == [
        (3, "报警时间", "Not a time: write YYYY-MM-DD HH:MM or YYYY-MM-DD HH:MM:SS."),
        (4, "警情类别", "Unknown category: use one of 刑事, 治安, 求助, 纠纷, 交通, 火灾."),
        (5, "警情编号", "This column is required."),
        (6, "警情编号", "The same incident number as row 2."),
        (7, "经度", "Give both longitude and latitude, or neither."),
        (8, "经度", "Not a number of degrees."),
        (8, "纬度", "A latitude lies between -90 and 90."),
        (9, "报警时间", "This time lies in the future."),
    ]
    assert set(Incident.objects.values_list("number", flat=True)) == {"6401062026000010", "6401062026000016"}


def test_the_job_page_lists_the_errors_in_chinese(world, as_user):
    rows = [row("6401062026000011", "昨天", "治安", world.a1)]
    job = run(world.users["officer_a"], csv_file(rows))
    page = as_user("officer_a").get(f"/incidents/import/{job.pk}/").content.decode()
    assert "报警时间" in page and "YYYY-MM-DD HH:MM" in page


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_in_utf8_with_or_without_bom_and_in_gbk(world, encoding):
    job = run(world.users["officer_a"], csv_file(_rows(world), encoding=encoding))
    assert (job.created, job.error_count) == (3, 0)
    assert Incident.objects.get(number="6401062026000001").subcategory == "噪音扰民"


def test_xlsx_with_date_cells_and_numbers(world):
    lat, lng = centre(world.a1)
    rows = [
        ["6401062026000020", dt.datetime(2026, 5, 1, 21, 35), "治安", "噪音扰民", "测试路1号", lng, lat, "楼上装修"],
        [6401062026000021, "2026-05-02 08:10", "刑事", "盗窃", "", None, None, ""],
    ]
    job = run(world.users["officer_a"], xlsx_file(rows))
    assert (job.created, job.error_count, job.outside) == (2, 0, 1)
    first = Incident.objects.get(number="6401062026000020")
    assert (first.grid, first.cell_lat, first.cell_lng) == (world.a1, cell_index(lat), cell_index(lng))
    assert first.occurred_at == dt.datetime(2026, 5, 1, 21, 35, tzinfo=NOW.tzinfo)
    assert Incident.objects.filter(number="6401062026000021", grid=None).exists()


def test_a_file_without_the_required_columns_is_refused_before_anything_is_saved(world, english):
    upload = csv_file([["1", "2026-05-01 10:00"]], header=["编号", "报警时间"])
    with pytest.raises(importer.ImportFileError, match="警情编号、警情类别"):
        importer.import_start(user=world.users["officer_a"], file=upload)
    assert not Incident.objects.exists()


def test_the_template_imports_cleanly(world, as_user):
    for fmt, name in (("", "t.csv"), ("?format=xlsx", "t.xlsx")):
        response = as_user("officer_a").get("/incidents/import/template/" + fmt)
        assert response.status_code == 200
        job = run(world.users["officer_a"], SimpleUploadedFile(name, response.content))
        assert job.error_count == 0, job.errors
    assert Incident.objects.count() == 1
