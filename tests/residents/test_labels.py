"""QR label sheets: made in the background, scoped, and every printed code scans to its door."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent
from documents.labels import PER_PAGE
from residents import labels, tasks
from residents.labels import scan_url
from residents.models import House, JobStatus, LabelSheet
from tests.conftest import decode_qr_codes
from tests.factories import CommunityGridFactory, HouseFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://fq.station.test"


def _create(client, capture, **target):
    with capture(execute=True):
        return client.post(reverse("scan:label_create"), target)


_decode = decode_qr_codes


def _pdf(sheet: LabelSheet) -> bytes:
    sheet.refresh_from_db()
    with sheet.file.open("rb") as f:
        return f.read()


def test_a_building_sheet_scans_to_the_building_and_each_of_its_houses(
    world, as_user, tmp_path, django_capture_on_commit_callbacks
):
    building = world.building("甲一网格")
    response = _create(as_user("officer_a"), django_capture_on_commit_callbacks, building=building.pk)
    sheet = LabelSheet.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("scan:label_detail", args=[sheet.pk])
    assert (sheet.status, sheet.total, sheet.done, sheet.grid, sheet.building) == (
        JobStatus.DONE,
        3,
        3,
        world.a1,
        building,
    )
    expected = [scan_url(building.qr_token)] + [scan_url(h.qr_token) for h in world.houses["甲一网格"]]
    assert expected[0] == f"https://fq.station.test/q/{building.qr_token}/"
    decoded = _decode(_pdf(sheet), tmp_path)
    assert sorted(decoded) == sorted(expected)


def test_a_grid_sheet_runs_over_several_pages_and_every_code_scans(
    world, as_user, tmp_path, django_capture_on_commit_callbacks
):
    first, second = world.buildings["甲一网格"]
    for n in range(PER_PAGE):
        HouseFactory(building=second, unit=f"2单元{n + 1:02d}01", floor=n + 1)
    response = _create(as_user("grid_worker"), django_capture_on_commit_callbacks, grid=world.a1.pk)
    sheet = LabelSheet.objects.get()
    assert response.status_code == 302
    houses = House.objects.filter(building__grid=world.a1)
    expected = [scan_url(first.qr_token), scan_url(second.qr_token)] + [scan_url(h.qr_token) for h in houses]
    assert sheet.total == len(expected) == 2 + 2 + PER_PAGE
    decoded = _decode(_pdf(sheet), tmp_path)
    assert len(list(tmp_path.glob("qr-page-*.png"))) == 2
    assert sorted(decoded) == sorted(expected)  # each label once, none missing


def test_labels_come_in_print_order_building_first_then_its_units_floor_by_floor(world):
    b = world.building("甲一网格")
    HouseFactory(building=b, unit="1单元301", floor=3)
    got = [(lbl.title, lbl.subtitle) for lbl in labels.sheet_labels(grid_id=world.a1.pk, building_id=b.pk)]
    assert got == [(b.address, b.compound), ("1单元101", b.address), ("1单元102", b.address), ("1单元301", b.address)]


def test_the_task_moves_the_progress_bar_in_chunks(world):
    b = world.building("甲一网格")
    for n in range(22):
        HouseFactory(building=b, unit=f"5单元{n:02d}", floor=5)
    sheet = LabelSheet.objects.create(grid=world.a1, building=b, created_by=world.users["officer_a"], total=25)
    with CaptureQueriesContext(connection) as ctx:
        tasks.label_sheet_render.delay(sheet.pk)
    done_values = [int(m) for q in ctx.captured_queries for m in re.findall(r'"done" = (\d+)', q["sql"])]
    assert done_values == [0, 10, 20, 25, 25]  # start, every ten labels, the end, the final state
    sheet.refresh_from_db()
    assert (sheet.status, sheet.done, sheet.percent) == (JobStatus.DONE, 25, 100)
    assert sheet.finished_at is not None


def test_the_task_is_idempotent(world, monkeypatch):
    sheet = LabelSheet.objects.create(grid=world.a1, created_by=world.users["officer_a"], total=4)
    assert tasks.label_sheet_render.delay(sheet.pk).get() == JobStatus.DONE
    sheet.refresh_from_db()
    name = sheet.file.name

    def boom(*args, **kwargs):
        raise AssertionError("a finished sheet must not be rendered again")

    monkeypatch.setattr(labels, "label_sheet_pdf", boom)
    assert tasks.label_sheet_render.delay(sheet.pk).get() == JobStatus.DONE
    sheet.refresh_from_db()
    assert sheet.file.name == name and sheet.status == JobStatus.DONE
    assert tasks.label_sheet_render.delay(987654).get() == "missing"


def test_a_sheet_left_half_done_by_a_lost_worker_is_rendered_again(world):
    sheet = LabelSheet.objects.create(
        grid=world.a1, created_by=world.users["officer_a"], status=JobStatus.RUNNING, done=3, total=4
    )
    tasks.label_sheet_render.delay(sheet.pk)
    sheet.refresh_from_db()
    assert (sheet.status, sheet.done, sheet.total) == (JobStatus.DONE, 4, 4)  # grid A1: 2 buildings, 2 houses
    assert _pdf(sheet).startswith(b"%PDF")


def test_a_failed_render_is_shown_with_a_way_to_try_again(world, as_user, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(labels, "label_sheet_pdf", broken)
    sheet = LabelSheet.objects.create(grid=world.a1, created_by=world.users["officer_a"], total=4)
    assert tasks.label_sheet_render.delay(sheet.pk).get() == JobStatus.FAILED
    sheet.refresh_from_db()
    assert sheet.error == "disk full"
    html = as_user("officer_a").get(reverse("scan:label_progress", args=[sheet.pk])).content.decode()
    assert "disk full" in html and reverse("scan:label_create") in html and "hx-trigger" not in html


def test_the_sweeper_sends_again_only_sheets_whose_task_was_lost(world):
    officer = world.users["officer_a"]
    stale = LabelSheet.objects.create(grid=world.a1, created_by=officer, total=4)
    fresh = LabelSheet.objects.create(grid=world.a2, created_by=officer, total=4)
    LabelSheet.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    assert tasks.label_sheets_sweep.delay().get() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (JobStatus.DONE, JobStatus.PENDING)


# --- the pages ---------------------------------------------------------------------------------


def test_the_progress_bar_polls_every_second_until_the_sheet_is_done(world, as_user):
    sheet = LabelSheet.objects.create(
        grid=world.a1, created_by=world.users["officer_a"], status=JobStatus.RUNNING, done=2, total=4
    )
    client = as_user("officer_a")
    page = client.get(reverse("scan:label_detail", args=[sheet.pk])).content.decode()
    progress_url = reverse("scan:label_progress", args=[sheet.pk])
    assert f'hx-get="{progress_url}"' in page and 'hx-trigger="every 1s"' in page and "width: 50%" in page
    partial = client.get(progress_url).content.decode()
    assert "<html" not in partial and 'hx-trigger="every 1s"' in partial
    assert reverse("scan:label_download", args=[sheet.pk]) not in partial
    tasks.label_sheet_render.delay(sheet.pk)
    partial = client.get(progress_url).content.decode()
    assert "hx-trigger" not in partial and "width: 100%" in partial
    assert reverse("scan:label_download", args=[sheet.pk]) in partial


def test_a_second_click_while_the_sheet_is_waiting_returns_the_same_sheet(world, as_user):
    client, building = as_user("officer_a"), world.building("甲一网格")
    first = client.post(reverse("scan:label_create"), {"building": building.pk})  # on_commit not run: waits
    second = client.post(reverse("scan:label_create"), {"building": building.pk})
    assert first["Location"] == second["Location"]
    assert LabelSheet.objects.count() == 1


def test_a_grid_without_addresses_has_nothing_to_print(world, as_user):
    empty = CommunityGridFactory(police_grid=world.pg_a, name="空网格")
    response = as_user("officer_a").post(reverse("scan:label_create"), {"grid": empty.pk}, follow=True)
    assert response.redirect_chain[0][0] == reverse("grid:communitygrid_detail", args=[empty.pk])
    assert "alert-danger" in response.content.decode()
    assert not LabelSheet.objects.exists()


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("officer_a", lambda w: {"building": w.building("乙一网格").pk}),
        ("officer_a", lambda w: {"grid": w.b1.pk}),
        ("other_chief", lambda w: {"grid": w.a1.pk}),
        ("volunteer", lambda w: {"building": w.building("甲一网格").pk}),
        ("landlord", lambda w: {"building": w.building("甲一网格").pk}),
        ("officer_a", lambda w: {"building": "abc"}),
        ("officer_a", lambda w: {}),
    ],
)
def test_sheets_only_for_what_the_user_may_see(persona, target, world, as_user):
    response = as_user(persona).post(reverse("scan:label_create"), target(world))
    assert response.status_code == 404
    assert not LabelSheet.objects.exists()


def _done_sheet(world) -> LabelSheet:
    sheet = LabelSheet.objects.create(grid=world.a1, created_by=world.users["officer_a"], total=4)
    tasks.label_sheet_render.delay(sheet.pk)
    sheet.refresh_from_db()
    return sheet


@pytest.mark.parametrize("persona", ["officer_a", "aux_a", "grid_worker", "chief", "admin"])
def test_staff_of_the_grid_download_the_pdf_and_it_is_audited(persona, world, as_user):
    sheet = _done_sheet(world)
    response = as_user(persona).get(reverse("scan:label_download", args=[sheet.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditAction.DOWNLOAD)
    assert (event.user, event.object_id, event.object_type) == (
        world.users[persona],
        str(sheet.pk),
        "residents.labelsheet",
    )


@pytest.mark.parametrize(
    "persona", ["officer_b", "volunteer", "volunteer_b", "other_station_officer", "other_chief", "landlord", "mediator"]
)
def test_only_staff_of_the_grid_may_download(persona, world, as_user):
    sheet = _done_sheet(world)
    client = as_user(persona)
    for name in ("scan:label_download", "scan:label_detail", "scan:label_progress"):
        assert client.get(reverse(name, args=[sheet.pk])).status_code == 404, name
    assert not AuditEvent.objects.filter(action=AuditAction.DOWNLOAD).exists()


def test_anonymous_download_goes_to_the_login(world, as_user):
    sheet = _done_sheet(world)
    response = as_user("anonymous").get(reverse("scan:label_download", args=[sheet.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_sheet_not_yet_done_cannot_be_downloaded(world, as_user):
    sheet = LabelSheet.objects.create(grid=world.a1, created_by=world.users["officer_a"], total=4)
    assert as_user("officer_a").get(reverse("scan:label_download", args=[sheet.pk])).status_code == 404


def test_the_grid_and_building_pages_offer_the_print_button_to_their_staff(world, as_user):
    b = world.building("甲一网格")
    pages = [reverse("grid:building_detail", args=[b.pk]), reverse("grid:communitygrid_detail", args=[world.a1.pk])]
    for url in pages:
        assert reverse("scan:label_create") in as_user("officer_a").get(url).content.decode(), url
        assert reverse("scan:label_create") not in as_user("volunteer").get(url).content.decode(), url
