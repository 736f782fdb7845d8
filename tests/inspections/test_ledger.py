"""The hazard ledger: states, filters, scope, a fixed number of queries; the home page figures."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspections import loop
from inspections.models import Grade, Hazard, HazardStatus
from residents.models import VenueKind
from tests.factories import VenueFactory
from tests.routes_hazards import notice_with_hazards


@pytest.fixture
def hazards(world):
    """Four hazards of officer_a's grids in every state, and one in officer_b's grid."""
    today = loop.today()
    n1 = notice_with_hazards(world, fails=2, grades={0: Grade.DAYS_7, 1: Grade.DAYS_3})
    n2 = notice_with_hazards(
        world, grid_name="甲二网格", fails=2, grades={0: Grade.DAYS_15, 1: Grade.DAYS_15},
        venue=VenueFactory(building=world.building("甲二网格"), kind=VenueKind.RESTAURANT, name="川味小馆"),
    )  # fmt: skip
    nb = notice_with_hazards(world, grid_name="乙一网格", officer="officer_b", fails=1, grades={0: Grade.DAYS_15})
    a, b = n1.hazards.order_by("id")
    c, d = n2.hazards.order_by("id")
    Hazard.objects.filter(pk=b.pk).update(deadline=today)  # due
    Hazard.objects.filter(pk=c.pk).update(deadline=today - dt.timedelta(days=2))  # overdue
    Hazard.objects.filter(pk=d.pk).update(status=HazardStatus.CLOSED)
    return {"open": a, "due": b, "overdue": c, "closed": d, "other": nb.hazards.get()}


def ids(response):
    return {h.pk for h in response.context["page"]}


@pytest.mark.parametrize("state", ["open", "due", "overdue", "closed"])
def test_each_state_lists_its_hazards_only(world, hazards, as_user, state):
    response = as_user("officer_a").get(reverse("hazards:ledger"), {"state": state})
    assert ids(response) == {hazards[state].pk}


def test_escalated_state(world, hazards, as_user):
    Hazard.objects.filter(pk=hazards["open"].pk).update(status=HazardStatus.ESCALATED)
    assert ids(as_user("chief").get(reverse("hazards:ledger"), {"state": "escalated"})) == {hazards["open"].pk}


def test_filters_by_grid_grade_venue_type_and_officer(world, hazards, as_user):
    client, url = as_user("chief"), reverse("hazards:ledger")
    mine = {hazards[k].pk for k in ("open", "due", "overdue", "closed")}
    assert ids(client.get(url)) == mine | {hazards["other"].pk}
    assert ids(client.get(url, {"grid": world.a2.pk})) == {hazards["overdue"].pk, hazards["closed"].pk}
    assert ids(client.get(url, {"grade": Grade.DAYS_3})) == {hazards["due"].pk}
    assert ids(client.get(url, {"kind": VenueKind.RESTAURANT})) == {hazards["overdue"].pk, hazards["closed"].pk}
    assert ids(client.get(url, {"officer": world.users["officer_b"].pk})) == {hazards["other"].pk}
    assert ids(client.get(url, {"grid": "x", "grade": "99", "kind": "nope", "state": "?"})) == ids(client.get(url))


def test_officer_sees_only_his_grids(world, hazards, as_user):
    assert hazards["other"].pk not in ids(as_user("officer_a").get(reverse("hazards:ledger")))
    assert ids(as_user("officer_b").get(reverse("hazards:ledger"))) == {hazards["other"].pk}
    assert ids(as_user("other_station_officer").get(reverse("hazards:ledger"))) == set()


def test_grid_workers_do_not_get_the_ledger(world, hazards, as_user):
    assert as_user("grid_worker").get(reverse("hazards:ledger")).status_code == 404


def test_rows_link_to_the_venue(world, hazards, as_user):
    body = as_user("officer_a").get(reverse("hazards:ledger")).content.decode()
    assert reverse("residents:venue_detail", args=[hazards["overdue"].venue_id]) in body


def test_due_page_groups_by_notice_and_flags_overdue(world, hazards, as_user):
    response = as_user("officer_a").get(reverse("hazards:due"))
    groups = response.context["groups"]
    assert [[h.pk for h in g.hazards] for g in groups] == [[hazards["overdue"].pk], [hazards["due"].pk]]
    assert [g.overdue for g in groups] == [True, False]
    assert reverse("hazards:reinspect", args=[hazards["overdue"].notice_id]) in response.content.decode()


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


# session and user, scope, then the page: count, rows, and the rows' houses, inspections and follow-up
# hazards (prefetched, inspections.loop._hazard_rows); the ledger: + grid and officer options
@pytest.mark.parametrize(("name", "ceiling"), [("hazards:ledger", 9), ("hazards:due", 7)])
def test_list_pages_cost_a_fixed_number_of_queries(world, hazards, as_user, name, ceiling):
    client, url = as_user("chief"), reverse(name)
    client.get(url)  # warm caches that are not per-request (content types, translations)
    before = _queries(client, url)
    for _ in range(3):
        notice_with_hazards(world, fails=3)
    Hazard.objects.update(deadline=loop.today())
    after = _queries(client, url)
    assert before == after <= ceiling


def test_home_shows_due_and_overdue_figures(world, hazards, as_user):
    response = as_user("officer_a").get(reverse("home"))
    figures = response.context["figures"]
    assert (figures["hazards_due"], figures["hazards_overdue"]) == (2, 1)
    assert reverse("hazards:due") in response.content.decode()
    assert "hazards_due" not in as_user("grid_worker").get(reverse("home")).context["figures"]
