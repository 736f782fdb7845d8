"""Open311 GeoReport v2 at /open311/v2/: the responses against the spec's field names, the key,
the station's scope, filing under the client's account, filters and errors."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from events import dispatch
from events.clients import key_hash, open311_client_create
from events.models import Category, Event, Open311Client, Source, State
from tests.conftest import otp_verified
from tests.events.helpers import report
from tests.events.test_api import photo
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(dt.datetime(2026, 6, 1, 9, 0))
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}  # fmt: skip
CREATED_FIELDS = {"service_request_id", "service_notice", "account_id"}


@pytest.fixture
def keys(world):
    """An active client for each station, filing under its own account: station → key."""
    out = {}
    for name, station in (("s1", world.s1), ("s2", world.s2)):
        user = UserFactory(username=f"civic_{name}", role=Role.VOLUNTEER)
        out[name] = open311_client_create(name=f"随手拍 {name}", station=station, user=user)[1]
    return out


def url(name, *args):
    return reverse(f"open311:{name}", args=args)


def get(name, *args, **params):
    return Client().get(url(name, *args), params)


def file(key, **fields):
    b = fields.pop("building", None)
    data = {"api_key": key, "service_code": "facility", "description": "路灯不亮", **fields}
    if b is not None:
        data.setdefault("lat", b.lat)
        data.setdefault("long", b.lng)
    return Client().post(url("requests"), data)


def is_error_list(response, code):
    body = response.json()
    assert response.status_code == code, body
    assert isinstance(body, list) and body and all(set(e) == {"code", "description"} for e in body)
    assert all(e["code"] == code and e["description"] for e in body)
    return body


# --- services ---------------------------------------------------------------------------------


def test_services_are_the_event_categories_with_chinese_names(world, keys):
    response = get("services", api_key=keys["s1"])
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    rows = response.json()
    assert [r["service_code"] for r in rows] == Category.values
    for row in rows:
        assert set(row) == SERVICE_FIELDS
        assert row["metadata"] is False and row["type"] == "realtime"
        assert isinstance(row["keywords"], str) and row["description"] and row["group"]
    with translation.override("zh-hans"):
        assert rows[0]["service_name"] == str(Category.SAFETY.label)


# --- the key ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, args", [("services", ()), ("requests", ()), ("request", ("1",))])
def test_a_missing_or_wrong_key_is_403_with_an_error_list(world, keys, name, args):
    is_error_list(get(name, *args), 403)
    is_error_list(get(name, *args, api_key="not-a-key"), 403)
    is_error_list(get(name, *args, api_key=key_hash(keys["s1"])), 403)  # the stored hash is not the key


def test_a_deactivated_client_is_refused_and_a_logged_in_user_needs_a_key_too(world, keys, as_user):
    call_command(
        "open311_client", "deactivate", str(Open311Client.objects.get(station=world.s1).pk), stdout=io.StringIO()
    )
    is_error_list(get("services", api_key=keys["s1"]), 403)
    is_error_list(as_user("admin").get(url("requests")), 403)
    before = Event.objects.count()
    is_error_list(file(keys["s1"], building=world.building("甲一网格")), 403)
    assert Event.objects.count() == before


def test_xml_is_not_offered(world, keys):
    body = is_error_list(get("xml", "services", api_key=keys["s1"]), 404)
    assert "services.json" in body[0]["description"]


# --- filing -----------------------------------------------------------------------------------


def test_posting_with_a_key_files_an_event_in_the_grid_under_the_clients_account(world, keys):
    response = file(
        keys["s1"], building=world.building("甲一网格"), first_name="张", last_name="三", phone="13800000000",
        email="a@example.com", media_url="http://example.com/x.jpg",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    [row] = response.json()
    assert set(row) == CREATED_FIELDS and row["account_id"] is None
    event = Event.objects.get(pk=int(row["service_request_id"]))
    assert event.grid == world.a1 and event.source == Source.OPEN311 and event.category == "facility"
    assert event.reporter.username == "civic_s1" and event.description == "路灯不亮"
    assert not event.photos.exists()
    assert row["service_notice"] and world.a1.name in row["service_notice"]
    # None of the personal fields is kept anywhere on the event or its timeline.
    stored = str(list(Event.objects.filter(pk=event.pk).values())) + str(list(event.log.values()))
    assert "13800000000" not in stored and "张" not in stored and "example.com" not in stored


def test_posting_at_an_address_id_uses_the_building(world, keys):
    b = world.buildings["甲二网格"][1]
    [row] = file(keys["s1"], address_id=str(b.pk)).json()
    event = Event.objects.get(pk=int(row["service_request_id"]))
    assert event.building == b and event.grid == world.a2


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"service_code": ""}, "service_code"),
        ({"service_code": "volcano"}, "volcano"),
        ({}, "lat"),  # no location at all
        ({"lat": "north", "long": "110.0"}, "lat"),
        ({"lat": "nan", "long": "110.0"}, "lat"),
        ({"lat": "30.0", "long": "999"}, "long"),
        ({"address_id": "abc"}, "address_id"),
        ({"address_id": "²"}, "address_id"),
        ({"lat": "1e400", "long": "110.0"}, "lat"),
        ({"address_string": "测试路1号"}, "address_string"),
    ],
)
def test_bad_posts_are_400_error_lists_and_file_nothing(world, keys, fields, words):
    body = is_error_list(file(keys["s1"], **fields), 400)
    assert words in " ".join(e["description"] for e in body)
    assert not Event.objects.exists()


def test_a_client_cannot_file_outside_its_station(world, keys):
    is_error_list(file(keys["s2"], building=world.building("甲一网格")), 400)
    is_error_list(file(keys["s2"], address_id=str(world.building("甲一网格").pk)), 400)
    is_error_list(file(keys["s1"], lat="10.0", long="10.0"), 400)  # in no grid at all
    assert not Event.objects.exists()


def test_a_missing_description_is_400_from_the_service(world, keys):
    is_error_list(file(keys["s1"], building=world.building("甲一网格"), description="  "), 400)
    assert not Event.objects.exists()


# --- following --------------------------------------------------------------------------------


def test_list_and_single_have_exactly_the_georeport_fields(world, keys):
    with time_machine.travel(T0, tick=False):
        event = report(world, photos=[photo()], building=None)
    rows = get("requests", api_key=keys["s1"], start_date="2026-05-31T00:00:00+08:00").json()
    assert [r["service_request_id"] for r in rows] == [str(event.pk)]
    [single] = get("request", str(event.pk), api_key=keys["s1"]).json()
    for row in (rows[0], single):
        assert set(row) == REQUEST_FIELDS
    assert single == rows[0]
    assert single["status"] == "open" and single["service_code"] == "facility"
    assert single["requested_datetime"] == "2026-06-01T09:00:00+08:00"
    assert single["expected_datetime"] == "2026-06-01T11:00:00+08:00"  # two hours to accept at the grid
    assert single["agency_responsible"] == world.a1.name
    assert single["lat"] == event.lat and single["long"] == event.lng
    assert single["media_url"].endswith(reverse("events:photo", args=[event.photos.get().pk]))
    assert single["address_id"] is None and single["zipcode"] is None


def test_a_building_gives_address_and_address_id(world, keys):
    b = world.building("甲一网格")
    event = dispatch.event_report(user=world.users["volunteer"], category="noise", description="吵", building=b)
    [row] = get("request", str(event.pk), api_key=keys["s1"]).json()
    assert row["address"] == b.address and row["address_id"] == str(b.pk)


def test_a_client_sees_only_its_stations_events(world, keys):
    mine = report(world, grid="丙一网格", user="other_station_officer")
    theirs = report(world)
    listed = {r["service_request_id"] for r in get("requests", api_key=keys["s2"]).json()}
    assert listed == {str(mine.pk)}
    is_error_list(get("request", str(theirs.pk), api_key=keys["s2"]), 404)
    assert get("requests", api_key=keys["s2"], service_request_id=f"{theirs.pk},{mine.pk}").json()[0][
        "service_request_id"
    ] == str(mine.pk)
    assert len(get("requests", api_key=keys["s2"], service_request_id=str(theirs.pk)).json()) == 0
    is_error_list(get("request", "999999", api_key=keys["s1"]), 404)
    is_error_list(get("request", "abc", api_key=keys["s1"]), 404)
    is_error_list(get("request", "²", api_key=keys["s1"]), 404)  # a digit to isdigit(), not an id
    is_error_list(get("requests", api_key=keys["s1"], service_request_id="²"), 400)


def test_status_closed_is_a_closed_event_and_everything_else_is_open(world, keys):
    reported = report(world)
    handled = report(world, dx=0.001)
    closed = report(world, dx=0.002)
    for e in (handled, closed):
        dispatch.event_accept(event=e, user=world.users["grid_worker"])
        dispatch.event_handle(event=e, user=world.users["grid_worker"], note="已处理")
    dispatch.event_rate(event=closed, user=world.users["volunteer"], rating=4)
    rows = {r["service_request_id"]: r for r in get("requests", api_key=keys["s1"]).json()}
    assert {k: r["status"] for k, r in rows.items()} == {
        str(reported.pk): "open", str(handled.pk): "open", str(closed.pk): "closed",
    }  # fmt: skip
    assert "已处理" in rows[str(handled.pk)]["status_notes"]
    assert rows[str(closed.pk)]["expected_datetime"] is None
    ids = lambda **p: {r["service_request_id"] for r in get("requests", api_key=keys["s1"], **p).json()}  # noqa: E731
    assert ids(status="closed") == {str(closed.pk)}
    assert ids(status="open") == {str(reported.pk), str(handled.pk)}
    assert ids(status="open,closed") == set(rows)
    is_error_list(get("requests", api_key=keys["s1"], status="pending"), 400)
    assert Event.objects.get(pk=closed.pk).state == State.CLOSED


def test_date_filters_and_the_default_90_days(world, keys):
    with time_machine.travel(T0, tick=False):
        june = report(world)
    with time_machine.travel(T0 - dt.timedelta(days=120), tick=False):
        february = report(world, dx=0.001)
    ids = lambda **p: {r["service_request_id"] for r in get("requests", api_key=keys["s1"], **p).json()}  # noqa: E731
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        assert ids() == {str(june.pk)}  # the last 90 days
    assert ids(start_date="2026-01-15T00:00:00+08:00", end_date="2026-03-01T00:00:00+08:00") == {str(february.pk)}
    assert ids(start_date="2026-05-31T00:00:00Z", end_date="2026-06-02T00:00:00Z") == {str(june.pk)}
    assert ids(start_date="2026-06-01T09:00:01+08:00") == set()
    assert ids(end_date="2026-06-01T09:00:00+08:00") == {str(june.pk)}
    assert ids(start_date="2026-06-01T08:00:00+08:00".replace("+", " ")) == {str(june.pk)}  # an unencoded +
    is_error_list(get("requests", api_key=keys["s1"], start_date="yesterday"), 400)
    is_error_list(get("requests", api_key=keys["s1"], start_date="2026-06-02", end_date="2026-06-01"), 400)
    is_error_list(get("requests", api_key=keys["s1"], start_date="2026-01-01", end_date="2026-06-01"), 400)
    is_error_list(get("requests", api_key=keys["s1"], start_date="9999-12-31T23:00:00"), 400)
    is_error_list(get("requests", api_key=keys["s1"], end_date="0001-01-01T00:00:00Z"), 400)
    is_error_list(get("requests", api_key=keys["s1"], end_date="2026-13-45T00:00:00"), 400)


def test_service_code_filter_and_unknown_codes(world, keys):
    lamp = report(world)
    fire = report(world, category="fire", dx=0.001)
    report(world, category="noise", dx=0.002)
    rows = get("requests", api_key=keys["s1"], service_code="facility,fire").json()
    assert {r["service_request_id"] for r in rows} == {str(lamp.pk), str(fire.pk)}
    is_error_list(get("requests", api_key=keys["s1"], service_code="volcano"), 400)
    is_error_list(get("requests", api_key=keys["s1"], service_request_id="1,x"), 400)


def test_the_list_costs_the_same_queries_however_many_events(world, keys, django_assert_max_num_queries):
    report(world, photos=[photo()])
    with django_assert_max_num_queries(3):  # the client, the events (the last handling note inlined), photos
        assert get("requests", api_key=keys["s1"]).status_code == 200
    for n in range(5):
        report(world, dx=0.0005 * (n + 1), photos=[photo()])
    with django_assert_max_num_queries(3):
        assert len(get("requests", api_key=keys["s1"]).json()) == 6


def test_only_get_and_post(world, keys):
    response = Client().put(url("requests") + f"?api_key={keys['s1']}")
    assert response.status_code == 405
    assert Client().post(url("services"), {"api_key": keys["s1"]}).status_code == 405


# --- the command ------------------------------------------------------------------------------


def test_the_command_creates_lists_and_deactivates_a_client(world):
    UserFactory(username="civic", role=Role.VOLUNTEER)
    out = io.StringIO()
    call_command("open311_client", "create", "随手拍", "--station", world.s1.code, "--user", "civic", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    client = Open311Client.objects.get()
    assert client.key_hash == key_hash(key) and key not in client.key_hash and client.station == world.s1
    assert get("services", api_key=key).status_code == 200
    out = io.StringIO()
    call_command("open311_client", "list", stdout=out)
    assert "随手拍" in out.getvalue() and key not in out.getvalue()
    call_command("open311_client", "deactivate", str(client.pk), stdout=io.StringIO())
    assert get("services", api_key=key).status_code == 403
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("open311_client", "create", "x", "--station", "NOPE", "--user", "civic", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("open311_client", "create", "x", "--station", world.s1.code, "--user", "nobody")


# --- the admin --------------------------------------------------------------------------------


def test_the_admin_shows_events_read_only_and_deactivates_clients_without_showing_keys(world, keys, as_user):
    event = report(world)
    admin = otp_verified(as_user("admin"), world.users["admin"])  # the admin asks for the second factor
    for model in ("event", "tierlimit", "pointaward", "open311client"):
        assert admin.get(reverse(f"admin:events_{model}_changelist")).status_code == 200, model
    assert admin.get(reverse("admin:events_event_change", args=[event.pk])).status_code == 200
    assert admin.get(reverse("admin:events_event_add")).status_code == 403
    assert admin.get(reverse("admin:events_open311client_add")).status_code == 403
    client = Open311Client.objects.get(station=world.s1)
    page = admin.get(reverse("admin:events_open311client_change", args=[client.pk])).content.decode()
    assert keys["s1"] not in page and client.key_hash not in page
    response = admin.post(
        reverse("admin:events_open311client_changelist"), {"action": "deactivate", "_selected_action": [client.pk]}
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert not client.active
    assert get("services", api_key=keys["s1"]).status_code == 403
