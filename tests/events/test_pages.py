"""The event pages: reporting from a phone (position, building, errors, photos), similar events and
adding to one, the actions on the event page and their refusals, the photo view's scope, the lists,
the leaderboard, the time limits (page and service) and the menu."""

import io
import re

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from accounts.context_processors import _menu
from events import dispatch
from events.models import Event, EventPhoto, PhotoKind, PointAward, State, Supporter, Tier, TierLimit
from tests.events.helpers import report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def as_user(as_user):
    """The personas' clients read the pages in English (messages are matched by their msgid)."""

    def _client(name):
        client = as_user(name)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _client


def png(name="photo.png", colour=(200, 40, 40)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (60, 40), colour).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _page(response) -> str:
    return response.content.decode()


# --- reporting --------------------------------------------------------------------------------


def test_a_volunteer_reports_at_their_position_with_a_photo(world, as_user):
    b = world.building("甲一网格")
    client = as_user("volunteer")
    assert client.get(reverse("events:report")).status_code == 200
    response = client.post(
        reverse("events:report"),
        {"category": "facility", "description": "路灯不亮", "lat": str(b.lat + 0.0001), "lng": str(b.lng),
         "photos": [png()]},
    )  # fmt: skip
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("events:detail", args=[event.pk])
    assert event.grid == world.a1 and event.building is None and event.reporter == world.users["volunteer"]
    photo = EventPhoto.objects.get(event=event)
    assert photo.kind == PhotoKind.REPORT and photo.thumbnail
    (message,) = _messages(response)
    assert event.reference in message and "Community grid" in message


def test_the_success_message_names_the_tier_and_the_accept_deadline(world, as_user):
    from events.views import _when

    b = world.building("甲一网格")
    response = as_user("volunteer").post(
        reverse("events:report"), {"category": "fire", "description": "楼道堆物", "lat": b.lat, "lng": b.lng}
    )
    event = Event.objects.get()
    assert _messages(response) == [
        f"Event {event.reference} reported. It went to the Community grid tier, which must accept it by "
        f"{_when(event.accept_by)}."
    ]


def test_reporting_from_a_building_fixes_the_location_to_it(world, as_user):
    b = world.building("甲一网格")
    client = as_user("grid_worker")
    page = client.get(reverse("events:report") + f"?building={b.pk}")
    assert page.status_code == 200 and b.address in _page(page)
    assert 'id="fq-report-map"' not in _page(page)  # no map: the place is known
    response = client.post(
        reverse("events:report"),
        {"category": "environment", "description": "垃圾满溢", "building": b.pk, "lat": "1", "lng": "1"},
    )
    event = Event.objects.get()
    assert response.status_code == 302
    assert event.building == b and (event.lat, event.lng) == (b.lat, b.lng) and event.grid == world.a1
    # The grid worker reported it: the auxiliary of the grid takes it (采办分离).
    assert [u.username for u in dispatch.candidates(event)] == ["aux_a"]


def test_a_building_outside_the_users_area_is_a_404(world, as_user):
    other = world.building("丙一网格")
    client = as_user("volunteer")
    assert client.get(reverse("events:report") + f"?building={other.pk}").status_code == 404
    assert client.get(reverse("events:report") + "?building=abc").status_code == 404
    response = client.post(reverse("events:report"), {"category": "other", "description": "x", "building": other.pk})
    assert response.status_code == 200 and not Event.objects.exists()


def test_errors_show_next_to_their_fields_with_the_typed_text_kept(world, as_user):
    response = as_user("volunteer").post(reverse("events:report"), {"description": "井盖缺失，很危险"})
    assert response.status_code == 200 and not Event.objects.exists()
    html = _page(response)
    assert "Choose a category." in html
    assert "Give the location: use the phone" in html
    assert "井盖缺失，很危险</textarea>" in html
    form = response.context["form"]
    assert form.errors["category"] == ["Choose a category."]
    assert form.location_errors and "location" not in form.errors


def test_a_point_outside_every_grid_is_refused_next_to_the_location(world, as_user):
    response = as_user("volunteer").post(
        reverse("events:report"), {"category": "other", "description": "x", "lat": "10", "lng": "10"}
    )
    assert "lies outside every community grid" in _page(response)
    assert 'name="lat" id="id_lat" value="10"' in _page(response)  # the point is kept, to be corrected
    assert not Event.objects.exists()


