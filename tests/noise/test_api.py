"""The readings endpoint (sensor key, no login) and the scoped read-only sensors and alerts."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from noise.models import Alert, Reading
from tests.noise.helpers import batch, night_alert, sensor

pytestmark = pytest.mark.django_db
URL = "/api/v1/grid/noise/readings/"


def post(body, key=None, client=None):
    headers = {"HTTP_X_SENSOR_KEY": key} if key else {}
    return (client or Client()).post(URL, data=json.dumps(body), content_type="application/json", **headers)


def _recent(levels, minutes_ago=30):
    start = timezone.localtime(timezone.now()).replace(second=0, microsecond=0) - dt.timedelta(minutes=minutes_ago)
    return batch(start, levels)


def test_the_url_is_the_documented_one():
    assert reverse("noisereading-list") == URL


def test_a_sensor_posts_readings_with_its_key_and_gets_the_counts(world):
    _s, key = sensor(world)
    response = post({"readings": _recent([40, 41, 42])}, key)
    assert response.status_code == 201
    assert response.json() == {"received": 3, "created": 3, "duplicates": 0, "alerts": 0}
    assert Reading.objects.count() == 3


def test_a_bare_list_is_accepted_and_a_repeat_is_idempotent(world):
    _s, key = sensor(world)
    body = _recent([40, 41, 42])
    assert post(body, key).status_code == 201
    response = post(body, key)
    assert response.status_code == 201 and response.json()["duplicates"] == 3
    assert Reading.objects.count() == 3


@pytest.mark.parametrize("key", [None, "", "not-a-key"])
def test_a_missing_or_wrong_key_is_403_and_stores_nothing(world, key):
    sensor(world)
    response = post({"readings": _recent([40])}, key)
    assert response.status_code == 403
    assert not Reading.objects.exists()


def test_a_logged_in_user_without_a_key_is_403_too(world, as_user):
    sensor(world)
    assert post({"readings": _recent([40])}, client=as_user("admin")).status_code == 403


def test_a_deactivated_sensors_key_is_403(world):
    s, key = sensor(world)
    s.active = False
    s.save()
    assert post({"readings": _recent([40])}, key).status_code == 403


def test_a_bad_body_is_400_with_the_errors_and_stores_nothing(world):
    _s, key = sensor(world)
    body = _recent([40, 200])
    response = post({"readings": body}, key)
    assert response.status_code == 400
    assert list(response.json()) == ["readings[1].laeq"]
    assert not Reading.objects.exists()


@pytest.mark.parametrize("raw", ["{not json", '"text"', "null", '{"readings": 5}'])
def test_malformed_json_is_400_never_500(world, raw):
    _s, key = sensor(world)
    response = Client().post(URL, data=raw, content_type="application/json", HTTP_X_SENSOR_KEY=key)
    assert response.status_code == 400


def test_get_is_not_allowed(world):
    _s, key = sensor(world)
    assert Client().get(URL, HTTP_X_SENSOR_KEY=key).status_code == 405


def test_readings_over_the_limit_raise_an_alert_through_the_api(world):
    _s, key = sensor(world, zone="4b")  # whatever the hour: 75 is over 70 by day and over 60 by night
    now = timezone.localtime(timezone.now()).replace(second=0, microsecond=0)
    start = now - dt.timedelta(minutes=now.minute % 5 + 10)
    response = post(batch(start, [75] * 5), key)
    assert response.json()["alerts"] >= 1
    assert Alert.objects.filter(kind="sustained").count() == 1


def test_the_contact_reads_only_their_sensors_alerts(world, as_user):
    mine, _alert = night_alert(world)
    other, _k = sensor(world, grid="甲二网格", contact="landlord2", name="别人的")
    night_alert(world, other)
    body = as_user("landlord").get(reverse("noisealert-list")).json()
    assert [a["sensor"] for a in body["results"]] == [mine.pk]
    assert as_user("landlord").get(reverse("noisealert-detail", args=[other.alerts.get().pk])).status_code == 404
    sensors = as_user("landlord").get(reverse("noisesensor-list")).json()["results"]
    assert [s["id"] for s in sensors] == [mine.pk]
    assert sensors[0]["day_limit"] == 55 and sensors[0]["night_limit"] == 45


def test_an_officer_of_another_grid_gets_an_empty_list_and_404(world, as_user):
    s, alert = night_alert(world)
    client = as_user("officer_b")
    assert client.get(reverse("noisealert-list")).json()["results"] == []
    assert client.get(reverse("noisealert-detail", args=[alert.pk])).status_code == 404
    assert client.get(reverse("noisesensor-detail", args=[s.pk])).status_code == 404


def test_the_officer_filters_open_alerts(world, as_user):
    _s, alert = night_alert(world)
    client = as_user("officer_a")
    assert [a["id"] for a in client.get(reverse("noisealert-list") + "?state=open").json()["results"]] == [alert.pk]
    assert client.get(reverse("noisealert-list") + "?state=acknowledged").json()["results"] == []


def test_the_alert_list_costs_a_fixed_number_of_queries(world, as_user, django_assert_max_num_queries):
    s, _alert = night_alert(world)
    for day in range(1, 6):
        night_alert(world, s, at=timezone.localtime(s.alerts.first().window_start) - dt.timedelta(days=day))
    client = as_user("officer_a")
    # session, user, scope, count, the page (sensor joined), the session's idle-timeout refresh
    with django_assert_max_num_queries(7):
        assert len(client.get(reverse("noisealert-list")).json()["results"]) == 6


def test_the_schema_documents_the_endpoints_and_generates_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, "the OpenAPI schema has warnings: run manage.py spectacular --fail-on-warn"
    validate_schema(schema)
    for path in ("grid/noise/readings/", "grid/noise/sensors/", "grid/noise/alerts/{id}/"):
        assert f"/api/v1/{path}" in schema["paths"], path
