"""Registering sensors, ingesting readings (idempotent, validated) and raising alerts once."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lib.crypto import keyed_hash
from noise import services
from noise.models import Alert, AlertState, Reading
from tests.noise.helpers import batch, local, night_alert, sensor

pytestmark = pytest.mark.django_db
NIGHT = local(2026, 11, 20, 23, 0)
LATER = NIGHT + dt.timedelta(hours=1)


def test_a_sensor_is_placed_in_the_grid_of_its_point_and_only_the_key_hash_is_stored(world):
    s, key = sensor(world)
    assert s.grid == world.a1
    assert len(key) >= 32
    assert s.key_hash == keyed_hash("sensor:" + key) and key not in s.key_hash
    assert services.sensor_for_key(key) == s
    assert services.sensor_for_key("wrong") is None


def test_a_sensor_without_a_position_is_placed_at_its_building(world):
    b = world.building("乙一网格")
    s, _key = services.sensor_create(name="乙一", zone_class="2", building=b)
    assert (s.lat, s.lng, s.grid) == (b.lat, b.lng, world.b1)


def test_an_officer_cannot_register_a_sensor_outside_their_grids(world):
    b = world.building("乙一网格")
    with pytest.raises(ValidationError) as exc:
        services.sensor_create(name="x", zone_class="1", lat=b.lat, lng=b.lng, user=world.users["officer_a"])
    assert "lat" in exc.value.message_dict


def test_bad_sensor_input_names_each_field(world):
    with pytest.raises(ValidationError) as exc:
        services.sensor_create(name=" ", zone_class="9")
    assert {"name", "zone_class", "lat"} <= set(exc.value.message_dict)


def test_a_deactivated_sensor_has_no_valid_key(world):
    s, key = sensor(world)
    s.active = False
    s.save()
    assert services.sensor_for_key(key) is None


def test_ingest_stores_readings_and_raises_a_night_alert(world):
    s, _key = sensor(world)
    result = services.readings_ingest(sensor=s, batch=batch(NIGHT, [50, 50, 50, 50, 50]), now=LATER)
    assert result == {"received": 5, "created": 5, "duplicates": 0, "alerts": 1}
    alert = Alert.objects.get()
    assert (alert.sensor, alert.grid, alert.kind, alert.period, alert.state) == (
        s,
        world.a1,
        "sustained",
        "night",
        "open",
    )
    assert (alert.window_start, alert.window_end) == (NIGHT, NIGHT + dt.timedelta(minutes=5))
    assert (alert.measured, alert.limit, alert.exceedance) == (50.0, 45, 5.0)
    s.refresh_from_db()
    assert s.last_reading_at == NIGHT + dt.timedelta(minutes=4)


def test_posting_the_same_batch_twice_changes_nothing(world):
    s, _key = sensor(world)
    body = batch(NIGHT, [50, 50, 50, 50, 50])
    services.readings_ingest(sensor=s, batch=body, now=LATER)
    again = services.readings_ingest(sensor=s, batch=body, now=LATER)
    assert again == {"received": 5, "created": 0, "duplicates": 5, "alerts": 0}
    assert Reading.objects.count() == 5 and Alert.objects.count() == 1


def test_a_reading_repeated_within_the_batch_counts_once(world):
    s, _key = sensor(world)
    body = batch(NIGHT, [40]) + batch(NIGHT, [41])
    assert services.readings_ingest(sensor=s, batch=body, now=LATER)["duplicates"] == 1
    assert list(Reading.objects.values_list("laeq", flat=True)) == [40.0]


def test_a_window_completed_by_a_later_batch_raises_its_alert_once(world):
    s, _key = sensor(world)
    assert services.readings_ingest(sensor=s, batch=batch(NIGHT, [50, 50]), now=LATER)["alerts"] == 0
    later = batch(NIGHT + dt.timedelta(minutes=2), [50, 52])
    assert services.readings_ingest(sensor=s, batch=later, now=LATER)["alerts"] == 1
    more = batch(NIGHT + dt.timedelta(minutes=4), [56])
    assert services.readings_ingest(sensor=s, batch=more, now=LATER)["alerts"] == 0
    alert = Alert.objects.get()
    # The alert follows the whole window: 50 50 50 52 56 → 10·log10((3·10^5 + 10^5.2 + 10^5.6)/5) = 52.34
    assert alert.measured == 52.3 and alert.exceedance == 7.3


def test_a_sudden_spike_at_night_and_the_window_it_lifts_are_two_alerts(world):
    s, _key = sensor(world)
    # 40 40 40 40 62: 62 is 17 over 45 (sudden); the window's LAeq 10·log10((4·10^4 + 10^6.2)/5) = 55.1
    # (sustained).
    services.readings_ingest(
        sensor=s, batch=batch(local(2026, 11, 21, 2, 15), [40, 40, 40, 40, 62]), now=LATER + dt.timedelta(hours=4)
    )
    assert sorted(Alert.objects.values_list("kind", "measured")) == [("sudden", 62.0), ("sustained", 55.1)]


def test_a_single_spike_by_day_raises_nothing(world):
    s, _key = sensor(world)
    day = local(2026, 11, 20, 14, 0)
    services.readings_ingest(sensor=s, batch=batch(day, [45, 45, 45, 45, 61]), now=day + dt.timedelta(hours=1))
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"at": "2026-11-20T23:00:00", "laeq": 50}, "readings[0].at"),
        ({"at": "yesterday", "laeq": 50}, "readings[0].at"),
        ({"at": "2026-11-20T23:00:00+08:00", "laeq": 19.9}, "readings[0].laeq"),
        ({"at": "2026-11-20T23:00:00+08:00", "laeq": 140.1}, "readings[0].laeq"),
        ({"at": "2026-11-20T23:00:00+08:00", "laeq": "50"}, "readings[0].laeq"),
        ({"at": "2026-11-20T23:00:00+08:00", "laeq": True}, "readings[0].laeq"),
        ({"at": "2026-11-21T00:05:01+08:00", "laeq": 50}, "readings[0].at"),  # 5 min 1 s after "now"
        ("50", "readings[0]"),
    ],
)
def test_a_bad_reading_rejects_the_whole_batch(world, item, field):
    s, _key = sensor(world)
    good = batch(NIGHT, [50])[0]
    with pytest.raises(ValidationError) as exc:
        services.readings_ingest(sensor=s, batch=[item, good], now=LATER)
    assert list(exc.value.message_dict) == [field]
    assert not Reading.objects.exists()


def test_up_to_five_minutes_in_the_future_is_accepted(world):
    s, _key = sensor(world)
    at = LATER + dt.timedelta(minutes=5)
    assert services.readings_ingest(sensor=s, batch=batch(at, [40]), now=LATER)["created"] == 1


@pytest.mark.parametrize(("body", "n"), [({"at": 1}, None), ([], None), ([{}] * 1001, None)])
def test_a_batch_must_be_a_list_of_at_most_1000(world, body, n):
    s, _key = sensor(world)
    with pytest.raises(ValidationError) as exc:
        services.readings_ingest(sensor=s, batch=body, now=LATER)
    assert list(exc.value.message_dict) == ["readings"]


def test_a_full_batch_of_1000_is_accepted(world):
    s, _key = sensor(world)
    result = services.readings_ingest(sensor=s, batch=batch(NIGHT - dt.timedelta(days=1), [40] * 1000), now=LATER)
    assert result["created"] == 1000


def test_the_contact_and_the_grids_officer_acknowledge_with_a_note(world):
    _s, alert = night_alert(world)
    with pytest.raises(ValidationError):
        services.alert_acknowledge(alert=alert, user=world.users["officer_a"], note=" ")
    services.alert_acknowledge(alert=alert, user=world.users["landlord"], note="已提醒KTV关窗")
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by, alert.note) == (
        AlertState.ACKNOWLEDGED,
        world.users["landlord"],
        "已提醒KTV关窗",
    )
    with pytest.raises(ValidationError):
        services.alert_acknowledge(alert=alert, user=world.users["officer_a"], note="again")


@pytest.mark.parametrize("persona", ["officer_b", "landlord2", "volunteer", "grid_worker"])
def test_others_cannot_acknowledge(world, persona):
    _s, alert = night_alert(world)
    with pytest.raises(ValidationError):
        services.alert_acknowledge(alert=alert, user=world.users[persona], note="x")
