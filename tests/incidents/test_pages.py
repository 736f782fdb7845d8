"""The import page, the job page with its progress bar, and filters that never break a page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import ImportStatus, IncidentImport
from tests.incidents.helpers import csv_file, row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_in_english(settings):
    """These tests read the pages' English msgids: render them in English (the default is zh-hans)."""
    settings.LANGUAGE_CODE = "en"


def test_upload_runs_the_import_in_the_background_and_shows_the_job(world, as_user, django_capture_on_commit_callbacks):
    client = as_user("officer_a")
    upload = csv_file([row("6401062026000001", "2026-05-01 21:35", "治安", world.a1)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/incidents/import/", {"file": upload})
    job = IncidentImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/incidents/import/{job.pk}/"
    assert (job.status, job.created, job.done, job.percent) == (ImportStatus.DONE, 1, 1, 100)
    page = client.get(response["Location"]).content.decode()
    assert "hx-get" not in page  # finished: no more polling
    assert "100%" in page


def test_a_running_job_polls_its_progress(world, as_user):
    job = IncidentImport.objects.create(
        created_by=world.users["officer_a"], file="x.csv", total=200, done=50, status=ImportStatus.RUNNING
    )
    response = as_user("officer_a").get(f"/incidents/import/{job.pk}/progress/")
    body = response.content.decode()
    assert f'hx-get="/incidents/import/{job.pk}/progress/"' in body
    assert 'aria-valuenow="25"' in body
    assert as_user("aux_a").get(f"/incidents/import/{job.pk}/").status_code == 404  # only its creator


def test_an_unreadable_file_is_refused_next_to_the_field(world, as_user, english):
    bad = SimpleUploadedFile("x.csv", "编号,时间\n1,2\n".encode())
    response = as_user("officer_a").post("/incidents/import/", {"file": bad})
    assert response.status_code == 200
    assert "Missing columns" in response.content.decode()
    assert not IncidentImport.objects.exists()
    empty = as_user("officer_a").post("/incidents/import/", {})
    assert empty.status_code == 200 and "is-invalid" in empty.content.decode()


@pytest.mark.parametrize(
    "query",
    ["start=abc&end=2026-13-01", "category=zzz", "start=2026-05-01", "end=2026-05-01", "start=2026-06-01&end=2026-01-01",
     "page=999"],
)  # fmt: skip
def test_nonsense_filters_never_break_a_page(world, as_user, query):
    client = as_user("chief")
    for path in ("/incidents/", "/incidents/map/", "/incidents/map/cells.json", "/incidents/hotspots/",
                 "/api/v1/grid/incidents/", "/api/v1/grid/incidents/heat/"):  # fmt: skip
        # DRF answers a page past the end with a JSON 404, as for every API list.
        expected = 404 if path == "/api/v1/grid/incidents/" and query == "page=999" else 200
        assert client.get(f"{path}?{query}").status_code == expected, path
    assert client.get("/incidents/?grid=abc").status_code == 404