def test_a_text_file_named_jpg_is_refused_and_nothing_is_saved(world, as_user):
    b = world.building("甲一网格")
    fake = SimpleUploadedFile("lamp.jpg", b"this is not a photo", content_type="image/jpeg")
    response = as_user("volunteer").post(
        reverse("events:report"),
        {"category": "facility", "description": "路灯不亮", "lat": b.lat, "lng": b.lng, "photos": [png(), fake]},
    )
    assert response.status_code == 200
    html = _page(response)
    assert "lamp.jpg: This file is not a photo" in html
    assert "Choose the photos again" in html
    assert "路灯不亮</textarea>" in html
    assert not Event.objects.exists() and not EventPhoto.objects.exists()


def test_more_than_three_photos_are_refused(world, as_user):
    b = world.building("甲一网格")
    response = as_user("volunteer").post(
        reverse("events:report"),
        {"category": "facility", "description": "x", "lat": b.lat, "lng": b.lng, "photos": [png() for _ in range(4)]},
    )
    assert "At most 3 photos." in _page(response) and not Event.objects.exists()


def test_landlords_and_mediators_cannot_report(world, as_user):
    for persona in ("landlord", "mediator"):
        assert as_user(persona).get(reverse("events:report")).status_code == 404
    assert as_user("anonymous").get(reverse("events:report")).status_code == 302


# --- similar events and adding to one ---------------------------------------------------------


def _similar(client, **params):
    from urllib.parse import urlencode

    return client.get(reverse("events:similar") + "?" + urlencode(params))


def test_the_similar_list_shows_a_nearby_open_event_of_the_same_category(world, as_user):
    event = report(world, description="三号楼路灯不亮", photos=[png()])
    b = world.building("甲一网格")
    client = as_user("grid_worker")
    html = _page(_similar(client, category="facility", lat=b.lat + 0.0003, lng=b.lng))  # ~33 m away
    assert "三号楼路灯不亮" in html and "33 m away" in html
    assert reverse("events:join", args=[event.pk]) in html
    assert reverse("events:photo", args=[event.photos.get().pk]) + "?size=thumb" in html
    assert "三号楼路灯不亮" not in _page(_similar(client, category="noise", lat=b.lat, lng=b.lng))
    assert "三号楼路灯不亮" not in _page(_similar(client, category="facility", lat=b.lat + 0.01, lng=b.lng))
    # From the building of a door plate.
    assert "三号楼路灯不亮" in _page(_similar(client, category="facility", building=b.pk))
    # Nothing chosen yet: an empty answer, not an error.
    response = _similar(client, category="", lat="", lng="")
    assert response.status_code == 200 and "三号楼路灯不亮" not in _page(response)


def test_the_similar_list_shows_only_events_the_user_may_see(world, as_user):
    report(world, description="三号楼路灯不亮")
    b = world.building("甲一网格")
    html = _page(_similar(as_user("officer_b"), category="facility", lat=b.lat, lng=b.lng))
    assert "三号楼路灯不亮" not in html


def test_the_reporter_sees_their_own_event_without_the_add_button(world, as_user):
    event = report(world, description="三号楼路灯不亮")
    b = world.building("甲一网格")
    html = _page(_similar(as_user("volunteer"), category="facility", lat=b.lat, lng=b.lng))
    assert "You reported this one." in html and reverse("events:join", args=[event.pk]) not in html


def test_adding_to_an_event_records_the_supporter_and_the_note(world, as_user):
    event = report(world)
    client = as_user("grid_worker")
    response = client.post(reverse("events:join", args=[event.pk]), {"note": "我也看到了"})
    assert response.status_code == 302 and response["Location"] == reverse("events:detail", args=[event.pk])
    supporter = Supporter.objects.get(event=event)
    assert supporter.user == world.users["grid_worker"] and supporter.note == "我也看到了"
    assert "我也看到了" in _page(client.get(reverse("events:detail", args=[event.pk])))
    again = client.post(reverse("events:join", args=[event.pk]), {"note": ""})
    assert _messages(again) == ["You have already reported this event."]
    assert Supporter.objects.count() == 1
    assert as_user("officer_b").post(reverse("events:join", args=[event.pk])).status_code == 404


# --- the event page and its actions -----------------------------------------------------------


def _detail(client, event):
    return client.get(reverse("events:detail", args=[event.pk]))


