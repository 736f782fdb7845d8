"""The officer's side: approve (number, registry person, PDF), return, verify, renew, remind."""

import datetime as dt
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from lib import sms
from rentals import permits
from rentals.models import PermitStatus, ResidencePermit
from rentals.tasks_permits import permit_render_pdf, permits_daily
from residents.models import HouseholdStatus, Person
from tests.conftest import decode_qr_codes, need
from tests.factories import PersonFactory, resident_id
from tests.routes_permits import APPLICANT, permit_in

FULL_ID = resident_id(901)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf_text(permit) -> str:
    need(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    with permit.pdf.open("rb") as f:
        data = f.read()
    assert data.startswith(b"%PDF")
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)  # noqa: S607
    return out.stdout.decode()


def approve(permit, user):
    permit = permits.permit_approve(permit=permit, user=user)
    permit.refresh_from_db()
    return permit


def test_approval_issues_a_numbered_permit_links_a_person_and_renders_the_pdf(
    world, as_user, django_capture_on_commit_callbacks
):
    world.s1.permit_prefix = "640106"
    world.s1.save()
    permit = permit_in(world, approve=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user("officer_a").post(reverse("permits:approve", args=[permit.pk]))
    assert response.status_code == 302
    permit.refresh_from_db()
    today = permits.today()
    assert permit.status == PermitStatus.APPROVED
    assert permit.number == f"640106{today.year}000001"
    assert permit.valid_from == today
    assert permit.valid_until == permits.add_years(today) - dt.timedelta(days=1)
    assert permit.reviewed_by == world.users["officer_a"]
    person = permit.person
    assert person.household_status == HouseholdStatus.FLOATING and person.grid == world.a1
    assert person.id_number_hash == permit.id_number_hash and person.name == APPLICANT
    assert [e.action for e in permit.events.all()] == ["submitted", "approved"]
    # The PDF: the name and the masked ID, never the full one.
    assert permit.pdf.name.endswith(f"permit-{permit.pk}-v1.pdf")
    text = pdf_text(permit)
    assert APPLICANT in text and permit.id_number_masked in text and permit.number in text
    assert FULL_ID not in text


def test_an_existing_registry_person_is_linked_not_duplicated(world):
    existing = PersonFactory(id_seq=901, grid=world.a2)
    permit = approve(permit_in(world, approve=False), world.users["officer_a"])
    assert permit.person == existing
    assert Person.objects.filter(id_number_hash=existing.id_number_hash).count() == 1


def test_numbers_run_without_gaps_per_station_and_year(world):
    year = permits.today().year
    first = approve(permit_in(world, approve=False), world.users["officer_a"])
    other = permit_in(world, "乙一网格", name="申请人乙一", seq=905, approve=False)
    second = approve(other, world.users["officer_b"])
    elsewhere = approve(permit_in(world, "丙一网格", name="申请人丙一", seq=907, approve=False),
                        world.users["other_station_officer"])  # fmt: skip
    assert first.number == f"{world.s1.code}{year}000001"
    assert second.number == f"{world.s1.code}{year}000002"
    assert elsewhere.number == f"{world.s2.code}{year}000001"


def test_an_issued_permit_cannot_be_approved_or_returned_again(world, as_user):
    permit = permit_in(world)
    with pytest.raises(ValidationError):
        permits.permit_approve(permit=permit, user=world.users["officer_a"])
    response = as_user("officer_a").post(reverse("permits:return", args=[permit.pk]), {"reason": "再看看"}, follow=True)
    permit.refresh_from_db()
    assert permit.status == PermitStatus.APPROVED
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_returning_needs_a_reason(world, as_user):
    permit = permit_in(world, approve=False)
    as_user("officer_a").post(reverse("permits:return", args=[permit.pk]), {"reason": " "})
    permit.refresh_from_db()
    assert permit.status == PermitStatus.SUBMITTED
    as_user("officer_a").post(reverse("permits:return", args=[permit.pk]), {"reason": "照片不清楚"})
    permit.refresh_from_db()
    assert permit.status == PermitStatus.RETURNED and permit.return_reason == "照片不清楚"
    assert permit.events.last().user == world.users["officer_a"]


def test_the_verify_page_says_valid_expired_or_not_issued_with_masked_data_only(world, client):
    permit = permit_in(world)
    url = reverse("permits:verify", args=[permit.verify_token])
    response = client.get(url)
    html = response.content.decode()
    assert response.context["validity"] == "valid"
    assert "申***一" in html and permit.id_number_masked in html and world.s1.name in html
    assert APPLICANT not in html and FULL_ID not in html and "13912345678" not in html
    # Time travel: the permit ran out yesterday.
    ResidencePermit.objects.filter(pk=permit.pk).update(valid_until=permits.today() - dt.timedelta(days=1))
    assert client.get(url).context["validity"] == "expired"
    pending = permit_in(world, name="申请人二", seq=903, approve=False)
    assert client.get(reverse("permits:verify", args=[pending.verify_token])).context["validity"] == "not_issued"
    assert client.get(reverse("permits:verify", args=["unknown-token"])).status_code == 404


def test_renewal_waits_for_the_last_month_then_adds_a_year_and_a_new_pdf(
    world, as_user, django_capture_on_commit_callbacks
):
    permit = permit_in(world)
    assert permit.pdf_version == 1
    client = as_user("officer_a")
    client.post(reverse("permits:renew", args=[permit.pk]))
    permit.refresh_from_db()
    assert permit.valid_until == permits.add_years(permits.today()) - dt.timedelta(days=1)  # too early: unchanged

    soon = permits.today() + dt.timedelta(days=20)
    ResidencePermit.objects.filter(pk=permit.pk).update(valid_until=soon)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("permits:renew", args=[permit.pk]))
    permit.refresh_from_db()
    assert permit.valid_until == permits.add_years(soon)
    assert permit.pdf_version == 2 and permit.pdf.name.endswith(f"permit-{permit.pk}-v2.pdf")
    assert permit.events.last().action == "renewed"
    assert permits.add_years(soon).isoformat() in pdf_text(permit)
    # A second click in the same month does not add another year.
    client.post(reverse("permits:renew", args=[permit.pk]))
    permit.refresh_from_db()
    assert permit.valid_until == permits.add_years(soon)


