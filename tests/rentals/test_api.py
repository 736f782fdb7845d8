from django.urls import reverse

from rentals.models import RentalDeclaration
from tests.factories import resident_id


def test_a_landlord_declares_through_the_api_and_sees_only_masked_ids(world, as_user):
    house = world.house("甲一网格")
    body = {
        "house_token": house.qr_token, "rental_type": "long",
        "tenants": [{"name": "接口租客", "id_number": resident_id(601), "phone": "13800001111", "move_in": "2026-11-21"}],
    }  # fmt: skip
    r = as_user("landlord").post(reverse("declaration-list"), body, content_type="application/json")
    assert r.status_code == 201, r.content
    text = r.content.decode()
    assert resident_id(601) not in text and "13800001111" not in text
    assert r.json()["tenants"][0]["id_number_masked"].endswith(resident_id(601)[-4:])


def test_api_rejects_an_invalid_id_with_a_400(world, as_user):
    body = {"house_token": world.house("甲一网格").qr_token, "rental_type": "long",
            "tenants": [{"name": "x", "id_number": "110105194912310021", "move_in": "2026-11-21"}]}  # fmt: skip
    r = as_user("landlord").post(reverse("declaration-list"), body, content_type="application/json")
    assert r.status_code == 400
    assert not RentalDeclaration.objects.exists()


def test_officer_approves_and_returns_through_the_api_in_scope_only(world, as_user):
    body = {"house_token": world.house("甲一网格").qr_token, "rental_type": "long",
            "tenants": [{"name": "接口租客", "id_number": resident_id(603), "move_in": "2026-11-21"}]}  # fmt: skip
    pk = as_user("landlord").post(reverse("declaration-list"), body, content_type="application/json").json()["id"]
    assert as_user("officer_b").post(reverse("declaration-approve", args=[pk])).status_code == 404
    assert as_user("landlord").post(reverse("declaration-approve", args=[pk])).status_code == 403
    r = as_user("officer_a").post(
        reverse("declaration-return", args=[pk]), {"reason": "缺照片"}, content_type="application/json"
    )
    assert r.json()["status"] == "returned"
    assert as_user("officer_a").post(reverse("declaration-approve", args=[pk])).status_code == 400


def test_persons_api_is_masked_and_scoped(world, as_user):
    p = world.person("甲一网格")
    rows = as_user("officer_a").get(reverse("person-list")).json()["results"]
    assert {r["name"] for r in rows} == {p.name, world.person("甲二网格").name}
    text = str(rows)
    assert p.id_number not in text and p.phone not in text
    found = as_user("officer_a").get(reverse("person-list"), {"q": p.id_number}).json()["results"]
    assert [r["id"] for r in found] == [p.pk]


def test_a_person_is_registered_through_the_api_at_a_house_in_scope(world, as_user):
    body = {
        "name": "接口登记",
        "id_number": resident_id(605),
        "house": world.house("甲二网格").pk,
        "relation": "tenant",
    }
    r = as_user("officer_a").post(reverse("person-list"), body, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["grid"] == world.a2.pk and "id_number" not in r.json()
    body = {"name": "越界", "id_number": resident_id(607), "house": world.house("丙一网格").pk}
    assert as_user("officer_a").post(reverse("person-list"), body, content_type="application/json").status_code == 400
