import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from rentals import selectors, services
from rentals.models import DeclarationKind, DeclarationStatus, RentalDeclaration
from residents.models import HouseholdStatus, Person, Residence
from tests.factories import resident_id

pytestmark = pytest.mark.usefixtures("english")
TODAY = timezone.localdate()  # evaluated at import; tests compare dates relative to it


def tenants(*seqs, move_in=None):
    move_in = move_in or timezone.localdate()
    return [
        {"name": f"租客{s}", "id_number": resident_id(s), "phone": f"1370000{s:04d}", "move_in": move_in} for s in seqs
    ]


def submit(world, *seqs, move_in=None, landlord="landlord", grid="甲一网格"):
    return services.declaration_submit(
        landlord=world.users[landlord], house=world.house(grid), kind=DeclarationKind.MOVE_IN,
        rental_type="long", tenants=tenants(*seqs, move_in=move_in),
    )  # fmt: skip


def test_a_declaration_within_three_days_is_on_time_and_a_later_one_is_late(world):
    on_time = submit(world, 501, move_in=timezone.localdate() - dt.timedelta(days=3))
    late = submit(world, 503, move_in=timezone.localdate() - dt.timedelta(days=4))
    assert (on_time.is_late, late.is_late) == (False, True)
    assert on_time.deadline == on_time.event_date + dt.timedelta(days=3)


def test_the_station_sets_the_deadline(world):
    world.s1.declaration_deadline_days = 7
    world.s1.save()
    d = submit(world, 505, move_in=timezone.localdate() - dt.timedelta(days=6))
    assert not d.is_late


def test_a_bad_tenant_row_saves_nothing(world):
    before = RentalDeclaration.objects.count()
    rows = tenants(507) + [{"name": "错", "id_number": "123", "move_in": timezone.localdate()}]
    with pytest.raises(ValidationError) as exc:
        services.declaration_submit(
            landlord=world.users["landlord"],
            house=world.house("甲一网格"),
            kind="move_in",
            rental_type="long",
            tenants=rows,
        )
    assert "Tenant 2" in str(exc.value)
    assert RentalDeclaration.objects.count() == before


def test_approval_turns_tenants_into_persons_and_residences_in_one_go(world):
    existing = world.person("乙一网格")  # already registered, lives elsewhere
    d = services.declaration_submit(
        landlord=world.users["landlord"], house=world.house("甲一网格"), kind="move_in", rental_type="long",
        tenants=[*tenants(509), {"name": existing.name, "id_number": existing.id_number, "phone": "", "move_in": TODAY}],
    )  # fmt: skip
    services.declaration_approve(declaration=d, user=world.users["officer_a"])
    new = Person.objects.get(id_number_hash=Person.id_hash_for(resident_id(509)))
    assert new.household_status == HouseholdStatus.FLOATING and new.grid == world.a1
    assert Residence.objects.filter(person=new, house=world.house("甲一网格"), end__isnull=True).exists()
    existing.refresh_from_db()
    assert existing.grid == world.a1  # linked, not duplicated
    assert Person.objects.filter(id_number_hash=existing.id_number_hash).count() == 1
    d.refresh_from_db()
    assert d.status == DeclarationStatus.APPROVED and list(d.events.values_list("to_status", flat=True)) == [
        "submitted",
        "approved",
    ]


def test_approval_fails_whole_when_any_part_fails(world, monkeypatch):
    d = submit(world, 511, 513)
    from residents import services as residents_services

    calls = {"n": 0}
    original = residents_services.residence_start

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return original(**kwargs)

    monkeypatch.setattr(residents_services, "residence_start", flaky)
    with pytest.raises(RuntimeError):
        services.declaration_approve(declaration=d, user=world.users["officer_a"])
    assert not Person.objects.filter(id_number_hash=Person.id_hash_for(resident_id(511))).exists()
    d.refresh_from_db()
    assert d.status == DeclarationStatus.SUBMITTED


def test_return_needs_a_reason_then_the_landlord_corrects_and_resubmits(world):
    d = submit(world, 515)
    with pytest.raises(ValidationError):
        services.declaration_return(declaration=d, user=world.users["officer_a"], reason="")
    services.declaration_return(declaration=d, user=world.users["officer_a"], reason="身份证号有误")
    with pytest.raises(ValidationError):  # not from returned straight to approved
        services.declaration_approve(declaration=RentalDeclaration.objects.get(pk=d.pk), user=world.users["officer_a"])
    services.declaration_resubmit(
        declaration=d, landlord=world.users["landlord"], rental_type="short", tenants=tenants(517)
    )
    d.refresh_from_db()
    assert (d.status, d.rental_type, d.return_reason) == ("submitted", "short", "")
    assert [t.id_number for t in d.tenants.all()] == [resident_id(517)]


def test_move_out_ends_the_residence(world):
    d = submit(world, 519)
    services.declaration_approve(declaration=d, user=world.users["officer_a"])
    out = services.declaration_submit(
        landlord=world.users["landlord"], house=world.house("甲一网格"), kind=DeclarationKind.MOVE_OUT, rental_type="long",
        tenants=[{"name": "租客519", "id_number": resident_id(519), "move_out": TODAY}],
    )  # fmt: skip
    services.declaration_approve(declaration=out, user=world.users["officer_a"])
    person = Person.objects.get(id_number_hash=Person.id_hash_for(resident_id(519)))
    assert Residence.objects.get(person=person).end == TODAY


