"""The community-work API: scoped like the pages, constant queries."""

import pytest
from django.urls import reverse

from field import services
from field.models import Kind
from residents.services import visit_record

pytestmark = pytest.mark.django_db


def _ids(response):
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


def test_checkins_visits_and_patrols_are_scoped(world, as_user):
    b = world.building("甲一网格")
    check = services.check(user=world.users["officer_a"], kind=Kind.IN, lat=b.lat, lng=b.lng)
    services.patrol_start(user=world.users["officer_a"])
    visit = visit_record(
        user=world.users["grid_worker"], building=b, purpose="走访", participants=[world.users["officer_a"]]
    )
    url = reverse("check-list")
    assert _ids(as_user("officer_a").get(url)) == [check.pk]
    assert _ids(as_user("chief").get(url)) == [check.pk]
    assert _ids(as_user("officer_b").get(url)) == []
    assert _ids(as_user("other_chief").get(url)) == []
    assert as_user("anonymous").get(url).status_code == 401
    visits = reverse("visit-list")
    assert _ids(as_user("officer_a").get(visits + "?mine=1")) == [visit.pk]
    assert _ids(as_user("officer_b").get(visits)) == []
    assert _ids(as_user("landlord").get(visits)) == []
    row = as_user("officer_a").get(visits).json()["results"][0]
    assert row["participants"] == [world.users["officer_a"].pk] and "notes" not in row
    patrols = as_user("officer_a").get(reverse("patrol-list")).json()["results"]
    assert len(patrols) == 1 and patrols[0]["points"] == []
    assert _ids(as_user("officer_b").get(reverse("patrol-list"))) == []
