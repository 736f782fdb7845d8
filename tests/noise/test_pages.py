"""The noise pages: sensor list, registering a sensor (key shown once), the sensor page with its
chart and alerts, the alert page (scoped; the contact sees only their sensors), acknowledging,
and the dispute suggestion after repeated alerts."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from noise import services
from noise.models import AlertState, Sensor
from tests.noise.helpers import NAME, batch, night_alert, sensor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_in_english(settings):
    """These tests read the pages' English msgids: render them in English (the default is zh-hans)."""
    settings.LANGUAGE_CODE = "en"


def test_the_officer_registers_a_sensor_and_sees_its_key_once(world, as_user, english):
    b = world.building("甲一网格")
    client = as_user("officer_a")
    data = {"name": "KTV旁", "zone_class": "2", "building": b.address, "contact": "landlord", "lat": "", "lng": ""}
    response = client.post(reverse("noise:sensor_create"), data)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = response.context["key"]
    assert key in response.content.decode()
    s = Sensor.objects.get()
    assert (s.grid, s.building, s.contact, s.zone_class) == (world.a1, b, world.users["landlord"], "2")
    assert services.sensor_for_key(key) == s
    assert key not in client.get(reverse("noise:sensor", args=[s.pk])).content.decode()


def test_bad_sensor_input_is_shown_next_to_the_field_and_kept(world, as_user, english):
    b = world.building("乙一网格")  # officer_b's grid
    data = {
        "name": "外区",
        "zone_class": "1",
        "building": "",
        "contact": "nobody",
        "lat": str(b.lat),
        "lng": str(b.lng),
    }
    response = as_user("officer_a").post(reverse("noise:sensor_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "contact" in form.errors
    assert 'value="外区"' in response.content.decode()
    data["contact"] = ""
    response = as_user("officer_a").post(reverse("noise:sensor_create"), data)
    assert "lat" in response.context["form"].errors
    assert not Sensor.objects.exists()


def test_an_address_outside_the_officers_area_is_refused(world, as_user, english):
    data = {"name": "x", "zone_class": "1", "building": world.building("乙一网格").address}
    response = as_user("officer_a").post(reverse("noise:sensor_create"), data)
    assert "building" in response.context["form"].errors


def test_the_sensor_page_charts_the_last_24_hours_with_the_limit(world, as_user):
    s, _key = sensor(world)
    now = timezone.localtime(timezone.now()).replace(second=0, microsecond=0)
    services.readings_ingest(sensor=s, batch=batch(now - dt.timedelta(minutes=30), [40, 41, 42]))
    response = as_user("officer_a").get(reverse("noise:sensor", args=[s.pk]))
    html = response.content.decode()
    chart = json.loads(html.split('id="fq-noise-chart" type="application/json">')[1].split("</script>")[0])
    assert len(chart["labels"]) == 1440 and chart["readings"] == 3
    assert [v for v in chart["values"] if v is not None] == [40.0, 41.0, 42.0]
    assert set(chart["limit"]) <= {55, 45}
    assert "js/noise-chart.js" in html


def test_the_contact_sees_only_their_sensors_alerts(world, as_user):
    mine, _a = night_alert(world)
    other, _k = sensor(world, grid="甲二网格", contact="landlord2", name="别人的监测点")
    night_alert(world, other)
    html = as_user("landlord").get(reverse("noise:alerts")).content.decode()
    assert NAME in html and "别人的监测点" not in html
    assert as_user("landlord").get(reverse("noise:sensor", args=[other.pk])).status_code == 404
    assert as_user("landlord").get(reverse("noise:sensors")).status_code == 404


def test_an_officer_of_another_grid_gets_404(world, as_user):
    s, alert = night_alert(world)
    client = as_user("officer_b")
    assert client.get(reverse("noise:sensor", args=[s.pk])).status_code == 404
    assert NAME not in client.get(reverse("noise:alerts")).content.decode()
    response = client.post(reverse("noise:acknowledge", args=[alert.pk]), {"note": "x"})
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN


def test_open_alerts_come_first(world, as_user):
    s, old = night_alert(world)
    _s, new = night_alert(world, s, at=timezone.localtime(old.window_start) + dt.timedelta(days=1))
    services.alert_acknowledge(alert=new, user=world.users["officer_a"], note="ok")
    page = as_user("officer_a").get(reverse("noise:alerts")).context["page"]
    assert [a.pk for a in page] == [old.pk, new.pk]


def test_the_officer_acknowledges_with_a_note(world, as_user, english):
    _s, alert = night_alert(world)
    client = as_user("officer_a")
    response = client.post(reverse("noise:acknowledge", args=[alert.pk]), {"note": "", "next": "/noise/alerts/"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN
    response = client.post(
        reverse("noise:acknowledge", args=[alert.pk]), {"note": "已劝导", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("noise:alerts")
    alert.refresh_from_db()
    assert (alert.state, alert.note, alert.acknowledged_by) == ("acknowledged", "已劝导", world.users["officer_a"])
    assert "已劝导" in client.get(reverse("noise:alerts")).content.decode()


def test_the_contact_acknowledges_their_alert(world, as_user):
    _s, alert = night_alert(world)
    as_user("landlord").post(reverse("noise:acknowledge", args=[alert.pk]), {"note": "已提醒租户"})
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.users["landlord"]


def _three_alerts(world, **kw):
    s, first = night_alert(world, sensor(world, **kw)[0])
    for day in (1, 2):
        night_alert(world, s, at=timezone.localtime(first.window_start) - dt.timedelta(days=day))
    return s


def test_repeated_alerts_suggest_a_dispute_at_the_building(world, as_user, english, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC))
    s = _three_alerts(world)
    link = f"{reverse('disputes:create')}?building={s.building_id}"
    for url in (reverse("noise:sensor", args=[s.pk]), reverse("noise:alerts")):
        html = as_user("officer_a").get(url).content.decode()
        assert "3 alerts at this place within 30 days" in html and link in html, url
    # The contact is told, but the dispute ledger is the officers': no link for them.
    html = as_user("landlord").get(reverse("noise:sensor", args=[s.pk])).content.decode()
    assert "3 alerts at this place" in html and link not in html


def test_no_suggestion_below_three_alerts_or_after_30_days(world, as_user, english, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC))
    s, _a = night_alert(world)
    assert "within 30 days" not in as_user("officer_a").get(reverse("noise:sensor", args=[s.pk])).content.decode()
    s.alerts.all().delete()
    _three_alerts(world, name="old")
    time_machine.move_to(dt.datetime(2026, 12, 25, 9, 0, tzinfo=dt.UTC))
    assert "within 30 days" not in as_user("officer_a").get(reverse("noise:alerts")).content.decode()


def test_without_a_building_the_suggestion_has_no_link(world, as_user, english, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC))
    s = _three_alerts(world, building=False)
    html = as_user("officer_a").get(reverse("noise:sensor", args=[s.pk])).content.decode()
    assert "3 alerts at this place" in html and "?building=" not in html


def test_the_alert_page_costs_a_fixed_number_of_queries(world, as_user, django_assert_max_num_queries):
    s, first = night_alert(world)
    for day in range(1, 8):
        night_alert(world, s, at=timezone.localtime(first.window_start) - dt.timedelta(days=day))
    client = as_user("officer_a")
    with django_assert_max_num_queries(10):  # session, user, scope, count, page, repeat counts, session refresh …
        response = client.get(reverse("noise:alerts"))
    assert len(response.context["page"]) == 8


def test_the_sensor_list_costs_a_fixed_number_of_queries(world, as_user, django_assert_max_num_queries):
    for n in range(5):
        sensor(world, name=f"监测点{n}")
    client = as_user("chief")
    with django_assert_max_num_queries(8):  # session, user, scope, the sensors with their counts, session refresh …
        response = client.get(reverse("noise:sensors"))
    assert len(response.context["sensors"]) == 5
