"""List pages, API lists and GeoJSON endpoints cost a fixed number of queries, however many rows.

Each route is measured twice, before and after adding rows to the officer's grids; the count
must not change, and must stay under the pinned ceiling (session, user, scope, then the page's
own queries: a count for the paginator and the rows, or one query per map layer).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import BuildingFactory, CommunityGridFactory, centre

# route -> pinned ceiling. Every page: user, scope (one query, cached for the request), then
ROUTES = {
    "home": 21,  # + open noise alerts of a property contact (one), seven counts, due/overdue hazards (one), open disputes and follow-ups due (two), open and
    # overdue events, my event tasks, my events to rate (three), the chief's police-grid table and two figures,
    # my grids (two)
    "grid:map": 1,  # the page only; the map fetches its layers itself
    "grid:grids_geojson": 4,  # + police grids, community grids
    "grid:buildings_geojson": 3,  # + buildings
    "grid:station_list": 4,  # + count, page
    "grid:policegrid_list": 4,
    "grid:communitygrid_list": 4,
    "grid:building_list": 4,
    "station-list": 4,  # + count, page
    "policegrid-list": 4,
    "communitygrid-list": 4,
    "building-list": 4,
    # The registries and rentals: + count, page (the review queue: declarations, tenants, persons).
    "residents:person_list": 4,
    "residents:house_list": 4,
    "residents:venue_list": 4,
    "rentals:review": 5,
    "rentals:declaration_list": 4,
    "person-list": 4,
    "house-list": 4,
    "venue-list": 4,
    "declaration-list": 5,  # + tenants (prefetched)
    # Disputes. The ledger: + grids and officers for the filters, count, page, parties, and the figures
    # (states, durations, by category, by officer and their names, by mediator type, grids, disputes and
    # residents per grid; cached five minutes on the live page, measured uncached here).
    "disputes:ledger": 16,
    "disputes:followups": 5,  # + count, page (parties prefetched), the next four weeks
    "disputes:mediators": 3,  # + the roster with its counts
    "dispute-list": 6,  # + count, page, parties, mediators (prefetched), the repeat-party check
    "mediationsession-list": 6,  # + count, page, mediators, parties present, agreements
    "followup-list": 4,
    "mediator-list": 4,
    # Noise: + count, page (+ the open alerts first).
    "noise:sensors": 3,
    "noise:alerts": 5,
    "noisesensor-list": 4,
    "noisealert-list": 4,
}


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow_registries(world, batch=0):
    import datetime as dt

    from django.utils import timezone

    from rentals.services import declaration_submit
    from tests.factories import HouseFactory, PersonFactory, ResidenceFactory, VenueFactory, resident_id

    b = world.building("甲一网格")
    for n in range(3):
        n += 10 * batch
        house = HouseFactory(building=b, unit=f"9单元9{n:02d}")
        ResidenceFactory(person=PersonFactory(grid=world.a1, id_seq=700 + 2 * n), house=house)
        VenueFactory(building=b)
        declaration_submit(
            landlord=world.users["landlord"], house=house, kind="move_in", rental_type="long",
            tenants=[{"name": f"租客{n}", "id_number": resident_id(750 + 2 * n), "move_in": timezone.localdate() - dt.timedelta(days=1)}],
        )  # fmt: skip


def _grow_disputes(world, batch=0):
    """A dispute being mediated and one with a signed agreement and its follow-ups."""
    from disputes.models import Outcome
    from tests.disputes.helpers import hold_session, make_dispute, parties, sign_all

    open_one = make_dispute(world, parties=parties(world, seq=401 + 4 * batch))
    hold_session(world, open_one, outcome=Outcome.ADJOURNED)
    agreed = make_dispute(world, parties=parties(world, seq=403 + 4 * batch))
    sign_all(world, hold_session(world, agreed).agreement)


@pytest.fixture(autouse=True)
def _no_figures_cache(monkeypatch):
    # The ledger's figures are cached for five minutes: measure the page that computes them.
    monkeypatch.setattr("disputes.ledgers.FIGURES_CACHE_SECONDS", 0)


def _grow(world):
    _grow_registries(world, batch=1)
    _grow_disputes(world, batch=1)
    for _ in range(3):
        g = CommunityGridFactory(police_grid=world.pg_a)
        for dx in (-0.3, 0.0, 0.3):
            lat, lng = centre(g, dx)
            BuildingFactory(grid=g, lat=lat, lng=lng)
    for dx in (-0.35, -0.1, 0.1, 0.35):
        lat, lng = centre(world.a1, dx)
        BuildingFactory(grid=world.a1, lat=lat, lng=lng)


@pytest.mark.parametrize("persona", ["officer_a", "chief"])
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_query_count_does_not_grow_with_rows(route, persona, world, as_user):
    client = as_user(persona)
    _grow_registries(world)  # a first row of each kind, so "before" runs every query a page has
    _grow_disputes(world)
    url = reverse(route)
    client.get(url)  # warm caches that are not per-request (content types, translations)
    before = _count(client, url)
    _grow(world)
    after = _count(client, url)
    assert after == before, f"{route}: {before} queries before, {after} after adding rows"
    assert after <= ROUTES[route], f"{route}: {after} queries, pinned at {ROUTES[route]}"


# Grid operations: events, roster, incidents, topics, publicity, the diary; rows grown in 甲一 between
# the two measurements (each route: session, user, scope, then its own fixed queries).
OPS_ROUTES = {
    "events:list": 5,
    "events:leaderboard": 5,
    "grid:member_list": 6,
    "incidents:list": 5,
    "incidents:hotspots": 9,
    "topics:meetings": 4,
    "topics:ledger": 6,
    "field:publicity": 8,
    "field:diary": 9,
    "event-list": 5,
    "incident-list": 4,
}


def _grow_ops(world, batch):
    from django.utils import timezone

    from events import dispatch
    from field import services as field_services
    from grid.models import GridMember
    from tests.events.helpers import report
    from tests.incidents import helpers as incident_helpers
    from tests.topics.helpers import meeting

    for n in range(3):
        event = report(world, description=f"路灯不亮{batch}{n}", dx=0.0001 * n + 0.0003 * batch)
        dispatch.event_accept(event=event, user=world.users["grid_worker"])
        member = GridMember(grid=world.a1, name=f"志愿者{batch}{n}", member_type="resident", applied=True)
        member.set_phone(f"1390000{batch}{n:03d}")
        member.save()
        incident_helpers.add(f"Q{batch}{n:04d}", when=timezone.localtime().strftime("%Y-%m-%d 08:00"), grid=world.a1)
        meeting(world, titles=(f"议题{batch}{n}", f"议题{batch}{n}b"))
        field_services.publicity_record(
            user=world.users["officer_a"], held_on=timezone.localdate(), topic="anti_fraud", place=f"广场{batch}{n}",
            grid=world.a1, leaflets=10, people=20, participants=[world.users["grid_worker"]],
        )  # fmt: skip


@pytest.mark.parametrize("persona", ["officer_a", "chief"])
@pytest.mark.parametrize("route", sorted(OPS_ROUTES))
def test_grid_operations_pages_cost_fixed_queries(route, persona, world, as_user):
    client = as_user(persona)
    _grow_ops(world, 1)
    url = reverse(route)
    client.get(url)
    before = _count(client, url)
    _grow_ops(world, 2)
    after = _count(client, url)
    assert after == before, f"{route}: {before} queries before, {after} after adding rows"
    assert after <= OPS_ROUTES[route], f"{route}: {after} queries, pinned at {OPS_ROUTES[route]}"
