"""Checklist templates: the list, any version, editing (chief/admin) into a new version."""

import pytest
from django.urls import reverse

from inspections import services
from inspections.models import ChecklistTemplate
from residents.models import VenueKind
from tests.factories import VenueFactory

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def as_user(as_user_en):
    return as_user_en


def shop():
    return services.current_template(VenueKind.SHOP)


def post_data(name, rows, *, initial=None, delete=()):
    data = {
        "name": name,
        "items-TOTAL_FORMS": str(len(rows)),
        "items-INITIAL_FORMS": str(len(rows) if initial is None else initial),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for n, (text, basis, grade) in enumerate(rows):
        data |= {f"items-{n}-text": text, f"items-{n}-legal_basis": basis, f"items-{n}-default_grade": grade}
        if n in delete:
            data[f"items-{n}-DELETE"] = "on"
    return data


def test_the_list_shows_current_versions_and_how_many_older_ones(world, as_user):
    services.checklists_seed_standard()
    t = shop()
    services.checklist_new_version(template=t, name="", items=[{"text": "甲", "legal_basis": "乙"}], user=None)
    html = as_user("officer_a").get(reverse("inspections:checklists")).content.decode()
    assert html.count("list-group-item-action") == ChecklistTemplate.objects.filter(is_current=True).count() == 11
    assert "v2" in html and "1 older version" in html


def test_the_list_seeds_the_standard_checklists_on_a_fresh_installation(world, as_user):
    assert not ChecklistTemplate.objects.exists()
    html = as_user("aux_a").get(reverse("inspections:checklists")).content.decode()
    assert "小商店消防安全检查表" in html and ChecklistTemplate.objects.count() == 11


def test_detail_shows_items_with_legal_basis_and_the_versions(world, as_user):
    t = shop()
    html = as_user("officer_a").get(reverse("inspections:checklist_detail", args=[t.pk])).content.decode()
    for item in t.items.all():
        assert item.text in html and item.legal_basis in html
    assert "Edit" not in html  # officers do not edit checklists


def test_edit_form_lists_the_items_as_rows(world, as_user):
    t = shop()
    html = as_user("chief").get(reverse("inspections:checklist_edit", args=[t.pk])).content.decode()
    assert f'name="items-TOTAL_FORMS" value="{t.items.count()}"' in html
    assert t.items.first().text in html and "fq-row-template" in html and "items-__prefix__-text" in html


def test_saving_makes_a_new_version_and_inspections_keep_theirs(world, as_user):
    t = shop()
    venue = VenueFactory(building=world.building("甲一网格"), kind=VenueKind.SHOP)
    earlier = services.inspection_start(user=world.users["officer_a"], venue=venue)
    rows = [(i.text, i.legal_basis, i.default_grade) for i in t.items.all()]
    rows[0] = ("安全出口畅通（已修订）", rows[0][1], "3")
    rows.append(("新增：厨房油烟管道定期清洗", "《中华人民共和国消防法》第十六条", "15"))
    data = post_data("小商店检查表（2026版）", rows, initial=len(rows) - 1, delete={1})
    response = as_user("chief").post(reverse("inspections:checklist_edit", args=[t.pk]), data)
    new = ChecklistTemplate.objects.get(venue_kind=VenueKind.SHOP, is_current=True)
    assert response.status_code == 302 and response["Location"] == reverse(
        "inspections:checklist_detail", args=[new.pk]
    )
    assert (
        new.version == t.version + 1 and new.name == "小商店检查表（2026版）" and new.created_by == world.users["chief"]
    )
    texts = list(new.items.order_by("order").values_list("text", flat=True))
    assert texts[0] == "安全出口畅通（已修订）" and texts[-1] == "新增：厨房油烟管道定期清洗"
    assert len(texts) == len(rows) - 1 and rows[1][0] not in texts  # the removed row is gone
    # The inspection started before keeps the version it used; a new one uses the new version.
    earlier.refresh_from_db()
    assert earlier.template_id == t.pk and earlier.template.items.count() == t.items.count()
    html = as_user("officer_a").get(reverse("inspections:detail", args=[earlier.pk])).content.decode()
    assert "安全出口畅通（已修订）" not in html
    later = services.inspection_start(user=world.users["officer_b"], venue=venue)
    assert later.template_id == new.pk


def test_a_new_empty_row_is_ignored(world, as_user):
    t = shop()
    rows = [(i.text, i.legal_basis, i.default_grade) for i in t.items.all()] + [("", "", "7")]
    response = as_user("admin").post(
        reverse("inspections:checklist_edit", args=[t.pk]), post_data("小商店", rows, initial=len(rows) - 1)
    )
    assert response.status_code == 302
    assert ChecklistTemplate.objects.get(venue_kind=VenueKind.SHOP, is_current=True).items.count() == len(rows) - 1


def test_a_cleared_row_or_no_items_keeps_the_input_and_saves_nothing(world, as_user):
    t = shop()
    rows = [(i.text, i.legal_basis, i.default_grade) for i in t.items.all()]
    rows[2] = ("", rows[2][1], rows[2][2])
    client = as_user("chief")
    response = client.post(reverse("inspections:checklist_edit", args=[t.pk]), post_data("新名称", rows))
    assert response.status_code == 200 and "新名称" in response.content.decode()
    assert "invalid-feedback" in response.content.decode()
    none_left = post_data("x", rows[:1], delete={0})
    response = client.post(reverse("inspections:checklist_edit", args=[t.pk]), none_left)
    assert "A checklist needs at least one item." in response.content.decode()
    assert ChecklistTemplate.objects.filter(venue_kind=VenueKind.SHOP).count() == 1


@pytest.mark.parametrize("persona", ["officer_a", "aux_a", "grid_worker", "landlord"])
def test_only_chiefs_and_admins_edit_checklists(world, as_user, persona):
    t = shop()
    client = as_user(persona)
    assert client.get(reverse("inspections:checklist_edit", args=[t.pk])).status_code == 404
    rows = [(i.text, i.legal_basis, i.default_grade) for i in t.items.all()]
    assert client.post(reverse("inspections:checklist_edit", args=[t.pk]), post_data("x", rows)).status_code == 404
    assert ChecklistTemplate.objects.filter(venue_kind=VenueKind.SHOP).count() == 1
