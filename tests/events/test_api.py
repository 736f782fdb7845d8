"""/api/v1/grid/events/ and /api/v1/grid/event-limits/: scoped like the pages, every write through
``events.dispatch`` (its refusals — 采办分离 among them — as 400 with field errors), a fixed
number of queries per page, never a 5xx on bad input."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from events import dispatch
from events.models import Category, Event, Source, State, Tier, TierLimit
from tests.events.helpers import report

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(dt.datetime(2026, 6, 1, 9, 0))
SEES_A1 = {"officer_a", "aux_a", "grid_worker", "volunteer", "chief", "admin"}
OUTSIDE = {"officer_b", "volunteer_b", "other_station_officer", "other_chief", "landlord", "landlord2", "mediator"}
FIELDS = {
    "id", "reference", "category", "description", "lat", "lng", "building", "grid", "reporter", "reporter_name",
    "source", "tier", "department", "handler", "handler_name", "state", "accept_by", "handle_by", "overdue",
    "reported_at", "accepted_at", "handled_at", "closed_at", "escalations", "rating", "reopen_count", "photos",
    "supporters",
}  # fmt: skip


def photo(name="lamp.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 180, 40)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def listed(as_user, persona, **params):
    return ids(as_user(persona).get(reverse("event-list"), params))


def post(as_user, persona, name, pk, data=None, **kw):
    return as_user(persona).post(reverse(f"event-{name}", args=[pk]), data or {}, content_type="application/json", **kw)


# --- reading ----------------------------------------------------------------------------------


def test_the_event_is_listed_and_shown_to_its_grids_and_404_elsewhere(world, as_user):
    event = report(world)
    for persona in SEES_A1:
        assert listed(as_user, persona) == {event.pk}, persona
        assert as_user(persona).get(reverse("event-detail", args=[event.pk])).status_code == 200, persona
    for persona in OUTSIDE:
        assert listed(as_user, persona) == set(), persona
        assert as_user(persona).get(reverse("event-detail", args=[event.pk])).status_code == 404, persona
    assert as_user("anonymous").get(reverse("event-list")).status_code == 401


def test_a_reporter_sees_their_own_event_wherever_it_is(world, as_user):
    event = report(world, "volunteer_b", grid="甲一网格")  # volunteer of 乙一, reporting in 甲一
    assert listed(as_user, "volunteer_b") == {event.pk}
    assert listed(as_user, "officer_b") == set()


def test_a_row_has_the_documented_fields_and_scoped_photo_links(world, as_user):
    event = report(world, photos=[photo()])
    dispatch.event_join(event=event, user=world.users["grid_worker"], note="我也看到了")
    row = as_user("officer_a").get(reverse("event-detail", args=[event.pk])).json()
    assert set(row) == FIELDS
    assert row["reference"] == event.reference and row["category"] == "facility"
    assert row["reporter"] == world.users["volunteer"].pk
    assert row["reporter_name"] == world.users["volunteer"].display_name
    assert row["handler"] is None and row["handler_name"] is None
    assert row["source"] == "app" and row["tier"] == Tier.GRID and row["state"] == "reported"
    assert row["grid"] == world.a1.pk and row["supporters"] == 1 and row["overdue"] is False
    [p] = row["photos"]
    assert p["kind"] == "report"
    assert p["url"] == "http://testserver" + reverse("events:photo", args=[p["id"]])
    assert p["thumbnail_url"] == p["url"] + "?size=thumb"
    assert "/media/" not in str(row)


def test_filters_state_category_tier_grid_and_overdue(world, as_user):
    with time_machine.travel(T0, tick=False):
        lamp = report(world)
        fire = report(world, category="fire", dx=0.001)
        there = report(world, grid="甲二网格", category="noise")
    dispatch.event_accept(event=lamp, user=world.users["grid_worker"])
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):  # fire: 30 minutes to accept
        assert listed(as_user, "chief", overdue="true") == {fire.pk}
        assert listed(as_user, "chief", overdue="false") == {lamp.pk, there.pk}
    assert listed(as_user, "chief", state="accepted") == {lamp.pk}
    assert listed(as_user, "chief", category="fire") == {fire.pk}
    assert listed(as_user, "chief", grid=world.a2.pk) == {there.pk}
    assert listed(as_user, "chief", tier=there.tier) >= {there.pk}
    assert as_user("chief").get(reverse("event-list"), {"state": "nonsense"}).status_code == 400


def test_a_page_costs_the_same_queries_however_many_events(world, as_user):
    client = as_user("officer_a")
    report(world, photos=[photo()])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("event-list")).status_code == 200
        return len(ctx.captured_queries)

    count()  # the first request also stamps the session
    one = count()
    for n in range(6):
        e = report(world, dx=0.0005 * (n + 1), category=Category.values[n], photos=[photo(), photo("b.jpg")])
        dispatch.event_join(event=e, user=world.users["grid_worker"])
        if n % 2:
            dispatch.event_accept(event=e, user=world.users["aux_a"])
    # user, scope, count, page (reporter and handler joined, supporters counted), photos
    assert count() == one <= 5


def test_landlords_and_mediators_get_nothing(world, as_user):
    event = report(world)
    for persona in ("landlord", "mediator"):
        assert listed(as_user, persona) == set()
        assert post(as_user, persona, "accept", event.pk).status_code == 404
        assert as_user(persona).get(reverse("tierlimit-list")).json() == []
        body = {"category": "facility", "description": "x", "building": world.building("甲一网格").pk}
        assert as_user(persona).post(reverse("event-list"), body, content_type="application/json").status_code == 403


# --- reporting --------------------------------------------------------------------------------


def test_a_volunteer_reports_with_a_point_and_photos(world, as_user):
    b = world.building("甲一网格")
    data = {"category": "facility", "description": "井盖缺失", "lat": b.lat, "lng": b.lng, "photos": [photo()]}
    response = as_user("volunteer").post(reverse("event-list"), data)  # multipart
    assert response.status_code == 201, response.content
    row = response.json()
    event = Event.objects.get(pk=row["id"])
    assert event.grid == world.a1 and event.reporter == world.users["volunteer"] and event.source == Source.APP
    assert event.building is None and len(row["photos"]) == 1


def test_a_report_at_a_building_takes_its_place(world, as_user):
    b = world.building("甲二网格")
    body = {"category": "noise", "description": "夜间施工", "building": b.pk}
    response = as_user("officer_a").post(reverse("event-list"), body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["grid"] == world.a2.pk and response.json()["building"] == b.pk


@pytest.mark.parametrize(
    "body, field",
    [
        ({"category": "facility", "description": "路灯不亮"}, "location"),
        ({"category": "volcano", "description": "x", "lat": 30.005, "lng": 110.005}, "category"),
        ({"category": "facility", "description": "  ", "lat": 30.005, "lng": 110.005}, "description"),
        ({"category": "facility", "description": "x", "lat": "north", "lng": 110.005}, "lat"),
        ({"category": "facility", "description": "x", "lat": 95, "lng": 110.005}, "location"),
        ({"category": "facility", "description": "x", "lat": 10.0, "lng": 10.0}, "location"),  # in no grid
        ({"category": "facility", "description": "x", "building": 999999}, "building"),
    ],
)
def test_bad_reports_are_400_with_the_field_and_save_nothing(world, as_user, body, field):
    response = as_user("volunteer").post(reverse("event-list"), body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Event.objects.exists()


def test_a_building_outside_the_reporters_grids_is_refused(world, as_user):
    body = {"category": "noise", "description": "x", "building": world.building("丙一网格").pk}
    response = as_user("volunteer").post(reverse("event-list"), body, content_type="application/json")
    assert response.status_code == 400 and "building" in response.json()


def test_more_than_three_photos_or_a_fake_one_is_400(world, as_user):
    b = world.building("甲一网格")
    data = {"category": "facility", "description": "x", "lat": b.lat, "lng": b.lng}
    response = as_user("volunteer").post(reverse("event-list"), {**data, "photos": [photo() for _ in range(4)]})
    assert response.status_code == 400 and "photos" in response.json()
    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = as_user("volunteer").post(reverse("event-list"), {**data, "photos": [fake]})
    assert response.status_code == 400 and "photos" in response.json()
    assert not Event.objects.exists()


# --- acting -----------------------------------------------------------------------------------


def test_the_whole_cycle_through_the_api(world, as_user):
    event = report(world)
    response = post(as_user, "grid_worker", "accept", event.pk)
    assert response.status_code == 200 and response.json()["state"] == "accepted"
    assert response.json()["handler_name"] == world.users["grid_worker"].display_name
    assert list(post(as_user, "grid_worker", "handle", event.pk, {"note": " "}).json()) == ["note"]
    response = as_user("grid_worker").post(
        reverse("event-handle", args=[event.pk]), {"note": "已修好", "photos": [photo()]}
    )
    assert response.status_code == 200 and response.json()["state"] == "handled"
    assert {p["kind"] for p in response.json()["photos"]} == {"feedback"}
    assert "rating" in post(as_user, "volunteer", "rate", event.pk, {"rating": 6}).json()
    assert post(as_user, "volunteer", "reopen", event.pk, {"reason": "还是不亮"}).json()["state"] == "accepted"
    post(as_user, "grid_worker", "handle", event.pk, {"note": "换了灯泡"})
    response = post(as_user, "volunteer", "rate", event.pk, {"rating": 5, "comment": "很快"})
    assert response.status_code == 200
    row = response.json()
    assert row["state"] == "closed" and row["rating"] == 5 and row["reopen_count"] == 1


def test_the_reporter_cannot_handle_their_own_event(world, as_user):
    event = report(world, "grid_worker")
    response = post(as_user, "grid_worker", "accept", event.pk)
    assert response.status_code == 400
    assert "采办分离" in str(response.json()["detail"])
    assert post(as_user, "aux_a", "accept", event.pk).status_code == 200


def test_only_the_tier_acts_and_only_the_reporter_rates(world, as_user):
    event = report(world)
    assert post(as_user, "officer_a", "accept", event.pk).status_code == 400  # the grid's turn
    assert post(as_user, "officer_b", "accept", event.pk).status_code == 404  # out of scope
    post(as_user, "grid_worker", "accept", event.pk)
    post(as_user, "grid_worker", "handle", event.pk, {"note": "好了"})
    assert post(as_user, "officer_a", "rate", event.pk, {"rating": 3}).status_code == 400
    assert post(as_user, "officer_a", "reopen", event.pk, {"reason": "x"}).status_code == 400


def test_escalating_needs_a_reason_and_the_station_names_a_department(world, as_user):
    event = report(world)
    assert post(as_user, "grid_worker", "escalate", event.pk, {"reason": ""}).status_code == 400
    assert "reason" in post(as_user, "grid_worker", "escalate", event.pk, {"reason": " "}).json()
    row = post(as_user, "grid_worker", "escalate", event.pk, {"reason": "需要民警"}).json()
    assert row["tier"] == Tier.POLICE_GRID and row["escalations"] == 1
    post(as_user, "officer_a", "escalate", event.pk, {"reason": "需要所里"})
    assert "department" in post(as_user, "chief", "escalate", event.pk, {"reason": "城管"}).json()
    row = post(as_user, "chief", "escalate", event.pk, {"reason": "城管", "department": "城管局"}).json()
    assert row["tier"] == Tier.DEPARTMENT and row["department"] == "城管局"


@pytest.mark.parametrize("name", ["accept", "escalate", "handle", "rate", "reopen"])
def test_no_5xx_on_garbage(world, as_user, name):
    event = report(world)
    client = as_user("grid_worker")
    url = reverse(f"event-{name}", args=[event.pk])
    for body, kind in (("{not json", "application/json"), ('["a list"]', "application/json"), ("", "text/plain")):
        assert client.post(url, body, content_type=kind).status_code < 500
    assert client.post(url, {"rating": "five", "reason": None}, content_type="application/json").status_code == 400
    assert client.get(url).status_code == 405


def test_garbage_reports_and_queries_are_400_not_500(world, as_user):
    client = as_user("volunteer")
    assert client.post(reverse("event-list"), "{", content_type="application/json").status_code == 400
    assert client.post(reverse("event-list"), "[1]", content_type="application/json").status_code == 400
    assert client.get(reverse("event-list"), {"overdue": "maybe", "grid": "x"}).status_code == 400
    for lat, lng in (("nan", "110"), ("30", "inf"), ("north", "110")):
        params = {"lat": lat, "lng": lng, "category": "fire"}
        assert client.get(reverse("event-similar"), params).status_code == 400, (lat, lng)
    b = world.building("甲一网格")
    body = {"category": "fire", "description": "x", "lat": "nan", "lng": b.lng}
    assert client.post(reverse("event-list"), body).status_code == 400  # multipart: "nan" parses as a float


# --- similar and limits -----------------------------------------------------------------------


def test_similar_offers_open_events_nearby_in_scope_nearest_first(world, as_user):
    far = report(world, dx=0.0008)  # ~77 m east
    near = report(world, dx=0.0002)
    report(world, category="noise")  # another category
    b = world.building("甲一网格")
    params = {"category": "facility", "lat": b.lat, "lng": b.lng}
    rows = as_user("grid_worker").get(reverse("event-similar"), params).json()
    assert [r["id"] for r in rows] == [near.pk, far.pk]
    assert 15 <= rows[0]["distance"] <= 25 and rows[1]["distance"] > rows[0]["distance"]
    assert as_user("other_station_officer").get(reverse("event-similar"), params).json() == []
    response = as_user("grid_worker").get(reverse("event-similar"), {"category": "facility"})
    assert response.status_code == 400 and {"lat", "lng"} <= set(response.json())


def test_the_limits_in_force_merge_the_defaults_with_the_stations_settings(world, as_user):
    TierLimit.objects.create(category="noise", tier=Tier.GRID, accept_minutes=15, handle_minutes=90)
    rows = as_user("volunteer").get(reverse("tierlimit-list")).json()
    assert len(rows) == len(Category.values) * len(Tier.values)
    by_key = {(r["category"], r["tier"]): r for r in rows}
    assert by_key["noise", Tier.GRID] == {
        "category": "noise", "tier": Tier.GRID, "accept_minutes": 15, "handle_minutes": 90, "configured": True,
    }  # fmt: skip
    accept, handle = dispatch.DEFAULT_LIMITS[("fire", Tier.STATION)]
    assert by_key["fire", Tier.STATION]["accept_minutes"] == accept and not by_key["fire", Tier.STATION]["configured"]
    assert as_user("anonymous").get(reverse("tierlimit-list")).status_code == 401


def test_an_event_of_another_state_is_refused_with_its_message(world, as_user):
    event = report(world)
    Event.objects.filter(pk=event.pk).update(state=State.CLOSED)
    response = post(as_user, "grid_worker", "accept", event.pk)
    assert response.status_code == 400 and "detail" in response.json()