def test_a_lapsed_permit_renewed_late_runs_a_year_from_the_renewal(world):
    permit = permit_in(world)
    ResidencePermit.objects.filter(pk=permit.pk).update(valid_until=permits.today() - dt.timedelta(days=40))
    permit = permits.permit_renew(permit=permit, user=world.users["officer_a"])
    assert permit.valid_until == permits.add_years(permits.today()) - dt.timedelta(days=1)


def test_the_render_task_is_idempotent_and_ignores_stale_versions(world):
    permit = permit_in(world)
    name = permit.pdf.name
    assert permit_render_pdf.delay(permit.pk, 1).get() is False  # already rendered
    assert permit_render_pdf.delay(permit.pk, 0).get() is False  # stale
    permit.refresh_from_db()
    assert permit.pdf.name == name


def test_the_daily_sweep_reminds_once_per_expiry_and_renders_lost_pdfs(world, caplog):
    permit = permit_in(world)
    expiry = permits.today() + dt.timedelta(days=25)
    ResidencePermit.objects.filter(pk=permit.pk).update(valid_until=expiry, pdf="")
    later = permit_in(world, "乙一网格", name="申请人乙一", seq=905)  # expires in a year: no reminder
    sms.outbox.clear()

    result = permits_daily.delay().get()
    assert result == {"reminded": 1, "rendered": 1}
    permit.refresh_from_db()
    assert permit.renewal_reminded_for == expiry
    assert [e.action for e in permit.events.all()][-1] == "reminder"
    assert permit.pdf.name.endswith(f"permit-{permit.pk}-v1.pdf")
    assert len(sms.outbox) == 1 and sms.outbox[0][0] == "13912345678" and permit.number in sms.outbox[0][1]
    assert not later.events.filter(action="reminder").exists()

    assert permits_daily.delay().get() == {"reminded": 0, "rendered": 0}
    assert permit.events.filter(action="reminder").count() == 1 and len(sms.outbox) == 1

    # Renewed: the new expiry gets its own reminder when its month comes.
    permit = permits.permit_renew(permit=permit, user=world.users["officer_a"])
    assert permits.permit_remind(permit_id=permit.pk, on=permit.valid_until - dt.timedelta(days=10)) is True
    assert permit.events.filter(action="reminder").count() == 2


def test_the_officers_list_flags_and_filters_permits_expiring_soon(world, as_user):
    permit = permit_in(world)
    fresh = permit_in(world, "甲二网格", name="申请人甲二", seq=903)
    ResidencePermit.objects.filter(pk=permit.pk).update(valid_until=permits.today() + dt.timedelta(days=10))
    response = as_user("officer_a").get(reverse("permits:list"), {"status": "expiring"})
    assert [p.pk for p in response.context["page"]] == [permit.pk]
    assert response.context["page"][0].expiring is True
    response = as_user("officer_a").get(reverse("permits:list"))
    flags = {p.pk: p.expiring for p in response.context["page"]}
    assert flags == {permit.pk: True, fresh.pk: False}


def test_revealing_the_full_id_needs_a_reason_and_is_audited(world, as_user):
    permit = permit_in(world)
    client = as_user("officer_a")
    url = reverse("permits:reveal", args=[permit.pk])
    response = client.post(url, {"reason": ""}, HTTP_HX_REQUEST="true")
    assert FULL_ID not in response.content.decode() and "reason" in response.context["reveal_form"].errors
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()
    response = client.post(url, {"reason": "核对身份证原件"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert FULL_ID in html and "13912345678" in html and "<html" not in html
    event = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert event.reason == "核对身份证原件" and event.object_id == str(permit.pk)
    assert event.user == world.users["officer_a"]


def test_the_detail_page_never_shows_the_full_id_without_a_reveal(world, as_user):
    permit = permit_in(world)
    html = as_user("chief").get(reverse("permits:detail", args=[permit.pk])).content.decode()
    assert permit.id_number_masked in html and FULL_ID not in html and "13912345678" not in html


def test_the_qr_on_the_permit_opens_the_public_verify_page(world, settings, tmp_path):
    settings.PUBLIC_BASE_URL = "https://fengqiao.example.gov.cn"
    permit = permit_in(world)
    with permit.pdf.open("rb") as f:
        decoded = decode_qr_codes(f.read(), tmp_path)
    assert decoded == [f"https://fengqiao.example.gov.cn/verify/{permit.verify_token}/"]