def test_the_event_page_shows_who_must_act_and_the_deadline(world, as_user):
    event = report(world, photos=[png()])
    html = _page(_detail(as_user("volunteer"), event))
    assert event.reference in html and "Waiting to be accepted" in html
    assert world.users["grid_worker"].display_name in html and world.users["aux_a"].display_name in html
    assert "accept by" in html and "Reported" in html
    photo = event.photos.get()
    assert reverse("events:photo", args=[photo.pk]) + "?size=thumb" in html


def test_the_deadline_is_red_once_passed(world, as_user):
    event = report(world)
    Event.objects.filter(pk=event.pk).update(accept_by=event.reported_at.replace(year=2000))
    html = _page(_detail(as_user("grid_worker"), event))
    assert "text-danger fw-semibold" in html and "text-bg-danger" in html


def test_the_reporter_cannot_accept_and_sees_no_button(world, as_user):
    event = report(world)
    client = as_user("volunteer")
    assert reverse("events:accept", args=[event.pk]) not in _page(_detail(client, event))
    response = client.post(reverse("events:accept", args=[event.pk]))
    assert response.status_code == 302
    assert _messages(response) == ["You reported this event: someone else handles it (采办分离)."]
    event.refresh_from_db()
    assert event.state == State.REPORTED and event.handler is None


def test_the_officer_of_another_grid_gets_404_on_the_event_and_its_actions(world, as_user):
    event = report(world)
    client = as_user("officer_b")
    assert _detail(client, event).status_code == 404
    for name in ("accept", "escalate", "handle", "rate", "reopen", "join"):
        assert client.post(reverse(f"events:{name}", args=[event.pk]), {"reason": "x", "note": "x"}).status_code == 404
    assert as_user("landlord").get(reverse("events:detail", args=[event.pk])).status_code == 404


def test_the_actions_are_get_only_for_the_page(world, as_user):
    event = report(world)
    assert as_user("grid_worker").get(reverse("events:accept", args=[event.pk])).status_code == 405


def test_the_whole_cycle_through_the_pages(world, as_user):
    event = report(world)
    url = reverse("events:detail", args=[event.pk])
    worker, officer, volunteer = as_user("grid_worker"), as_user("officer_a"), as_user("volunteer")

    # The grid worker sees Accept and Escalate; escalating needs a reason.
    html = _page(worker.get(url))
    assert reverse("events:accept", args=[event.pk]) in html and reverse("events:escalate", args=[event.pk]) in html
    response = worker.post(reverse("events:escalate", args=[event.pk]), {"reason": "  "})
    assert response.status_code == 200 and "Give the reason for escalating." in _page(response)
    assert '<details class="card mb-3" open>' in _page(response)
    response = worker.post(reverse("events:escalate", args=[event.pk]), {"reason": "需要民警到场"})
    assert _messages(response) == ["Escalated to: Police grid."]
    event.refresh_from_db()
    assert event.tier == Tier.POLICE_GRID and event.state == State.REPORTED
    assert reverse("events:accept", args=[event.pk]) not in _page(worker.get(url))  # no longer its tier

    # The police grid's officer accepts, then reports back (a note is needed).
    assert reverse("events:accept", args=[event.pk]) in _page(officer.get(url))
    response = officer.post(reverse("events:accept", args=[event.pk]))
    assert _messages(response)[0].startswith("Accepted: report back by ")
    response = officer.post(reverse("events:handle", args=[event.pk]), {"note": ""})
    assert "Say what was done." in _page(response)
    response = officer.post(reverse("events:handle", args=[event.pk]), {"note": "已更换灯泡", "photos": [png()]})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.state == State.HANDLED and event.photos.filter(kind=PhotoKind.FEEDBACK).count() == 1

    # The reporter: a rating is needed; reopening once; then rated.
    html = _page(volunteer.get(url))
    assert reverse("events:rate", args=[event.pk]) in html and reverse("events:reopen", args=[event.pk]) in html
    assert "Choose 1 to 5 stars." in _page(volunteer.post(reverse("events:rate", args=[event.pk]), {"comment": "好"}))
    assert as_user("officer_a").post(reverse("events:rate", args=[event.pk]), {"rating": "5"}).status_code == 302
    event.refresh_from_db()
    assert event.state == State.HANDLED  # the officer may not rate it
    response = volunteer.post(reverse("events:reopen", args=[event.pk]), {"reason": ""})
    assert "Say what is still wrong." in _page(response)
    volunteer.post(reverse("events:reopen", args=[event.pk]), {"reason": "还是不亮"})
    event.refresh_from_db()
    assert event.state == State.ACCEPTED and event.reopen_count == 1
    officer.post(reverse("events:handle", args=[event.pk]), {"note": "已更换整套灯具"})
    html = _page(volunteer.get(url))
    assert reverse("events:reopen", args=[event.pk]) not in html  # once only
    response = volunteer.post(reverse("events:rate", args=[event.pk]), {"rating": "5", "comment": "满意"})
    assert _messages(response) == ["Thank you for rating: the event is closed."]
    event.refresh_from_db()
    assert event.state == State.CLOSED and event.rating == 5 and event.rating_comment == "满意"
    html = _page(volunteer.get(url))
    assert "满意" in html and 'data-testid="rating"' in html
    for label in ("Reported", "Escalated", "Accepted", "Handled and reported back", "Reopened by the reporter",
                  "Rated by the reporter"):  # fmt: skip
        assert f">{label}</div>" in html, label
    assert PointAward.objects.filter(user=world.users["volunteer"], event=event).exists()


