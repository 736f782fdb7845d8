"""The loop after a notice: deadlines and the daily sweep (with time travel), re-inspection that
closes, reissues with a shorter deadline and the next number, and escalates on a second failure."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inspections import loop
from inspections.models import Grade, Hazard, HazardEvent, HazardStatus, Inspection, RectificationNotice
from tests.routes_hazards import notice_with_hazards, photo

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY0 = dt.datetime(2026, 5, 4, 10, 0, tzinfo=SHANGHAI)


def at(day: dt.date, hour=10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def notice(world):
    with time_machine.travel(DAY0, tick=False):
        return notice_with_hazards(world, grades={0: Grade.DAYS_7, 1: Grade.DAYS_15})


def hazards(notice):
    return list(notice.hazards.order_by("id"))


def test_deadline_follows_the_grade_from_the_inspection_day(notice):
    h7, h15 = hazards(notice)
    assert h7.deadline == dt.date(2026, 5, 11)
    assert h15.deadline == dt.date(2026, 5, 19)


def test_hazard_is_due_on_its_deadline_day_and_overdue_the_day_after(world, notice):
    h7, _h15 = hazards(notice)
    officer = world.users["officer_a"]
    with at(h7.deadline - dt.timedelta(days=1)):
        assert h7 not in loop.hazards_due_for(officer)
        assert loop.hazard_state(h7, on=loop.today()) == "open"
    with at(h7.deadline):
        assert list(loop.hazards_due_for(officer)) == [h7]
        assert loop.hazard_state(h7, on=loop.today()) == "due"
        assert loop.ledger_counts(officer) == {"due": 1, "overdue": 0}
    with at(h7.deadline + dt.timedelta(days=1)):
        assert loop.hazard_state(h7, on=loop.today()) == "overdue"
        assert loop.ledger_counts(officer) == {"due": 1, "overdue": 1}


def test_sweep_writes_one_due_event_however_often_it_runs(notice):
    h7, h15 = hazards(notice)
    with at(h7.deadline - dt.timedelta(days=1)):
        assert loop.hazards_sweep() == 0
    with at(h7.deadline, hour=6):
        assert loop.hazards_sweep() == 1
        assert loop.hazards_sweep() == 0
    with at(h15.deadline + dt.timedelta(days=3)):
        assert loop.hazards_sweep() == 1
    assert HazardEvent.objects.filter(action="due", hazard=h7).count() == 1
    assert HazardEvent.objects.filter(action="due", hazard=h15).count() == 1


def test_sweep_task_runs_through_celery(notice):
    from inspections.tasks import hazards_sweep_daily

    with at(dt.date(2026, 6, 1)):
        assert hazards_sweep_daily.delay().get() == 2


def test_sweep_is_in_the_beat_schedule(settings):
    tasks = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "inspections.tasks_loop.hazards_sweep_daily" in tasks


def test_closed_hazard_is_not_swept(world, notice):
    h7, h15 = hazards(notice)
    with at(h7.deadline):
        loop.reinspection_submit(notice=notice, results={h7.pk: (True, "", None), h15.pk: (True, "", None)},
                                 user=world.users["officer_a"])  # fmt: skip
    with at(h15.deadline + dt.timedelta(days=5)):
        assert loop.hazards_sweep() == 0
        assert not loop.hazards_due_for(world.users["officer_a"]).exists()


def test_passing_reinspection_closes_the_hazards(world, notice):
    h7, h15 = hazards(notice)
    with at(h7.deadline):
        result = loop.reinspection_submit(
            notice=notice, results={h7.pk: loop.Finding(True), h15.pk: loop.Finding(True)}, user=world.users["aux_a"]
        )
    assert result.notice is None and len(result.closed) == 2
    for h in hazards(notice):
        assert h.status == HazardStatus.CLOSED and h.closed_at is not None
        assert h.events.filter(action="closed").exists()
    re = Inspection.objects.get(reinspection_of=notice)
    assert re.status == "submitted" and re.venue_id == notice.inspection.venue_id
    assert re.answers.filter(result="pass").count() == 2


def test_failed_first_reinspection_issues_a_second_notice_with_a_shorter_deadline(world, notice):
    h7, h15 = hazards(notice)
    day = h7.deadline
    with at(day):
        result = loop.reinspection_submit(
            notice=notice,
            results={h7.pk: (False, "灭火器仍过期", photo()), h15.pk: (True, "", None)},
            user=world.users["officer_a"],
        )
    second = result.notice
    assert second.round == 2 and second.seq == notice.seq + 1 and second.station_id == notice.station_id
    assert second.number != notice.number and second.inspection.reinspection_of_id == notice.pk
    (new,) = second.hazards.all()
    assert new.previous_id == h7.pk and new.round == 2 and new.status == HazardStatus.OPEN
    assert new.deadline == day + dt.timedelta(days=3)  # half of 7, at most 3
    assert new.answer.photos.count() == 1 and new.note == "灭火器仍过期"
    h7.refresh_from_db()
    assert h7.status == HazardStatus.CLOSED and h7.events.filter(action="reissued", note=second.number).exists()
    assert Hazard.objects.get(pk=h15.pk).status == HazardStatus.CLOSED


@pytest.mark.parametrize(("grade", "days"), [("0", 0), ("3", 1), ("7", 3), ("15", 3)])
def test_second_deadline_is_shorter(grade, days):
    assert loop.round2_days(grade) == days


def test_failed_second_reinspection_refers_the_hazard_to_the_fire_department(world, notice):
    h7, h15 = hazards(notice)
    officer = world.users["officer_a"]
    with at(h7.deadline):
        second = loop.reinspection_submit(
            notice=notice, results={h7.pk: (False, "未整改", photo()), h15.pk: (False, "未整改", photo())}, user=officer
        ).notice
    assert second.hazards.count() == 2
    with at(h7.deadline + dt.timedelta(days=3)):
        r1, r2 = second.hazards.order_by("id")
        result = loop.reinspection_submit(
            notice=second, results={r1.pk: (False, "仍未整改", photo()), r2.pk: (True, "", None)}, user=officer
        )
    assert result.notice is None and [h.pk for h in result.escalated] == [r1.pk]
    r1.refresh_from_db()
    assert r1.status == HazardStatus.ESCALATED and r1.events.filter(action="escalated").exists()
    assert RectificationNotice.objects.count() == 2  # no third notice
    history = loop.venue_history(notice.inspection.venue)
    assert [h.pk for h in history["escalated"]] == [r1.pk]


def test_reinspection_needs_every_hazard_and_a_photo_and_note_for_failures(world, notice):
    h7, h15 = hazards(notice)
    with pytest.raises(ValidationError) as exc:
        loop.reinspection_submit(notice=notice, results={h7.pk: (False, "", None)}, user=world.users["officer_a"])
    assert set(exc.value.message_dict) == {f"note_{h7.pk}", f"photo_{h7.pk}", f"result_{h15.pk}"}
    assert not Inspection.objects.filter(reinspection_of=notice).exists()
    assert all(h.status == HazardStatus.OPEN for h in hazards(notice))


def test_reinspection_refuses_a_file_that_is_not_a_photo(world, notice):
    h7, h15 = hazards(notice)
    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        loop.reinspection_submit(
            notice=notice, results={h7.pk: (False, "x", fake), h15.pk: (True, "", None)}, user=world.users["officer_a"]
        )
    assert f"photo_{h7.pk}" in exc.value.message_dict
    assert not Inspection.objects.filter(reinspection_of=notice).exists()


def test_submitting_twice_changes_nothing_the_second_time(world, notice):
    h7, h15 = hazards(notice)
    results = {h7.pk: (True, "", None), h15.pk: (True, "", None)}
    loop.reinspection_submit(notice=notice, results=results, user=world.users["officer_a"])
    with pytest.raises(ValidationError):
        loop.reinspection_submit(notice=notice, results=results, user=world.users["officer_a"])
    assert Inspection.objects.filter(reinspection_of=notice).count() == 1


def test_second_notice_is_rendered_after_commit(world, notice, django_capture_on_commit_callbacks, monkeypatch):
    calls = []
    from inspections import tasks

    monkeypatch.setattr(tasks.notice_render, "delay", lambda pk: calls.append(pk))
    h7, h15 = hazards(notice)
    with django_capture_on_commit_callbacks(execute=True):
        result = loop.reinspection_submit(
            notice=notice, results={h7.pk: (False, "x", photo()), h15.pk: (False, "y", photo())},
            user=world.users["officer_a"],
        )  # fmt: skip
    assert calls == [result.notice.pk]


# ---- the pages ---------------------------------------------------------------------------------


def test_reinspect_page_shows_the_hazards_and_records_the_result(world, notice, as_user):
    h7, h15 = hazards(notice)
    client = as_user("officer_a")
    url = reverse("hazards:reinspect", args=[notice.pk])
    page = client.get(url)
    assert h7.text in page.content.decode() and h15.text in page.content.decode()
    response = client.post(
        url,
        {f"result_{h7.pk}": "fail", f"note_{h7.pk}": "仍堵塞", f"photo_{h7.pk}": photo(), f"result_{h15.pk}": "pass"},
    )
    assert response.status_code == 302
    assert RectificationNotice.objects.filter(round=2).count() == 1
    assert "already" not in client.get(url).content.decode()


def test_reinspect_page_keeps_the_input_and_says_what_is_missing(world, notice, as_user):
    h7, h15 = hazards(notice)
    response = as_user("officer_a").post(
        reverse("hazards:reinspect", args=[notice.pk]), {f"result_{h7.pk}": "fail", f"note_{h7.pk}": "仍堵塞"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "仍堵塞" in body and 'value="fail" checked' in body
    assert all(h.status == HazardStatus.OPEN for h in hazards(notice))


def test_reinspect_page_shows_the_merchants_fixed_photos(world, notice, as_user):
    from inspections.models import Photo
    from lib.images import clean_photo

    h7, _ = hazards(notice)
    clean = clean_photo(photo(colour=(20, 200, 20)))
    p = Photo(hazard_fix=h7)
    p.image.save(clean.image.name, clean.image, save=False)
    p.thumbnail.save(clean.thumbnail.name, clean.thumbnail, save=False)
    p.save()
    Hazard.objects.filter(pk=h7.pk).update(status=HazardStatus.FIXED_REPORTED)
    body = as_user("officer_a").get(reverse("hazards:reinspect", args=[notice.pk])).content.decode()
    assert reverse("inspections:photo_file", args=[p.pk]) in body
    # Reported fixed: due at once, whatever the deadline.
    assert h7.pk in [h.pk for h in loop.hazards_due_for(world.users["officer_a"])]


def test_venue_page_shows_inspections_notices_and_hazards_to_police_only(world, notice, as_user):
    url = reverse("residents:venue_detail", args=[notice.inspection.venue_id])
    assert notice.number in as_user("officer_a").get(url).content.decode()
    assert notice.number not in as_user("grid_worker").get(url).content.decode()


def test_venue_history_costs_two_queries(world, notice, django_assert_num_queries):
    venue = notice.inspection.venue
    with django_assert_num_queries(2):
        history = loop.venue_history(venue)
    assert len(history["inspections"]) == 1 and len(history["hazards"]) == 2
