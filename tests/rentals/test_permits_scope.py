"""Who may see and act on residence permits; files; the list's pinned query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from rentals.models import PermitStatus
from tests.factories import resident_id
from tests.routes_permits import permit_in

FULL_ID = resident_id(901)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("persona", ["officer_b", "other_station_officer", "other_chief"])
def test_an_officer_of_another_grid_can_neither_see_nor_decide(world, as_user, persona):
    permit = permit_in(world, approve=False)
    client = as_user(persona)
    assert client.get(reverse("permits:detail", args=[permit.pk])).status_code == 404
    for name in ("approve", "return", "renew", "reveal"):
        assert client.post(reverse(f"permits:{name}", args=[permit.pk]), {"reason": "x" * 5}).status_code == 404
    permit.refresh_from_db()
    assert permit.status == PermitStatus.SUBMITTED
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


@pytest.mark.parametrize("persona", ["grid_worker", "volunteer", "landlord", "mediator"])
def test_grid_workers_volunteers_and_the_public_get_404_on_every_staff_page(world, as_user, persona):
    permit = permit_in(world, approve=False)
    client = as_user(persona)
    assert client.get(reverse("permits:list")).status_code == 404
    assert client.get(reverse("permits:detail", args=[permit.pk])).status_code == 404
    assert client.post(reverse("permits:approve", args=[permit.pk])).status_code == 404
    permit.refresh_from_db()
    assert permit.status == PermitStatus.SUBMITTED


def test_anonymous_visitors_are_sent_to_the_login_for_staff_pages(world, client):
    permit = permit_in(world)
    login = reverse("accounts:login")
    for url in (
        reverse("permits:list"),
        reverse("permits:detail", args=[permit.pk]),
        reverse("permits:pdf", args=[permit.pk]),
        reverse("permits:photo", args=[permit.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login), url
    response = client.post(reverse("permits:approve", args=[permit.pk]))
    assert response.status_code == 302 and response["Location"].startswith(login)


def test_file_routes_follow_the_permit_scope(world, as_user):
    permit = permit_in(world)
    attachment = permit.attachments.get()
    urls = [
        reverse("permits:pdf", args=[permit.pk]),
        reverse("permits:photo", args=[permit.pk]),
        reverse("permits:attachment", args=[permit.pk, attachment.pk]),
    ]
    for persona in ("officer_a", "aux_a", "chief", "admin"):
        client = as_user(persona)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (persona, url)
            body = b"".join(response.streaming_content)
            assert body[:4] == b"%PDF" or body[:2] == b"\xff\xd8"  # a PDF or a JPEG
    for persona in ("officer_b", "other_station_officer", "other_chief", "grid_worker", "volunteer", "landlord"):
        for url in urls:
            assert as_user(persona).get(url).status_code == 404, (persona, url)
    # Every staff download of the PDF is in the audit trail.
    assert AuditEvent.objects.filter(action=AuditAction.DOWNLOAD, object_id=str(permit.pk)).count() == 4
    # Another permit's attachment id under this permit's URL is a 404.
    other = permit_in(world, "甲二网格", name="申请人甲二", seq=903)
    wrong = reverse("permits:attachment", args=[permit.pk, other.attachments.get().pk])
    assert as_user("officer_a").get(wrong).status_code == 404


def test_the_applicant_downloads_the_issued_pdf(world, client):
    pending = permit_in(world, approve=False)
    assert client.get(reverse("permits:status_pdf", args=[pending.status_token])).status_code == 404
    permit = permit_in(world, "甲二网格", name="申请人甲二", seq=903)
    response = client.get(reverse("permits:status_pdf", args=[permit.status_token]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("permits:status_pdf", args=["wrong"])).status_code == 404
    [line] = AuditEvent.objects.filter(action=AuditAction.DOWNLOAD, object_id=str(permit.pk))
    assert line.user is None and line.object_type == "rentals.residencepermit"


def test_the_full_id_appears_in_no_list_status_or_verify_page(world, as_user, client):
    permit = permit_in(world)
    pages = [
        as_user("officer_a").get(reverse("permits:list")),
        as_user("admin").get(reverse("permits:list"), {"q": "申请人"}),
        as_user("officer_a").get(reverse("permits:detail", args=[permit.pk])),
        client.get(reverse("permits:status", args=[permit.status_token])),
        client.get(reverse("permits:verify", args=[permit.verify_token])),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert FULL_ID not in html and "13912345678" not in html
        assert permit.id_number_masked in html


def test_the_list_finds_a_permit_by_its_full_id_without_showing_it(world, as_user):
    permit = permit_in(world)
    response = as_user("officer_a").get(reverse("permits:list"), {"q": FULL_ID})
    assert [p.pk for p in response.context["page"]] == [permit.pk]


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["officer_a", "chief"])
def test_the_list_costs_the_same_queries_however_many_permits(world, as_user, persona):
    client = as_user(persona)
    url = reverse("permits:list")
    permit_in(world)
    client.get(url)  # warm per-process caches (content types, translations)
    before = _count(client, url)
    for n, grid in enumerate(("甲一网格", "甲二网格", "甲一网格", "甲二网格")):
        permit_in(world, grid, name=f"申请人{n}", seq=921 + 2 * n, approve=n % 2 == 0)
    after = _count(client, url)
    assert after == before
    # session, user, scope, count, the page's rows (house, building and grid joined)
    assert after <= 5, after
