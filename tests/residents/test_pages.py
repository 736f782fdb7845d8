from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from residents.models import HouseUse, Person
from tests.factories import HouseFactory, resident_id


def _found(client, q):
    return [p.pk for p in client.get(reverse("residents:person_list"), {"q": q}).context["page"]]


def test_search_finds_a_person_by_name_exact_id_phone_and_address(world, as_user):
    p, client = world.person("甲一网格"), as_user("officer_a")
    assert _found(client, p.name[-4:]) == [p.pk]
    assert _found(client, p.id_number) == [p.pk]
    assert _found(client, p.id_number.lower()) == [p.pk]
    assert _found(client, p.phone) == [p.pk]
    assert _found(client, world.house("甲一网格").building.address) == [p.pk]
    assert _found(client, p.id_number[:10]) == []  # a partial ID finds nothing: only exact matches


def test_search_never_crosses_the_grid(world, as_user):
    other = world.person("丙一网格")
    assert _found(as_user("officer_a"), other.id_number) == []


def test_lists_show_only_masked_identifiers(world, as_user):
    html = as_user("officer_a").get(reverse("residents:person_list")).content.decode()
    p = world.person("甲一网格")
    assert p.id_number_masked in html and p.id_number not in html and p.phone not in html


def test_reveal_on_the_person_page_shows_the_full_id_and_writes_the_audit(world, as_user):
    p, client = world.person("甲一网格"), as_user("officer_a")
    missing = client.post(reverse("residents:person_reveal", args=[p.pk]), {"reason": ""})
    assert p.id_number not in missing.content.decode()
    shown = client.post(reverse("residents:person_reveal", args=[p.pk]), {"reason": "入户核对"}, HTTP_HX_REQUEST="true")
    assert p.id_number in shown.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL, object_id=str(p.pk), reason="入户核对").count() == 1


def test_a_grid_worker_may_search_but_not_reveal(world, as_user):
    p = world.person("甲一网格")
    client = as_user("grid_worker")
    assert _found(client, p.name) == [p.pk]
    assert client.post(reverse("residents:person_reveal", args=[p.pk]), {"reason": "x" * 5}).status_code == 404
    assert (
        f"residents/persons/{p.pk}/reveal"
        not in client.get(reverse("residents:person_detail", args=[p.pk])).content.decode()
    )


def test_registering_a_person_at_a_house_with_a_wrong_id_explains_at_the_field(world, as_user):
    house = world.house("甲一网格")
    data = {"name": "新住户", "id_type": "resident_id", "id_number": resident_id(701)[:-1] + "0", "household_status": "registered",
            "attention_colour": "green", "relation": "child", "start": "2026-01-01", "ethnicity": "汉族"}  # fmt: skip
    if data["id_number"] == resident_id(701):
        data["id_number"] = resident_id(701)[:-1] + "1"
    response = as_user("officer_a").post(f"{reverse('residents:person_create')}?house={house.pk}", data)
    assert response.status_code == 200 and "id_number" in response.context["form"].errors
    data["id_number"] = resident_id(701)
    response = as_user("officer_a").post(f"{reverse('residents:person_create')}?house={house.pk}", data)
    p = Person.objects.get(name="新住户")
    assert response["Location"] == reverse("residents:person_detail", args=[p.pk])
    assert p.grid == world.a1 and p.residences.get().house == house


def test_the_four_colour_ledger_lays_out_floors_and_counts_colours(world, as_user):
    b = world.building("甲一网格")
    HouseFactory(building=b, unit="301", floor=3, use=HouseUse.HOTEL)
    HouseFactory(building=b, unit="302", floor=3, use=HouseUse.STUDIO)
    ledger = as_user("officer_a").get(reverse("residents:building_ledger", args=[b.pk])).context["ledger"]
    counts = {code: n for code, _, n in ledger["counts"]}
    assert counts == {"green": 1, "yellow": 1, "blue": 1, "orange": 1, "none": 0}
    assert [floor for floor, _ in ledger["rows"]] == [3, 1]
    assert ledger["width"] == 2