def test_the_station_must_name_the_department(world, as_user):
    event = report(world, category="environment")
    for user in ("grid_worker", "officer_a"):
        dispatch.event_escalate(event=event, user=world.users[user], reason="超出职权")
    chief = as_user("chief")
    html = _page(chief.get(reverse("events:detail", args=[event.pk])))
    assert 'name="department"' in html
    response = chief.post(reverse("events:escalate", args=[event.pk]), {"reason": "环卫职责"})
    assert "Name the department the station passes it to." in _page(response)
    assert "环卫职责</textarea>" in _page(response)
    chief.post(reverse("events:escalate", args=[event.pk]), {"reason": "环卫职责", "department": "区城管局"})
    event.refresh_from_db()
    assert event.tier == Tier.DEPARTMENT and event.department == "区城管局"
    assert "区城管局" in _page(chief.get(reverse("events:detail", args=[event.pk])))


def test_a_bad_feedback_photo_keeps_the_note_and_saves_nothing(world, as_user):
    event = report(world)
    dispatch.event_accept(event=event, user=world.users["grid_worker"])
    fake = SimpleUploadedFile("done.jpg", b"not a photo", content_type="image/jpeg")
    response = as_user("grid_worker").post(
        reverse("events:handle", args=[event.pk]), {"note": "已处理", "photos": [fake]}
    )
    assert "done.jpg: This file is not a photo" in _page(response) and "已处理</textarea>" in _page(response)
    event.refresh_from_db()
    assert event.state == State.ACCEPTED and not event.photos.exists()


# --- photos -----------------------------------------------------------------------------------


def test_photos_are_served_only_to_users_who_see_the_event(world, as_user):
    event = report(world, user="volunteer_b", photos=[png()])  # volunteer_b reports in 甲一, not their grid
    photo = event.photos.get()
    url = reverse("events:photo", args=[photo.pk])
    for persona in ("volunteer_b", "officer_a", "grid_worker", "chief", "admin"):
        response = as_user(persona).get(url)
        assert response.status_code == 200, persona
        assert response["Content-Type"] == "image/jpeg" and response["Cache-Control"].startswith("private")
    full = b"".join(as_user("officer_a").get(url).streaming_content)
    thumb = b"".join(as_user("officer_a").get(url + "?size=thumb").streaming_content)
    assert full.startswith(b"\xff\xd8") and thumb.startswith(b"\xff\xd8")
    for persona in ("officer_b", "other_station_officer", "landlord", "mediator"):
        assert as_user(persona).get(url).status_code == 404, persona
    assert as_user("anonymous").get(url).status_code == 302


# --- lists ------------------------------------------------------------------------------------


def test_the_handlers_tasks_and_the_reporters_list(world, as_user):
    event = report(world, description="三号楼路灯不亮")
    assert "三号楼路灯不亮" in _page(as_user("grid_worker").get(reverse("events:tasks")))
    assert "三号楼路灯不亮" not in _page(as_user("officer_a").get(reverse("events:tasks")))
    assert "Nothing is waiting for you." in _page(as_user("volunteer").get(reverse("events:tasks")))
    mine = as_user("volunteer").get(reverse("events:mine"))
    assert "三号楼路灯不亮" in _page(mine) and 'data-testid="to-rate"' not in _page(mine)
    dispatch.event_accept(event=event, user=world.users["grid_worker"])
    dispatch.event_handle(event=event, user=world.users["grid_worker"], note="已修好")
    html = _page(as_user("volunteer").get(reverse("events:mine")))
    assert 'data-testid="to-rate"' in html and "Waiting for your rating" in html


