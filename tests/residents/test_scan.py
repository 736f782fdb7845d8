"""The door-plate scan page /q/<token>/: public for everyone, the working page for the grid's staff."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents.labels import scan_url
from residents.models import Visit, VisitSource
from tests.factories import HouseFactory, PersonFactory, ResidenceFactory
from tests.scope import SEES_A1

IN_SCOPE = sorted(SEES_A1)  # officer_a, aux_a, grid_worker, volunteer, chief, admin
OUTSIDERS = ["anonymous", "landlord", "landlord2", "mediator", "officer_b", "volunteer_b", "other_chief"]


def _url(obj) -> str:
    return reverse("scan:scan", args=[obj.qr_token])


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_the_public_sees_the_address_and_the_declaration_link_but_no_resident(persona, world, as_user):
    house, person = world.house("甲一网格"), world.person("甲一网格")
    response = as_user(persona).get(_url(house))
    html = response.content.decode()
    assert response.status_code == 200
    assert "residents/scan_public.html" in [t.name for t in response.templates]
    assert house.building.address in html and house.unit in html
    assert f"/rentals/declare/?house={house.qr_token}" in html
    assert person.name not in html and person.id_number_masked not in html and person.phone_masked not in html


def test_a_building_plate_lets_the_landlord_pick_the_unit(world, as_user):
    building = world.building("甲一网格")
    rental, own = world.houses["甲一网格"]
    html = as_user("landlord").get(_url(building)).content.decode()
    assert f"?house={rental.qr_token}" in html and f"?house={own.qr_token}" in html
    assert f"?building={building.qr_token}" in html  # "my unit is not listed"
    assert world.person("甲一网格").name not in html


def test_the_public_page_offers_the_officer_and_the_station_to_call(world, as_user):
    officer = world.users["officer_a"]
    officer.phone = "13900001111"
    officer.save(update_fields=["phone"])
    world.s1.phone = "0951-5012110"
    world.s1.save(update_fields=["phone"])
    html = as_user("anonymous").get(_url(world.house("甲一网格"))).content.decode()
    assert 'href="tel:13900001111"' in html and 'href="tel:0951-5012110"' in html and 'href="tel:110"' in html
    assert officer.display_name in html and world.s1.name in html


@pytest.mark.parametrize("persona", IN_SCOPE)
def test_staff_of_the_grid_see_the_current_tenants_masked(persona, world, as_user):
    house, person = world.house("甲一网格"), world.person("甲一网格")
    response = as_user(persona).get(_url(house))
    html = response.content.decode()
    assert "residents/scan_staff.html" in [t.name for t in response.templates]
    assert person.name in html
    assert person.id_number_masked in html and "*" in person.id_number_masked
    assert person.phone_masked in html
    assert person.id_number not in html and person.phone not in html


def test_a_building_scan_groups_the_households_by_house(world, as_user):
    rental, own = world.houses["甲一网格"]
    owner = PersonFactory(name="业主甲", id_seq=501, grid=world.a1)
    ResidenceFactory(person=owner, house=own, relation="householder")
    response = as_user("officer_a").get(_url(world.building("甲一网格")))
    houses = response.context["houses"]
    assert [h.unit for h in houses] == sorted([rental.unit, own.unit])
    by_unit = {h.unit: [r.person.name for r in h.current] for h in houses}
    assert by_unit == {rental.unit: [world.person("甲一网格").name], own.unit: ["业主甲"]}


def test_someone_who_moved_out_is_not_listed(world, as_user):
    house = world.house("甲一网格")
    gone = PersonFactory(name="已搬走", id_seq=503, grid=world.a1)
    ResidenceFactory(person=gone, house=house, end="2026-02-01")
    html = as_user("officer_a").get(_url(house)).content.decode()
    assert "已搬走" not in html


@pytest.mark.parametrize("persona", ["officer_b", "volunteer_b", "other_station_officer", "other_chief"])
def test_staff_of_another_grid_get_the_public_page_not_a_404(persona, world, as_user):
    response = as_user(persona).get(_url(world.house("甲一网格")))
    assert response.status_code == 200
    assert "residents/scan_public.html" in [t.name for t in response.templates]
    assert "houses" not in response.context


@pytest.mark.parametrize("persona", IN_SCOPE)
def test_every_staff_scan_is_recorded_as_a_visit_with_time_and_user(persona, world, as_user):
    house = world.house("甲一网格")
    client = as_user(persona)
    client.get(_url(house))
    client.get(_url(house.building))
    visits = list(Visit.objects.order_by("id"))
    assert [(v.user, v.source, v.building, v.house) for v in visits] == [
        (world.users[persona], VisitSource.QR_SCAN, house.building, house),
        (world.users[persona], VisitSource.QR_SCAN, house.building, None),
    ]
    assert all(v.at is not None and v.grid == world.a1 for v in visits)


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_a_public_scan_records_no_visit(persona, world, as_user):
    as_user(persona).get(_url(world.house("甲一网格")))
    assert not Visit.objects.exists()


def test_a_head_request_records_no_visit(world, as_user):
    as_user("officer_a").head(_url(world.house("甲一网格")))
    assert not Visit.objects.exists()


def test_an_unknown_token_is_a_404(world, as_user):
    assert as_user("officer_a").get("/q/NoSuchTokenAtAllXyz12/").status_code == 404
    assert as_user("anonymous").get("/q/NoSuchTokenAtAllXyz12/").status_code == 404
    assert as_user("anonymous").get("/q/short/").status_code == 404


def test_a_venue_token_is_not_a_door_plate(world, as_user):
    from tests.factories import VenueFactory

    venue = VenueFactory(building=world.building("甲一网格"))
    assert as_user("officer_a").get(f"/q/{venue.qr_token}/").status_code == 404


def test_the_qr_carries_the_absolute_scan_url(world, settings):
    settings.PUBLIC_BASE_URL = "https://fq.station.local"
    house = world.house("甲一网格")
    assert scan_url(house.qr_token) == f"https://fq.station.local/q/{house.qr_token}/"


# --- visits recorded by hand --------------------------------------------------------------


def test_an_officer_records_a_visit_with_purpose_and_notes_over_htmx(world, as_user):
    house = world.house("甲一网格")
    client = as_user("officer_a")
    response = client.post(
        reverse("scan:visit", args=[house.qr_token]),
        {"purpose": "出租屋检查", "notes": "租客在家"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'hx-swap-oob="true"' in html and "出租屋检查" in html
    visit = Visit.objects.get()
    assert (visit.source, visit.purpose, visit.notes, visit.house, visit.user) == (
        VisitSource.MANUAL,
        "出租屋检查",
        "租客在家",
        house,
        world.users["officer_a"],
    )


def test_a_visit_made_together_counts_for_each_participant(world, as_user):
    from residents.services import visits_of

    house = world.house("甲一网格")
    client = as_user("officer_a")
    page = client.get(_url(house)).content.decode()
    gw, aux = world.users["grid_worker"], world.users["aux_a"]
    assert f'name="participants" value="{gw.pk}"' in page and f'name="participants" value="{aux.pk}"' in page
    assert f'name="participants" value="{world.users["officer_a"].pk}"' not in page  # not oneself
    outsider = world.users["officer_b"]  # not of this grid's team: refused, nothing saved
    refused = client.post(
        reverse("scan:visit", args=[house.qr_token]), {"purpose": "联合走访", "participants": [gw.pk, outsider.pk]}
    )
    assert refused.status_code == 200 and not Visit.objects.filter(source=VisitSource.MANUAL).exists()
    client.post(reverse("scan:visit", args=[house.qr_token]), {"purpose": "联合走访", "participants": [gw.pk]})
    visit = Visit.objects.get(source=VisitSource.MANUAL)
    assert list(visit.participants.all()) == [gw]
    counted = set(visits_of(gw).values_list("pk", flat=True))
    assert counted == {visit.pk}  # the grid worker's own count: the visit made with the officer
    assert visit.pk in set(visits_of(world.users["officer_a"]).values_list("pk", flat=True))
    assert not visits_of(aux).exists()
    assert "+ 1" in as_user("grid_worker").get(_url(house)).content.decode()


def test_a_building_visit_may_name_one_of_its_units(world, as_user):
    building = world.building("甲一网格")
    _, own = world.houses["甲一网格"]
    response = as_user("grid_worker").post(
        reverse("scan:visit", args=[building.qr_token]), {"purpose": "走访", "house": own.pk}
    )
    assert response.status_code == 302 and response["Location"] == _url(building)
    assert Visit.objects.get().house == own


def test_a_unit_of_another_building_is_refused_and_nothing_is_saved(world, as_user):
    building = world.building("甲一网格")
    elsewhere = HouseFactory(building=world.buildings["甲一网格"][1], unit="9单元901")
    response = as_user("officer_a").post(
        reverse("scan:visit", args=[building.qr_token]), {"purpose": "走访", "house": elsewhere.pk}
    )
    assert response.status_code == 200
    assert "house" in response.context["visit_form"].errors
    assert not Visit.objects.exists()


def test_a_visit_without_purpose_is_explained_at_the_field_and_the_notes_are_kept(world, as_user):
    house = world.house("甲一网格")
    response = as_user("officer_a").post(
        reverse("scan:visit", args=[house.qr_token]), {"purpose": "  ", "notes": "记下的话"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "invalid-feedback" in html and "记下的话" in html
    assert not Visit.objects.exists()


@pytest.mark.parametrize("persona", ["officer_b", "volunteer", "landlord", "mediator", "other_chief"])
def test_only_the_grids_staff_may_record_a_visit(persona, world, as_user):
    response = as_user(persona).post(reverse("scan:visit", args=[world.house("甲一网格").qr_token]), {"purpose": "x"})
    assert response.status_code == 404
    assert not Visit.objects.exists()


def test_volunteers_see_no_visit_form(world, as_user):
    response = as_user("volunteer").get(_url(world.house("甲一网格")))
    assert response.context["visit_form"] is None
    assert "scan:visit" not in response.content.decode() and "/visit/" not in response.content.decode()


# --- query count ----------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len([q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))])


@pytest.mark.parametrize("which", ["house", "building"])
def test_the_staff_scan_page_costs_a_fixed_number_of_queries(which, world, as_user):
    """User, token (a house's, then a building's), the grid's people, scope, visit insert, residences,
    visits: 7 for a house plate (8 with the session: issue 8's target); a building plate also reads
    its houses and its venues, and misses as a house first: 10."""
    house = world.house("甲一网格")
    target = house if which == "house" else house.building
    client = as_user("officer_a")
    client.get(_url(target))  # warm per-process caches (content types, translations)
    before = _count(client, _url(target))
    for n in range(4):
        extra = HouseFactory(building=house.building, unit=f"3单元{n}01", floor=3)
        for k in range(3):
            ResidenceFactory(
                person=PersonFactory(id_seq=600 + 3 * n + k, grid=world.a1), house=house if k == 0 else extra
            )
    after = _count(client, _url(target))
    assert after == before, f"{before} queries before, {after} after adding rows"
    assert after <= (7 if which == "house" else 10), after
