"""The incident heat layer on the grid map: police staff get its config (the cells URL, the
categories, the heat map's default period) and scripts; grid workers and volunteers get a map that
never loads nor asks for incidents. The cells the layer fetches follow its filters.

The category-and-dates filter on one day is pinned in test_heat_and_hotspots; here: the default
period the layer starts with, and a category on its own.
"""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from incidents.models import Category, cell_centre, cell_index
from tests.factories import centre
from tests.incidents.helpers import add

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
CONFIG = re.compile(r'<script id="fq-heat-config" type="application/json">(.*?)</script>', re.S)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def heat_config(response) -> dict | None:
    m = CONFIG.search(response.content.decode())
    return json.loads(m.group(1)) if m else None


@pytest.mark.parametrize("persona", ["officer_a", "aux_a", "chief", "admin"])
def test_police_staff_get_the_heat_layer_on_the_grid_map(world, as_user, persona):
    response = as_user(persona).get(reverse("grid:map"))
    assert response.status_code == 200
    config = heat_config(response)
    with translation.override(response["Content-Language"]):
        categories = [[value, str(label)] for value, label in Category.choices]
    assert config == {
        "cells_url": reverse("incidents:heat_cells"),
        "categories": categories,
        "start": "2025-06-02",  # the heat map's default: the last 365 days, today included
        "end": "2026-06-01",
    }
    html = response.content.decode()
    assert "/static/vendor/leaflet-heat/leaflet-heat.js" in html
    assert "/static/js/heat-layer.js" in html
    assert 'id="fq-heat-filters"' in html
    assert 'data-label-layer="警情热力"' in html  # the layer control's label, translated


@pytest.mark.parametrize("persona", ["grid_worker", "volunteer"])
def test_grid_workers_and_volunteers_get_the_map_without_incidents(world, as_user, persona):
    response = as_user(persona).get(reverse("grid:map"))
    assert response.status_code == 200
    html = response.content.decode()
    assert heat_config(response) is None
    assert "fq-heat" not in html and "leaflet-heat" not in html and "heat-layer.js" not in html
    assert "/incidents/" not in html  # no link the page could ask: every incident URL is a 404 to them
    assert "/static/js/grid-map.js" in html  # the map itself is still there


def test_the_tag_follows_the_rule_of_the_incident_pages(world, as_user):
    # can_see_incidents and the incident pages' `police` decorator agree, persona by persona.
    template = Template("{% load incidents_tags %}{% can_see_incidents user as ok %}{{ ok }}")
    for name, user in world.users.items():
        shown = template.render(Context({"user": user})) == "True"
        status = as_user(name).get(reverse("incidents:heat_cells")).status_code
        assert (shown, status) in ((True, 200), (False, 404)), name
    assert template.render(Context({"user": AnonymousUser()})) == "False"


def test_the_layer_starts_with_the_cells_of_the_default_period_and_a_category_filters_them(world, as_user):
    lat, lng = centre(world.a1)
    far = (lat + 0.004, lng)  # another cell in 甲一
    add("D1", when="2025-06-02 00:10", point=(lat, lng), category="criminal")  # the period's first day
    add("D2", when="2025-06-01 23:50", point=(lat, lng), category="criminal")  # the day before: out
    add("D3", when="2026-05-20 10:00", point=far, category="dispute")
    add("D4", when="2026-06-01 09:00", point=far, category="criminal")  # today
    client = as_user("officer_a")
    config = heat_config(client.get(reverse("grid:map")))
    here = [cell_centre(cell_index(lat)), cell_centre(cell_index(lng))]
    there = [cell_centre(cell_index(far[0])), cell_centre(cell_index(lng))]

    # What the layer asks first: no filters → the period the config announced.
    data = client.get(config["cells_url"]).json()
    assert (data["start"], data["end"]) == (config["start"], config["end"])
    assert data["cells"] == [[*there, 2], [*here, 1]] and data["total"] == 3

    # The filter control's fields: a category alone keeps the default period.
    data = client.get(config["cells_url"], {"category": "criminal"}).json()
    assert sorted(data["cells"]) == sorted([here + [1], there + [1]])
    assert data["total"] == 2
    data = client.get(config["cells_url"], {"category": "dispute", "start": config["start"], "end": config["end"]})
    assert data.json()["cells"] == [[*there, 1]]
    # An earlier start brings the day before back.
    data = client.get(config["cells_url"], {"category": "criminal", "start": "2025-06-01", "end": "2025-06-30"})
    assert data.json()["cells"] == [[*here, 2]]