def test_an_overdue_task_is_red(world, as_user):
    event = report(world)
    Event.objects.filter(pk=event.pk).update(accept_by=event.reported_at.replace(year=2000))
    html = _page(as_user("grid_worker").get(reverse("events:tasks")))
    assert "border-danger" in html and "text-bg-danger" in html


def test_the_list_is_scoped_and_filtered(world, as_user):
    lamp = report(world, description="三号楼路灯不亮")
    report(world, category="noise", description="夜间噪音", dx=0.001)
    report(world, user="volunteer_b", grid="乙一网格", description="乙一的事件")
    client = as_user("officer_a")
    html = _page(client.get(reverse("events:list")))
    assert "三号楼路灯不亮" in html and "夜间噪音" in html and "乙一的事件" not in html
    html = _page(client.get(reverse("events:list") + "?category=noise"))
    assert "三号楼路灯不亮" not in html and "夜间噪音" in html
    assert "三号楼路灯不亮" not in _page(client.get(reverse("events:list") + "?overdue=1"))
    Event.objects.filter(pk=lamp.pk).update(accept_by=lamp.reported_at.replace(year=2000))
    html = _page(client.get(reverse("events:list") + "?overdue=1"))
    assert "三号楼路灯不亮" in html and "夜间噪音" not in html
    assert "三号楼路灯不亮" not in _page(client.get(reverse("events:list") + "?tier=2"))
    assert "三号楼路灯不亮" in _page(client.get(reverse("events:list") + f"?grid={world.a1.pk}&state=reported"))
    assert client.get(reverse("events:list") + f"?grid={world.b1.pk}").status_code == 404
    assert client.get(reverse("events:list") + "?state=nonsense&tier=9&category=x").status_code == 200
    # The reporter sees their own event in another grid.
    assert "乙一的事件" in _page(as_user("volunteer_b").get(reverse("events:list")))


@pytest.mark.parametrize("route", ["events:list", "events:tasks", "events:mine"])
def test_the_lists_cost_a_fixed_number_of_queries(route, world, as_user):
    client = as_user("grid_worker" if route != "events:mine" else "volunteer")
    report(world, photos=[png()])
    url = reverse(route)
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(3):
        report(world, dx=0.001 * (n + 1), description=f"事件{n}")
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_leaderboard_ranks_a_grids_reporters_by_points(world, as_user):
    event = report(world)
    dispatch.event_accept(event=event, user=world.users["grid_worker"])
    other = report(world, user="grid_worker", dx=0.001)
    dispatch.event_join(event=other, user=world.users["volunteer"])
    client = as_user("volunteer")
    response = client.get(reverse("events:leaderboard"))
    rows = response.context["rows"]
    assert [(r["name"], r["points"], r["rank"]) for r in rows] == [
        (world.users["volunteer"].display_name, dispatch.POINTS_ACCEPTED + dispatch.POINTS_ADDED, 1)
    ]
    assert response.context["grid"] == world.a1 and rows[0]["me"]
    assert as_user("volunteer").get(reverse("events:leaderboard") + f"?grid={world.b1.pk}").status_code == 404
    chief = as_user("chief").get(reverse("events:leaderboard") + f"?grid={world.b1.pk}&period=month")
    assert chief.status_code == 200 and chief.context["rows"] == []


# --- time limits ------------------------------------------------------------------------------


def _limits_post(**changes) -> dict:
    data = {}
    for (category, tier), (accept, handle) in dispatch.DEFAULT_LIMITS.items():
        data[f"accept-{category}-{int(tier)}"] = f"{accept / 60:g}"
        data[f"handle-{category}-{int(tier)}"] = f"{handle / 60:g}"
    data.update(changes)
    return data


def test_only_the_chief_and_admin_open_the_time_limits(world, as_user):
    for persona in ("chief", "admin", "other_chief"):
        assert as_user(persona).get(reverse("events:limits")).status_code == 200, persona
    for persona in ("officer_a", "aux_a", "grid_worker", "volunteer", "landlord", "mediator"):
        assert as_user(persona).get(reverse("events:limits")).status_code == 404, persona
        assert as_user(persona).post(reverse("events:limits"), _limits_post()).status_code == 404, persona
    assert not TierLimit.objects.exists()


