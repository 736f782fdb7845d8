"""Check-in and check-out of community time: refusals, the out-of-grid flag, the hours."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from field import services
from field.models import Check, Kind

pytestmark = pytest.mark.django_db
T0 = timezone.make_aware(dt.datetime(2026, 6, 1, 8, 30))


def _at(world, grid):
    b = world.building(grid)
    return {"lat": b.lat, "lng": b.lng}


def test_check_in_and_out_inside_the_officers_grids(world):
    officer = world.users["officer_a"]
    with time_machine.travel(T0, tick=False):
        made = services.check(user=officer, kind=Kind.IN, **_at(world, "甲二网格"))
        assert made.inside and made.grid == world.a2 and services.checked_in(officer) == made
        with pytest.raises(ValidationError):  # already in
            services.check(user=officer, kind=Kind.IN, **_at(world, "甲二网格"))
    with time_machine.travel(T0 + dt.timedelta(hours=2, minutes=30), tick=False):
        services.check(user=officer, kind=Kind.OUT, **_at(world, "甲一网格"))
        assert services.checked_in(officer) is None
        with pytest.raises(ValidationError):  # not in
            services.check(user=officer, kind=Kind.OUT, **_at(world, "甲一网格"))
        assert services.hours(officer, T0.date(), T0.date()) == 2.5


def test_a_check_in_outside_the_officers_grids_is_recorded_but_flagged(world):
    made = services.check(user=world.users["officer_a"], kind=Kind.IN, **_at(world, "乙一网格"))
    assert made.grid == world.b1 and made.inside is False
    nowhere = services.check(user=world.users["officer_b"], kind=Kind.IN, lat=10.0, lng=10.0)
    assert nowhere.grid is None and nowhere.inside is False


def test_no_position_no_record_and_grid_roles_cannot_check_in(world):
    with pytest.raises(ValidationError) as exc:
        services.check(user=world.users["officer_a"], kind=Kind.IN, lat="", lng=None)
    assert "location" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.check(user=world.users["grid_worker"], kind=Kind.IN, **_at(world, "甲一网格"))
    assert not Check.objects.exists()


def test_hours_pair_checks_and_an_open_check_in_counts_at_most_14_hours(world):
    officer = world.users["officer_a"]
    with time_machine.travel(T0, tick=False):
        services.check(user=officer, kind=Kind.IN, **_at(world, "甲一网格"))
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        services.check(user=officer, kind=Kind.OUT, **_at(world, "甲一网格"))
    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        services.check(user=officer, kind=Kind.IN, **_at(world, "甲一网格"))
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):  # forgot to check out
        assert services.hours(officer, T0.date(), T0.date()) == 1 + 14
        assert services.checked_in(officer) is None  # too old to be open: a new check-in is allowed
        services.check(user=officer, kind=Kind.IN, **_at(world, "甲一网格"))


def test_the_pages(world, as_user):
    client = as_user("officer_a")
    assert client.get(reverse("field:home")).status_code == 200
    response = client.post(reverse("field:check"), {"kind": "in", **_at(world, "乙一网格")})
    assert response.status_code == 302
    assert Check.objects.get().inside is False
    page = client.get(reverse("field:home")).content.decode()
    assert "乙一网格" in page
    chief = as_user("chief").get(reverse("field:station")).content.decode()
    assert world.users["officer_a"].display_name in chief and "乙一网格" in chief
    other = as_user("other_chief").get(reverse("field:station")).content.decode()
    assert world.users["officer_a"].display_name not in other
    for persona in ("grid_worker", "volunteer", "landlord", "mediator"):
        assert as_user(persona).get(reverse("field:home")).status_code == 404, persona
    assert as_user("officer_a").get(reverse("field:station")).status_code == 404
    bad = client.post(reverse("field:check"), {"kind": "out", "lat": "", "lng": ""}, follow=True)
    assert bad.status_code == 200 and Check.objects.count() == 1


def test_publicity_is_recorded_in_the_users_grids_with_errors_next_to_fields(world, as_user):
    from field.models import Publicity

    client = as_user("officer_a")
    bad = client.post(
        reverse("field:publicity"),
        {"held_on": "2999-01-01", "topic": "anti_fraud", "grid": world.b1.pk, "place": "", "leaflets": "-3",
         "people": "40"},
    )  # fmt: skip
    html = bad.content.decode()
    assert bad.status_code == 200 and html.count("invalid-feedback") >= 3 and not Publicity.objects.exists()
    ok = client.post(
        reverse("field:publicity"),
        {"held_on": timezone.localdate().isoformat(), "topic": "anti_fraud", "grid": world.a1.pk,
         "place": "社区广场", "leaflets": "120", "people": "85", "participants": [world.users["grid_worker"].pk]},
    )  # fmt: skip
    assert ok.status_code == 302
    activity = Publicity.objects.get()
    assert (activity.leaflets, activity.people, activity.grid) == (120, 85, world.a1)
    assert list(activity.participants.all()) == [world.users["grid_worker"]]
    assert as_user("grid_worker").get(reverse("field:publicity")).status_code == 404


def test_the_work_diary_compiles_the_day_from_the_records(world, as_user):
    from events import dispatch
    from field import diary
    from residents.services import visit_record
    from tests.disputes.helpers import make_dispute

    officer = world.users["officer_a"]
    day = timezone.localdate()
    services.check(user=officer, kind=Kind.IN, **_at(world, "甲一网格"))
    visit_record(user=world.users["grid_worker"], building=world.building("甲一网格"), purpose="走访",
                 participants=[officer])  # fmt: skip
    dispute = make_dispute(world)
    dispatch.event_report(
        user=world.users["volunteer"], category="noise", description="夜间噪音", lat=world.building("乙一网格").lat,
        lng=world.building("乙一网格").lng,
    )  # fmt: skip
    services.check(user=officer, kind=Kind.OUT, **_at(world, "甲一网格"))
    entries = diary.day_entries(officer, day)
    kinds = [e.kind for e in entries]
    assert kinds.count("check") == 2 and "visit" in kinds and "dispute" in kinds
    assert any(dispute.reference in e.detail for e in entries)
    assert not any(e.kind == "event" for e in entries)  # officer_a did nothing with that event
    page = as_user("officer_a").get(reverse("field:diary")).content.decode()
    assert dispute.reference in page and "走访" in page
    # The chief reads an officer's diary; another officer cannot.
    assert dispute.reference in as_user("chief").get(reverse("field:diary") + f"?user={officer.pk}").content.decode()
    assert as_user("officer_b").get(reverse("field:diary") + f"?user={officer.pk}").status_code == 404
    assert as_user("other_chief").get(reverse("field:diary") + f"?user={officer.pk}").status_code == 404


def test_a_patrol_records_its_track_and_the_command_room_sees_the_last_position(world, as_user):
    import json

    from field.models import TrackPoint

    client = as_user("officer_a")
    assert client.post(reverse("field:patrol"), {"action": "start"}).status_code == 302
    b = world.building("甲一网格")
    now = timezone.now()
    points = [{"at": (now - dt.timedelta(seconds=20 * (2 - n))).isoformat(), "lat": b.lat + n * 1e-4, "lng": b.lng}
              for n in range(3)]  # fmt: skip
    response = client.post(reverse("field:track"), json.dumps({"points": points}), content_type="application/json")
    assert response.status_code == 201 and response.json() == {"stored": 3}
    again = client.post(reverse("field:track"), json.dumps({"points": points}), content_type="application/json")
    assert again.json() == {"stored": 0}  # the same points twice are stored once
    bad = client.post(reverse("field:track"), json.dumps({"points": [{"at": "x"}]}), content_type="application/json")
    assert bad.status_code == 400 and "points" in bad.json()["errors"]
    assert TrackPoint.objects.count() == 3
    tracks = client.get(reverse("field:tracks")).content.decode()
    assert world.users["officer_a"].display_name in tracks and str(round(b.lat + 2e-4, 6)) in tracks
    data = as_user("chief").get(reverse("field:command_positions")).json()
    mine = [o for o in data["officers"] if o["id"] == world.users["officer_a"].pk]
    assert mine and abs(mine[0]["lat"] - (b.lat + 2e-4)) < 1e-9 and mine[0]["source"] == "track"
    assert as_user("other_chief").get(reverse("field:command_positions")).json()["officers"] == []
    assert client.get(reverse("field:command")).status_code == 404
    client.post(reverse("field:patrol"), {"action": "stop"})
    late = client.post(reverse("field:track"), json.dumps({"points": points}), content_type="application/json")
    assert late.status_code == 400  # no patrol running


def test_the_command_room_sends_an_urgent_event_to_the_nearest_officer_who_sees_it_at_once(world, as_user):
    from events import dispatch
    from events.models import Event, State, Tier

    near_b, far_b = world.building("甲一网格"), world.building("乙一网格")
    services.check(user=world.users["officer_a"], kind=Kind.IN, lat=near_b.lat + 1e-4, lng=near_b.lng)
    services.check(user=world.users["officer_b"], kind=Kind.IN, lat=far_b.lat, lng=far_b.lng)
    event = dispatch.event_report(
        user=world.users["volunteer"], category="safety", description="有人持刀争吵", lat=near_b.lat, lng=near_b.lng
    )
    chief = as_user("chief")
    page = chief.get(reverse("field:command")).content.decode()
    assert event.reference in page and world.users["officer_a"].display_name in page
    assert chief.post(reverse("field:dispatch"), {"event": event.pk}).status_code == 302
    event.refresh_from_db()
    assert event.assigned_to == world.users["officer_a"] and event.state == State.REPORTED
    assert event.tier == Tier.POLICE_GRID and event.log.filter(action="dispatched").exists()
    # The officer's phone page shows it (and its 15-second poll), the grid worker no longer may take it.
    assert event.reference not in as_user("officer_b").get(reverse("field:urgent")).content.decode()
    urgent = as_user("officer_a").get(reverse("field:urgent")).content.decode()
    assert 'hx-trigger="every 15s"' in urgent and reverse("events:detail", args=[event.pk]) in urgent
    assert [u.username for u in dispatch.candidates(event)] == ["officer_a"]
    dispatch.event_accept(event=event, user=world.users["officer_a"])
    assert Event.objects.get(pk=event.pk).handler == world.users["officer_a"]
    assert as_user("officer_a").post(reverse("field:dispatch"), {"event": event.pk}).status_code == 404


def test_the_command_room_counts_open_events_officers_checked_in_and_todays_incidents(world, as_user):
    from tests.events.helpers import report
    from tests.incidents.helpers import add

    report(world)
    add("L0001", when=timezone.localtime().strftime("%Y-%m-%d 00:05"), grid=world.a1)
    add("L0002", when=(timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%d 12:00"), grid=world.a1)
    here = _at(world, "甲一网格")
    services.check(user=world.users["officer_a"], kind=Kind.IN, **here)
    services.check(user=world.users["officer_b"], kind=Kind.IN, **here)
    services.check(user=world.users["officer_b"], kind=Kind.OUT, **here)
    counts = as_user("chief").get(reverse("field:command_positions")).json()["counts"]
    assert counts == {"open_events": 1, "checked_in": 1, "incidents_today": 1}
    other = as_user("other_chief").get(reverse("field:command_positions")).json()["counts"]
    assert other == {"open_events": 0, "checked_in": 0, "incidents_today": 0}
    page = as_user("chief").get(reverse("field:command") + "?wall=1").content.decode()
    assert 'class="fq-wall"' in page and 'id="fq-live-incidents_today">1<' in page
