"""Rectification notices: the PDF, idempotent rendering, numbering under concurrency, signing on
the officer's phone and with the sign code, the venue's "fixed" report, the staff pages."""

import base64
import hashlib
import io
import re
import shutil
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import AuditEvent
from inspections import notices, services
from inspections.models import Hazard, HazardEvent, HazardStatus, NoticeStatus, RectificationNotice, Result
from residents.models import VenueKind
from tests.conftest import decode_qr_codes, need, postgres_available
from tests.factories import VenueFactory

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def _english_pages(settings):
    # These tests read messages on rendered pages by their English msgid.
    settings.LANGUAGE_CODE = "en"


VENUE = "老马家牛肉面"


def png_upload(name="hazard.png", colour=(200, 30, 30), size=(64, 48)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def signature_data_url(size=(600, 200)) -> str:
    im = Image.new("RGBA", size, (255, 255, 255, 0))
    draw = ImageDraw.Draw(im)
    draw.line([(30, 150), (120, 40), (200, 160), (320, 50), (450, 140), (560, 60)], fill=(0, 0, 0, 255), width=6)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def draft(world, *, grid="甲一网格", fails=2, name=VENUE, officer="officer_a", photo_size=(64, 48)):
    """A complete draft inspection of a new restaurant: the first ``fails`` items failed with a photo."""
    venue = VenueFactory(building=world.building(grid), kind=VenueKind.RESTAURANT, name=name, responsible_name="马师傅")
    inspection = services.inspection_start(user=world.users[officer], venue=venue)
    for n, item in enumerate(inspection.template.items.all()):
        failed = n < fails
        a = services.answer_save(
            inspection=inspection, item=item, result=Result.FAIL if failed else Result.PASS,
            note=f"现场发现问题{n + 1}" if failed else "",
        )  # fmt: skip
        if failed:
            services.photo_add(answer=a, upload=png_upload(colour=(40 * n, 120, 200), size=photo_size))
    return inspection


def submitted_notice(world, capture, **kwargs) -> RectificationNotice:
    """Submit a draft and run the on-commit render, as the worker would."""
    inspection = draft(world, **kwargs)
    inspection.companions.add(world.users["aux_a"])
    with capture(execute=True):
        services.inspection_submit(inspection=inspection, user=world.users["officer_a"])
    return RectificationNotice.objects.get(inspection=inspection)


def pdf_text(data: bytes) -> str:
    need(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    assert data.startswith(b"%PDF")
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)  # noqa: S607
    return out.stdout.decode()


def read(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


# --- the PDF ----------------------------------------------------------------------------------


def test_the_rendered_notice_names_the_venue_each_hazard_its_basis_and_the_number(
    world, django_capture_on_commit_callbacks
):
    notice = submitted_notice(world, django_capture_on_commit_callbacks)
    assert notice.status == NoticeStatus.ISSUED and notice.pdf
    text = pdf_text(read(notice.pdf))
    flat = "".join(text.split())
    assert VENUE in flat and notice.number in flat and "马师傅" in flat
    hazards = list(notice.hazards.order_by("id"))
    assert len(hazards) == 2
    for h in hazards:
        assert "".join(h.text.split()) in flat and "".join(h.legal_basis.split()) in flat
        assert h.deadline.strftime("%Y-%m-%d") in flat
    assert notices.sign_code(notice) in flat  # the venue's copy carries the code to sign later
    assert world.building("甲一网格").address.replace(" ", "") in flat


def test_the_qr_code_on_the_notice_scans_to_its_public_page(world, tmp_path, django_capture_on_commit_callbacks):
    notice = submitted_notice(world, django_capture_on_commit_callbacks)
    assert decode_qr_codes(read(notice.pdf), tmp_path) == [notices.public_url(notice)]


@pytest.mark.parametrize("size", [(1600, 1200), (64, 48)])
def test_the_hazard_photo_is_in_the_notice_a_large_one_as_its_stored_thumbnail(
    world, size, django_capture_on_commit_callbacks
):
    notice = submitted_notice(world, django_capture_on_commit_callbacks, fails=1, photo_size=size)
    photo = notice.hazards.get().answer.photos.get()
    pdf = read(notice.pdf)
    thumbnail = read(photo.thumbnail)
    with Image.open(io.BytesIO(thumbnail)) as im:
        assert max(im.size) == min(max(size), notices.PDF_PHOTO_SIDE)
    # embedded byte for byte when it is large enough to print (nothing decoded); a small photo is
    # re-encoded from the original, and still in the PDF
    assert (thumbnail in pdf) == (max(size) >= notices.PDF_PHOTO_SIDE)
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) == 2  # the photo and the QR code


def test_notices_rendered_one_after_another_each_carry_their_own_photos():
    # One compiler per process reads the photos from the same file names at every render.
    from documents.notice_pdf import HazardRow, NoticeDoc, render_notice

    def jpeg(colour):
        buf = io.BytesIO()
        Image.new("RGB", (320, 240), colour).save(buf, format="JPEG")
        return buf.getvalue()

    def doc(photos):
        hazards = [HazardRow("灭火器失效", "", "《消防法》第十六条", "7日内", "2026-12-01", photo=p) for p in photos]
        return NoticeDoc("第00001号", 1, "城东派出所", "", VENUE, "", "文三路1号", "", "", "", "https://x/n/1", hazards)

    red, blue, green = jpeg((200, 0, 0)), jpeg((0, 0, 200)), jpeg((0, 160, 0))
    first, second, third = render_notice(doc([red, blue])), render_notice(doc([green])), render_notice(doc([]))
    assert red in first and blue in first and green not in first
    assert green in second and red not in second and blue not in second
    assert len(re.findall(rb"/Subtype\s*/Image", third)) == 1  # the QR code alone


def test_many_hazards_flow_onto_more_pages(world, django_capture_on_commit_callbacks):
    notice = submitted_notice(world, django_capture_on_commit_callbacks, fails=10)
    text = pdf_text(read(notice.pdf))
    assert text.count("\f") >= 2  # pdftotext ends every page with a form feed
    for h in notice.hazards.all():
        assert "".join(h.text.split()) in "".join(text.split())


def test_the_sign_code_is_six_digits_stable_and_not_stored(world, django_capture_on_commit_callbacks):
    notice = submitted_notice(world, django_capture_on_commit_callbacks)
    code = notices.sign_code(notice)
    assert len(code) == 6 and code.isdigit() and code == notices.sign_code(RectificationNotice.objects.get())
    assert code not in str(RectificationNotice.objects.values().get())


# --- the backlog ------------------------------------------------------------------------------


def pending_notices(world, n: int) -> list[RectificationNotice]:
    """``n`` submitted notices whose render tasks have not run (as behind a backlog, or with the
    broker down), oldest first."""
    made = []
    for k in range(n):
        inspection = draft(world, fails=1, name=f"{VENUE}{k}")
        services.inspection_submit(inspection=inspection, user=world.users["officer_a"])  # on_commit not run
        made.append(RectificationNotice.objects.get(inspection=inspection))
    return made


def test_one_task_renders_its_notice_and_the_backlog_behind_it_and_the_others_find_theirs_done(world):
    from inspections.tasks import notice_render

    a, b, c = pending_notices(world, 3)
    assert {x.status for x in (a, b, c)} == {NoticeStatus.PENDING} and not any(x.pdf for x in (a, b, c))
    assert notice_render(b.pk) == 3  # its own first, then the others waiting
    for x in (a, b, c):
        x.refresh_from_db()
        assert x.status == NoticeStatus.ISSUED and x.pdf
        assert x.number in "".join(pdf_text(read(x.pdf)).split())
    assert notice_render(a.pk) == 0 and notice_render(c.pk) == 0  # their tasks, still queued: nothing left


def test_a_batch_stops_at_its_limit_and_the_sweeper_leaves_fresh_notices_to_their_tasks(world):
    a, b, c = pending_notices(world, 3)
    assert notices.notices_render_backlog(first=c.pk, limit=2) == 2
    assert [x.pk for x in RectificationNotice.objects.filter(pdf="")] == [b.pk]  # c first, then the oldest
    assert notices.notices_render_backlog(older_than=timezone.now() - timedelta(minutes=5)) == 0
    from inspections.tasks import notices_sweep

    RectificationNotice.objects.filter(pk=b.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    assert notices_sweep() == 1 and not RectificationNotice.objects.filter(pdf="").exists()


def test_a_notice_that_fails_to_render_is_left_pending_and_only_its_own_task_fails(world, monkeypatch):
    from inspections.tasks import notice_render

    a, b = pending_notices(world, 2)
    real = notices._render

    def broken(notice, **kwargs):
        if notice.pk == a.pk:
            raise RuntimeError("typesetting failed")
        return real(notice, **kwargs)

    monkeypatch.setattr(notices, "_render", broken)
    assert notice_render(b.pk) == 1  # b rendered; a logged and left for its own task
    a.refresh_from_db()
    assert a.status == NoticeStatus.PENDING and not a.pdf
    with pytest.raises(RuntimeError):
        notice_render(a.pk)
    a.refresh_from_db()
    assert a.status == NoticeStatus.PENDING and not a.pdf


# --- idempotency and numbering ----------------------------------------------------------------


def test_rendering_twice_keeps_one_file_and_the_number(world, django_capture_on_commit_callbacks):
    from inspections.tasks import notice_render

    notice = submitted_notice(world, django_capture_on_commit_callbacks)
    first_name, first_bytes, number = notice.pdf.name, read(notice.pdf), notice.number
    notice_render.delay(notice.pk)
    notice_render(notice.pk)
    notice.refresh_from_db()
    assert (notice.pdf.name, read(notice.pdf), notice.number) == (first_name, first_bytes, number)
    assert RectificationNotice.objects.count() == 1
    folder = Path(notice.pdf.path).parent
    assert sorted(p.name for p in folder.glob("*.pdf")) == [f"notice-{notice.pk}.pdf"]
    assert notices.notice_render(notice_id=notice.pk, force=True) is True  # forced: same name, same number
    notice.refresh_from_db()
    assert notice.pdf.name == first_name and notice.number == number


@pytest.mark.django_db(transaction=True)
def test_numbers_are_unique_and_gap_free_under_concurrent_submits(world, transactional_db):
    need(postgres_available(), "the concurrency test needs PostgreSQL (set DATABASE_URL)")
    drafts = [draft(world, name=f"店{n}") for n in range(6)]
    barrier, errors = threading.Barrier(len(drafts)), []

    def submit(inspection):
        try:
            barrier.wait(timeout=30)
            services.inspection_submit(inspection=inspection, user=world.users["officer_a"])
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    seqs = sorted(RectificationNotice.objects.filter(station=world.s1).values_list("seq", flat=True))
    assert seqs == [1, 2, 3, 4, 5, 6]
    numbers = list(RectificationNotice.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 6
    assert all(n.pdf for n in RectificationNotice.objects.all())  # each rendered after its commit


@pytest.mark.django_db(transaction=True)
def test_a_batch_passes_over_a_notice_another_worker_is_rendering(world, transactional_db, monkeypatch):
    need(postgres_available(), "SKIP LOCKED needs PostgreSQL (set DATABASE_URL)")
    from django.db import transaction

    from inspections import tasks

    monkeypatch.setattr(tasks.notice_render, "delay", lambda pk: None)  # the backlog: no task has run
    a, b = pending_notices(world, 2)
    locked, release, seen = threading.Event(), threading.Event(), []

    def other_worker():  # holds a's row as a worker rendering it would
        try:
            with transaction.atomic():
                seen.append(RectificationNotice.objects.select_for_update().get(pk=a.pk).pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert locked.wait(timeout=30) and seen == [a.pk]
    try:
        assert notices.notices_render_backlog(first=b.pk) == 1  # b; a is skipped, not waited for
    finally:
        release.set()
        thread.join(timeout=30)
    a.refresh_from_db(), b.refresh_from_db()
    assert b.pdf and not a.pdf


# --- signing on the officer's phone -------------------------------------------------------------


def test_the_venue_signs_on_the_officers_phone_and_the_archive_never_changes(
    world, as_user, django_capture_on_commit_callbacks
):
    notice = submitted_notice(world, django_capture_on_commit_callbacks)
    client = as_user("officer_a")
    url = reverse("notices:sign", args=[notice.pk])
    page = client.get(url)
    assert page.status_code == 200 and "data-signature-pad" in page.content.decode()
    response = client.post(url, {"signer_name": "马师傅", "signature": signature_data_url()})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SIGNED and notice.signed_at and notice.signer_name == "马师傅"
    archived = read(notice.signed_pdf)
    assert notice.sha256 == hashlib.sha256(archived).hexdigest()
    assert notice.signature and Image.open(notice.signature.open("rb")).format == "PNG"
    text = "".join(pdf_text(archived).split())
    assert "马师傅" in text and notices.sign_code(notice) not in text
    assert HazardEvent.objects.filter(action="signed").count() == 2

    again = client.post(url, {"signer_name": "别人", "signature": signature_data_url()}, follow=True)
    assert "already been signed" in again.content.decode()
    notice.refresh_from_db()
    assert read(notice.signed_pdf) == archived and notice.signer_name == "马师傅"
    with pytest.raises(Exception, match="already been signed"):
        notices.notice_sign(notice=notice, signature_png=b"x", signer_name="又一人")
    assert read(notice.signed_pdf) == archived


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("", "Sign in the box first"),
        ("data:image/jpeg;base64,AAAA", "could not be read"),
        ("data:image/png;base64," + base64.b64encode(b"not a png at all").decode(), "could not be read"),
        ("data:image/png;base64," + "A" * 700_000, "too large"),
    ],
)
def test_a_bad_signature_is_refused_with_a_message_and_the_name_kept(
    world, as_user, django_capture_on_commit_callbacks, signature, message
):
    notice = submitted_notice(world, django_capture_on_commit_callbacks)
    response = as_user("officer_a").post(
        reverse("notices:sign", args=[notice.pk]), {"signer_name": "马师傅", "signature": signature}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body and 'value="马师傅"' in body
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED and not notice.signed_pdf


def test_a_blank_pad_is_not_a_signature(world, django_capture_on_commit_callbacks):
    buf = io.BytesIO()
    Image.new("RGB", (400, 150), "white").save(buf, format="PNG")
    with pytest.raises(Exception, match="Sign in the box first"):
        notices.signature_from_data_url("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode())


# --- the venue's page -------------------------------------------------------------------------


def test_the_public_page_shows_the_notice_without_personal_data(world, django_capture_on_commit_callbacks):
    notice = submitted_notice(world, django_capture_on_commit_callbacks)
    body = Client().get(reverse("notices:public", args=[notice.token])).content.decode()
    assert VENUE in body and notice.number in body and "马师傅" in body
    for h in notice.hazards.all():
        assert h.text in body and h.deadline.strftime("%Y-%m-%d") in body
    assert notices.sign_code(notice) not in body
    assert world.users["officer_a"].display_name not in body
    pdf = Client().get(reverse("notices:public_pdf", args=[notice.token]))
    assert pdf.status_code == 200
    text = "".join(pdf_text(pdf.content).split())
    assert notice.number in text and notices.sign_code(notice) not in text  # the link alone cannot sign
    assert AuditEvent.objects.filter(action="download", object_id=str(notice.pk), user=None).count() == 1


def test_a_wrong_code_is_refused_and_the_right_code_signs(world, django_capture_on_commit_callbacks):
    notice = submitted_notice(world, django_capture_on_commit_callbacks)
    url = reverse("notices:public_sign", args=[notice.token])
    wrong = "000000" if notices.sign_code(notice) != "000000" else "111111"
    response = Client().post(url, {"code": wrong, "signer_name": "马师傅", "signature": signature_data_url()})
    assert response.status_code == 200 and "Wrong sign code" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED
    response = Client().post(
        url, {"code": notices.sign_code(notice), "signer_name": "马师傅", "signature": signature_data_url()}
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SIGNED and notice.sha256 == hashlib.sha256(read(notice.signed_pdf)).hexdigest()
    signed = Client().get(reverse("notices:public_pdf", args=[notice.token]))
    assert signed.content == read(notice.signed_pdf)


def test_five_wrong_codes_lock_signing_for_fifteen_minutes(world, django_capture_on_commit_callbacks):
    notice = submitted_notice(world, django_capture_on_commit_callbacks)
    url = reverse("notices:public_sign", args=[notice.token])
    code = notices.sign_code(notice)
    wrong = "000000" if code != "000000" else "111111"
    for _n in range(5):
        body = Client().post(url, {"code": wrong, "signer_name": "马", "signature": signature_data_url()})
    assert "Too many wrong codes" in body.content.decode()
    right = {"code": code, "signer_name": "马", "signature": signature_data_url()}
    assert "Too many wrong codes" in Client().post(url, right).content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED
    cache.delete(f"notice-code-lock:{notice.pk}")  # what 15 minutes do (locmem ignores time travel)
    assert Client().post(url, right).status_code == 302


def test_a_text_file_named_jpg_is_refused_and_a_real_photo_reports_fixed(world, django_capture_on_commit_callbacks):
    notice = submitted_notice(world, django_capture_on_commit_callbacks)
    hazard = notice.hazards.order_by("id").first()
    url = reverse("notices:public_fixed", args=[notice.token, hazard.pk])
    fake = SimpleUploadedFile("fixed.jpg", b"this is not a photo", content_type="image/jpeg")
    response = Client().post(url, {"photos": [fake], "note": "已更换灭火器"})
    body = response.content.decode()
    assert response.status_code == 200 and "not a photo" in body and "已更换灭火器" in body
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.OPEN and not hazard.fix_photos.exists()

    # One good and one bad file: nothing is saved.
    bad = SimpleUploadedFile("x.jpg", b"GIF89a nope", content_type="image/jpeg")
    Client().post(url, {"photos": [png_upload("ok.png"), bad], "note": ""})
    assert not hazard.fix_photos.exists()

    response = Client().post(url, {"photos": [png_upload("ok.png"), png_upload("ok2.png")], "note": "已更换灭火器"})
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.FIXED_REPORTED and hazard.fix_photos.count() == 2
    assert HazardEvent.objects.filter(hazard=hazard, action="fixed_reported", note="已更换灭火器").exists()
    again = Client().post(url, {"photos": [png_upload()], "note": ""})
    assert "cannot be reported fixed" in again.content.decode()


def test_a_fixed_report_needs_one_to_three_photos_of_this_notice(world, django_capture_on_commit_callbacks):
    notice = submitted_notice(world, django_capture_on_commit_callbacks)
    hazard = notice.hazards.first()
    with pytest.raises(Exception, match="at least one photo"):
        notices.hazard_report_fixed(notice=notice, hazard_id=hazard.pk, photos=[], note="")
    with pytest.raises(Exception, match="At most 3"):
        notices.hazard_report_fixed(notice=notice, hazard_id=hazard.pk, photos=[png_upload()] * 4, note="")
    other = submitted_notice(world, django_capture_on_commit_callbacks, name="别家店")
    with pytest.raises(Exception, match="not on this notice"):
        notices.hazard_report_fixed(notice=other, hazard_id=hazard.pk, photos=[png_upload()], note="")
    assert Hazard.objects.filter(status=HazardStatus.FIXED_REPORTED).count() == 0


# --- staff pages ------------------------------------------------------------------------------


def test_the_officer_sees_the_code_and_the_pdf_download_is_audited(world, as_user, django_capture_on_commit_callbacks):
    notice = submitted_notice(world, django_capture_on_commit_callbacks)
    client = as_user("officer_a")
    body = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert notices.sign_code(notice) in body and reverse("notices:sign", args=[notice.pk]) in body
    response = client.get(reverse("notices:pdf", args=[notice.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == read(notice.pdf)
    assert AuditEvent.objects.filter(action="download", object_id=str(notice.pk)).count() == 1
    assert as_user("officer_b").get(reverse("notices:pdf", args=[notice.pk])).status_code == 404
    assert as_user("grid_worker").get(reverse("notices:pdf", args=[notice.pk])).status_code == 404


def test_a_notice_without_its_pdf_yet_is_rendered_on_download(world, as_user):
    inspection = draft(world)
    services.inspection_submit(inspection=inspection, user=world.users["officer_a"])  # no on-commit here
    notice = RectificationNotice.objects.get()
    assert notice.status == NoticeStatus.PENDING and not notice.pdf
    response = as_user("chief").get(reverse("notices:pdf", args=[notice.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED and notice.pdf


def test_the_detail_page_query_count_does_not_grow_with_hazards(
    world, as_user, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    notice = submitted_notice(world, django_capture_on_commit_callbacks, fails=8)
    client = as_user("officer_a")
    client.get(reverse("notices:detail", args=[notice.pk]))
    # session, user, notice + relations, hazards, their fix photos, companions-free page: bounded.
    with django_assert_max_num_queries(8):
        client.get(reverse("notices:detail", args=[notice.pk]))