def test_a_chief_reads_the_limits_but_cannot_change_them(world, as_user):
    client = as_user("chief")
    html = _page(client.get(reverse("events:limits")))
    assert re.search(r'name="accept-fire-1" value="0.5"[^>]*readonly', html)
    assert "Save the time limits" not in html
    client.post(reverse("events:limits"), _limits_post(**{"accept-facility-1": "1,5"}))
    assert not TierLimit.objects.exists()


def test_the_admin_changes_a_limit_in_hours(world, as_user):
    client = as_user("admin")
    html = _page(client.get(reverse("events:limits")))
    assert 'name="accept-fire-1" value="0.5"' in html and 'name="handle-facility-4" value="168"' in html
    response = client.post(reverse("events:limits"), _limits_post(**{"accept-facility-1": "1,5"}))
    assert response.status_code == 302
    row = TierLimit.objects.get()
    assert (row.category, row.tier, row.accept_minutes, row.handle_minutes) == ("facility", 1, 90, 24 * 60)
    assert dispatch.limits("facility", 1) == (90, 24 * 60)
    assert 'name="accept-facility-1" value="1.5"' in _page(client.get(reverse("events:limits")))


def test_bad_limits_save_nothing_and_are_shown_next_to_their_row(world, as_user):
    client = as_user("admin")
    response = client.post(
        reverse("events:limits"),
        _limits_post(**{"accept-facility-1": "1.5", "accept-noise-2": "50", "handle-noise-2": "48"}),
    )
    assert response.status_code == 200
    html = _page(response)
    assert "The time to accept must be shorter than the time to handle." in html
    assert 'name="accept-noise-2" value="50"' in html  # typed values kept
    assert not TierLimit.objects.exists()
    response = client.post(reverse("events:limits"), _limits_post(**{"handle-fire-3": "soon", "accept-fire-3": "0"}))
    assert "Give both limits in hours" in _page(response) and not TierLimit.objects.exists()


def test_limits_save_checks_every_row_and_saves_all_or_nothing(world):
    chief = world.users["admin"]  # the limits are one policy for every station: only an administrator sets them
    with pytest.raises(ValidationError) as exc:
        dispatch.limits_save(user=chief, rows=[("fire", 1, 20, 200), ("noise", 2, 0, 60), ("other", 3, 90, 60)])
    assert set(exc.value.message_dict) == {"noise-2", "other-3"}
    assert not TierLimit.objects.exists()
    with pytest.raises(ValidationError):
        dispatch.limits_save(user=chief, rows=[("fire", 1, 1.5, 200)])
    with pytest.raises(ValidationError):
        dispatch.limits_save(user=chief, rows=[("nonsense", 1, 10, 20), ("fire", 9, 10, 20)])
    for other in ("officer_a", "chief"):
        with pytest.raises(ValidationError):
            dispatch.limits_save(user=world.users[other], rows=[("fire", 1, 20, 200)])
    assert dispatch.limits_save(user=chief, rows=[("fire", 1, 20, 200)]) == 1
    assert dispatch.limits("fire", 1) == (20, 200)
    # Back to the default: the row goes, the defaults apply again.
    default = dispatch.DEFAULT_LIMITS[("fire", Tier.GRID)]
    assert dispatch.limits_save(user=world.users["admin"], rows=[("fire", 1, *default)]) == 0
    assert not TierLimit.objects.exists()


# --- the menu and the door plate --------------------------------------------------------------


def _labels(user) -> dict:
    return {str(item["label"]): [str(c["label"]) for c in item.get("children", [])] for item in _menu(user)}


def test_the_menu_has_the_grid_events_group_for_grid_roles(world):
    common = ["Report an event", "My tasks", "My reports", "All events", "Leaderboard"]
    for persona in ("officer_a", "aux_a", "grid_worker"):
        assert _labels(world.users[persona])["Grid events"] == common, persona
    for persona in ("chief", "admin"):
        assert _labels(world.users[persona])["Grid events"] == [*common, "Time limits"], persona
    volunteer = _labels(world.users["volunteer"])["Grid events"]
    assert volunteer == ["Report an event", "My reports", "All events", "Leaderboard"]
    for persona in ("landlord", "mediator"):
        assert "Grid events" not in _labels(world.users[persona])


def test_the_staff_scan_page_links_to_reporting_an_event_at_the_building(world, as_user):
    b = world.building("甲一网格")
    html = _page(as_user("volunteer").get(reverse("scan:scan", args=[b.qr_token])))
    assert reverse("events:report") + f"?building={b.pk}" in html
