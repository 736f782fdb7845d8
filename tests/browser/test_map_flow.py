"""officer1 logs in on a phone and sees their own police grid on the map, not officer2's."""

import random

import pytest
from faker import Faker

from grid import seed
from grid.models import CommunityGrid

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db, settings):
    settings.DEMO_PASSWORD = "browser-test-password"
    fake = Faker("zh_CN")
    fake.seed_instance(1)
    seed.seed_demo(password=settings.DEMO_PASSWORD, rng=random.Random(1), fake=fake, out=lambda *a: None)
    return settings.DEMO_PASSWORD


def test_officer1_sees_their_grids_on_the_map_at_a_phone_viewport(demo, live_server, phone, shot):
    mine = set(CommunityGrid.objects.filter(police_grid__officer__username="officer1").values_list("name", flat=True))
    theirs = set(CommunityGrid.objects.filter(police_grid__officer__username="officer2").values_list("name", flat=True))
    assert mine and theirs

    phone.goto(f"{live_server.url}/grid/map/")
    assert "/accounts/login/" in phone.url  # the map needs a login
    assert phone.locator("html").get_attribute("lang") == "zh-hans"
    shot(phone, "login-phone")
    phone.fill("input[name=username]", "officer1")
    phone.fill("input[name=password]", demo)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/grid/map/")
    phone.wait_for_selector("#fq-map[data-loaded=all]", timeout=15000)

    labels = set(phone.locator(".leaflet-tooltip.fq-grid-label").all_inner_texts())
    assert labels == mine
    assert not labels & theirs
    assert int(phone.locator("#fq-map").get_attribute("data-building-count")) == 75
    # The page fits the phone: nothing wider than the viewport.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, "map-officer1-phone")

    # Tap a grid → its popup links to the grid's page.
    # Tapping a grid's name opens its popup (the label is interactive, above any building marker).
    phone.locator(".leaflet-tooltip.fq-grid-label").first.click()
    phone.locator(".leaflet-popup-content a").click()
    phone.wait_for_url("**/grid/community-grids/*/")
    assert phone.locator("h1").inner_text() in mine
    shot(phone, "community-grid-phone")


def test_beyond_the_limit_the_map_says_so_and_loads_the_buildings_in_view(demo, live_server, phone, settings, shot):
    settings.MAP_BUILDINGS_LIMIT = 20  # officer1 has 75
    phone.goto(f"{live_server.url}/grid/map/")
    phone.fill("input[name=username]", "officer1")
    phone.fill("input[name=password]", demo)
    phone.click("button[type=submit]")
    phone.wait_for_selector("#fq-map[data-loaded=all]", timeout=15000)
    box = phone.locator("#fq-map")
    assert box.get_attribute("data-building-count") == "20" and box.get_attribute("data-buildings-truncated") == "1"
    assert "放大地图" in phone.locator("#fq-map-status").inner_text()
    shot(phone, "map-truncated-phone")
    with phone.expect_response(lambda r: "buildings.geojson?bbox=" in r.url) as answer:
        phone.locator(".leaflet-control-zoom-in").click()
    assert answer.value.ok
    phone.wait_for_function("() => document.querySelector('#fq-map').dataset.buildingCount !== undefined")
    in_view = answer.value.json()
    assert 0 < len(in_view["features"]) <= 20
