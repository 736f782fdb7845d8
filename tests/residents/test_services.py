import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditAction, AuditEvent
from residents import history, services
from residents.models import HouseUse, Person, Residence
from tests.factories import resident_id

pytestmark = pytest.mark.usefixtures("english")


def test_a_person_gets_sex_and_birth_date_from_the_resident_id(world):
    p = services.person_save(
        user=world.users["officer_a"], name="马小红", id_number=resident_id(42, dt.date(1988, 3, 9))
    )
    assert (p.sex, p.birth_date) == ("F", dt.date(1988, 3, 9))
    assert (
        p.id_number_masked
        == resident_id(42, dt.date(1988, 3, 9))[:6] + "********" + resident_id(42, dt.date(1988, 3, 9))[-4:]
    )


def test_a_wrong_resident_id_is_refused_at_its_field_and_nothing_is_saved(world):
    before = Person.objects.count()
    bad = resident_id(42)[:17] + ("0" if resident_id(42)[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.person_save(user=world.users["officer_a"], name="错号", id_number=bad)
    assert "check character" in exc.value.message_dict["id_number"][0]
    assert Person.objects.count() == before


def test_sex_that_contradicts_the_id_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.person_save(user=world.users["officer_a"], name="张三", id_number=resident_id(41), sex="F")
    assert "sex" in exc.value.message_dict


def test_the_same_id_cannot_be_registered_twice(world):
    existing = world.person("甲一网格")
    with pytest.raises(ValidationError, match="already registered"):
        services.person_save(user=world.users["officer_a"], name="重复", id_number=existing.id_number)


def test_a_correction_is_kept_in_the_history_with_old_and_new(world):
    p = world.person("甲一网格")
    services.person_save(
        user=world.users["officer_a"],
        person=p,
        name="改名后",
        id_number=p.id_number,
        phone=p.phone,
        reason="户口本更正",
    )
    change = history.history_for(p).first()
    assert change.user == world.users["officer_a"] and change.reason == "户口本更正"
    assert change.changes["name"][1] == "改名后"
    assert all("enc" not in field and "hash" not in field for field in change.changes)


def test_history_shows_identifiers_only_masked(world):
    p = services.person_save(user=world.users["officer_a"], name="李四", id_number=resident_id(77), phone="13912345678")
    created = history.history_for(p).first()
    text = str(created.changes)
    assert resident_id(77) not in text and "13912345678" not in text
    assert p.id_number_masked in text


def test_reveal_needs_a_reason_and_is_audited(world, rf):
    p = world.person("甲一网格")
    request = rf.post("/")
    request.user = world.users["officer_a"]
    with pytest.raises(ValidationError):
        services.person_reveal(request=request, person=p, reason=" ")
    full = services.person_reveal(request=request, person=p, reason="入户核查身份")
    assert full["id_number"] == p.id_number
    event = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert (event.user, event.object_id, event.reason) == (world.users["officer_a"], str(p.pk), "入户核查身份")


def test_moving_in_moves_the_persons_grid_and_moving_out_ends_the_residence(world):
    p, target = world.person("甲一网格"), world.house("乙一网格")
    r = services.residence_start(
        user=world.users["chief"], person=p, house=target, relation="tenant", start=dt.date(2026, 10, 1)
    )
    p.refresh_from_db()
    assert p.grid == world.b1
    with pytest.raises(ValidationError):
        services.residence_end(user=world.users["chief"], residence=r, end=dt.date(2026, 9, 1))
    services.residence_end(user=world.users["chief"], residence=r, end=dt.date(2026, 11, 1))
    assert Residence.objects.get(pk=r.pk).end == dt.date(2026, 11, 1)


def test_register_at_a_house_is_all_or_nothing(world):
    house = world.house("甲二网格")
    with pytest.raises(ValidationError):
        services.person_register_at(
            user=world.users["officer_a"], house=house, relation="tenant", start=dt.date(2026, 1, 1),
            name="坏号", id_number="123",
        )  # fmt: skip
    assert not Person.objects.filter(name="坏号").exists()


def test_house_colour_follows_its_use(world):
    house = world.house("甲一网格")
    for use, colour in [(HouseUse.HOTEL, "green"), (HouseUse.STUDIO, "yellow"), (HouseUse.RENTAL, "blue"),
                        (HouseUse.OWNER_OCCUPIED, "orange"), (HouseUse.SHOP, "none")]:  # fmt: skip
        house.use = use
        assert house.colour == colour