def test_the_review_queue_matches_tenants_against_the_registry(world):
    known = world.person("甲一网格")
    services.declaration_submit(
        landlord=world.users["landlord"], house=world.house("甲一网格"), kind="move_in", rental_type="long",
        tenants=[*tenants(521), {"name": "别名", "id_number": known.id_number, "phone": "", "move_in": TODAY}],
    )  # fmt: skip
    (item,) = selectors.review_queue(world.users["officer_a"])
    new, matched = item.matches
    assert new.person is None
    assert matched.person == known and matched.differences == ["name"]
    assert selectors.review_queue(world.users["officer_b"]) == []


def test_a_landlord_sees_only_their_own_declarations(world, as_user):
    mine = submit(world, 523)
    assert as_user("landlord2").get(reverse("rentals:declaration_detail", args=[mine.pk])).status_code == 404
    assert as_user("landlord").get(reverse("rentals:declaration_detail", args=[mine.pk])).status_code == 200
    html = as_user("landlord").get(reverse("rentals:declaration_detail", args=[mine.pk])).content.decode()
    assert resident_id(523) not in html  # even the declaring landlord sees the tenant's ID masked


def test_the_declaration_form_on_a_phone(world, as_user):
    client = as_user("landlord")
    house = world.house("甲一网格")
    page = client.get(reverse("rentals:declare"), {"house": house.qr_token})
    assert house.unit in page.content.decode()
    data = {
        "house": house.qr_token, "rental_type": "long", "t-TOTAL_FORMS": "2", "t-INITIAL_FORMS": "0",
        "t-MIN_NUM_FORMS": "1", "t-MAX_NUM_FORMS": "50",
        "t-0-name": "王一", "t-0-id_number": resident_id(525), "t-0-phone": "13700001111", "t-0-move_in": str(TODAY),
        "t-1-name": "王二", "t-1-id_number": "110105194912310021", "t-1-phone": "", "t-1-move_in": str(TODAY),
    }  # fmt: skip
    response = client.post(reverse("rentals:declare"), data)
    assert response.status_code == 200  # second ID is wrong: the form comes back …
    assert 'value="王一"' in response.content.decode()  # … with what was typed
    assert not RentalDeclaration.objects.filter(landlord=world.users["landlord"]).exists()
    data["t-1-id_number"] = resident_id(527)
    response = client.post(reverse("rentals:declare"), data)
    d = RentalDeclaration.objects.get(landlord=world.users["landlord"])
    assert response["Location"] == reverse("rentals:declaration_detail", args=[d.pk])
    assert d.tenants.count() == 2


def test_officer_approves_from_the_queue_page(world, as_user):
    d = submit(world, 529)
    client = as_user("officer_a")
    assert "租客529" in client.get(reverse("rentals:review")).content.decode()
    client.post(reverse("rentals:approve", args=[d.pk]))
    assert RentalDeclaration.objects.get(pk=d.pk).status == DeclarationStatus.APPROVED
    assert as_user("officer_b").post(reverse("rentals:approve", args=[submit(world, 531).pk])).status_code == 404


def _filled_template(rows):
    import io

    from openpyxl import load_workbook

    from residents.ledgers import tenant_template

    wb = load_workbook(io.BytesIO(tenant_template()))
    ws = wb.worksheets[0]
    header_row = 1
    headers = {c.value.rstrip("*"): c.column for c in ws[header_row] if c.value}
    for r in range(header_row + 1, ws.max_row + 1):  # drop the example row(s)
        for c in ws[r]:
            c.value = None
    for n, row in enumerate(rows, start=header_row + 1):
        for key, value in row.items():
            ws.cell(row=n, column=headers[key], value=value)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "tenants.xlsx"
    return out


def test_tenants_from_the_excel_template_are_declared_all_or_nothing(world, as_user):
    client, house = as_user("landlord"), world.house("甲一网格")
    bad = _filled_template(
        [
            {"姓名": "表格一", "身份证号": resident_id(541), "手机号": "13700005411", "入住日期": "2026-11-20"},
            {"姓名": "表格二", "身份证号": "110105194912310021", "入住日期": "2026-11-20"},
        ]
    )
    response = client.post(
        reverse("rentals:declare"), {"house": house.qr_token, "rental_type": "long", "tenants_file": bad}
    )
    assert response.status_code == 200
    assert any(e[0] and "身份证号" in e[1] for e in response.context["row_errors"])
    assert not RentalDeclaration.objects.filter(landlord=world.users["landlord"]).exists()
    good = _filled_template(
        [
            {"姓名": "表格一", "身份证号": resident_id(541), "手机号": "13700005411", "入住日期": "2026-11-20"},
            {"姓名": "表格二", "身份证号": resident_id(543), "入住日期": "2026-11-21"},
        ]
    )
    response = client.post(
        reverse("rentals:declare"), {"house": house.qr_token, "rental_type": "long", "tenants_file": good}
    )
    d = RentalDeclaration.objects.get(landlord=world.users["landlord"])
    assert response["Location"] == reverse("rentals:declaration_detail", args=[d.pk])
    assert sorted(t.name for t in d.tenants.all()) == ["表格一", "表格二"]


def test_a_file_that_is_not_excel_gets_a_message_not_a_500(world, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("tenants.xlsx", b"this is not a workbook", content_type="application/octet-stream")
    response = as_user("landlord").post(
        reverse("rentals:declare"),
        {"house": world.house("甲一网格").qr_token, "rental_type": "long", "tenants_file": fake},
    )
    assert response.status_code == 200 and response.context["row_errors"]
