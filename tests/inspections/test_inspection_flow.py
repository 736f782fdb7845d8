"""The inspection on a phone: start, save per item, photos, submit, read-only pages, scope, queries."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from PIL import Image

from inspections import services
from inspections.models import Answer, Hazard, Inspection, InspectionStatus, Photo, RectificationNotice, Result
from residents.models import VenueKind
from tests.factories import VenueFactory

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def as_user(as_user_en):
    """The personas' clients with pages in English: messages are matched by their msgid."""
    return as_user_en


HX = {"HTTP_HX_REQUEST": "true"}


def png(name="hazard.png", size=(64, 48)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def venue(world, grid="甲一网格", **kw):
    kw.setdefault("kind", VenueKind.RESTAURANT)
    return VenueFactory(building=world.building(grid), name=kw.pop("name", "老马家牛肉面"), **kw)


def draft(world, officer="officer_a", grid="甲一网格") -> Inspection:
    return services.inspection_start(user=world.users[officer], venue=venue(world, grid))


def items(inspection):
    return list(inspection.template.items.order_by("order"))


def answer_url(inspection, item):
    return reverse("inspections:answer", args=[inspection.pk, item.pk])


def photo_url(inspection, item):
    return reverse("inspections:photo", args=[inspection.pk, item.pk])


def fill(inspection, *, fails=2, photos=True, skip=0):
    """Answer every item but the last ``skip``: the first ``fails`` failed (with notes and photos)."""
    all_items = items(inspection)
    for n, item in enumerate(all_items[: len(all_items) - skip]):
        failed = n < fails
        a = services.answer_save(
            inspection=inspection, item=item, result=Result.FAIL if failed else Result.PASS,
            note="灭火器过期" if failed else "",
        )  # fmt: skip
        if failed and photos:
            services.photo_add(answer=a, upload=png())


# ---- start ---------------------------------------------------------------------------------------


def test_start_opens_a_draft_of_the_venue_and_returns_to_it(world, as_user):
    v = venue(world)
    client = as_user("officer_a")
    response = client.get(reverse("inspections:start") + f"?venue={v.pk}")
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("inspections:detail", args=[inspection.pk])
    assert inspection.template.venue_kind == VenueKind.RESTAURANT and inspection.officer == world.users["officer_a"]
    client.get(reverse("inspections:start") + f"?venue={v.pk}")
    assert Inspection.objects.count() == 1


def test_start_a_group_rental_inspection_of_a_house(world, as_user):
    house = world.house("甲一网格")
    response = as_user("aux_a").get(reverse("inspections:start") + f"?house={house.pk}")
    assert response.status_code == 302
    assert Inspection.objects.get().template.venue_kind == VenueKind.GROUP_RENTAL


@pytest.mark.parametrize("persona", ["officer_b", "other_station_officer", "grid_worker", "volunteer", "landlord"])
def test_start_outside_scope_or_role_is_404_and_makes_nothing(world, as_user, persona):
    v = venue(world)
    assert as_user(persona).get(reverse("inspections:start") + f"?venue={v.pk}").status_code == 404
    assert (
        as_user(persona).get(reverse("inspections:start") + f"?house={world.house('甲一网格').pk}").status_code == 404
    )
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("query", ["", "?venue=abc", "?venue=999999", "?venue=1&house=1"])
def test_start_without_a_valid_place_is_404(world, as_user, query):
    assert as_user("officer_a").get(reverse("inspections:start") + query).status_code == 404


# ---- the draft, item by item -------------------------------------------------------------------


def test_draft_page_shows_every_item_as_a_card_with_three_toggles(world, as_user):
    inspection = draft(world)
    html = as_user("officer_a").get(reverse("inspections:detail", args=[inspection.pk])).content.decode()
    n = len(items(inspection))
    assert html.count('class="card mb-3 fq-item') == n
    assert html.count('value="pass"') == n and html.count('value="fail"') == n and html.count('value="na"') == n
    assert html.count('capture="environment"') == n and 'accept="image/*"' in html


def test_an_item_is_saved_at_once_and_a_reload_shows_it(world, as_user):
    inspection = draft(world)
    first, second = items(inspection)[:2]
    client = as_user("officer_a")
    card = client.post(
        answer_url(inspection, first), {"result": "fail", "note": "安全出口被杂物堵塞", "grade": "0"}, **HX
    )
    assert card.status_code == 200
    body = card.content.decode()
    assert f'id="item-{first.pk}"' in body and "安全出口被杂物堵塞" in body and "Still needed:" in body
    client.post(answer_url(inspection, second), {"result": "pass"}, **HX)
    saved = Answer.objects.get(inspection=inspection, item=first)
    assert (saved.result, saved.note, saved.grade) == ("fail", "安全出口被杂物堵塞", "0")
    # The phone slept; the page is opened again.
    html = client.get(reverse("inspections:detail", args=[inspection.pk])).content.decode()
    assert f'id="r{first.pk}-fail" value="fail" autocomplete="off" checked' in html
    assert f'id="r{second.pk}-pass" value="pass" autocomplete="off" checked' in html
    assert "安全出口被杂物堵塞" in html and "2 of" in html


def test_a_failed_item_gets_its_default_grade(world, as_user):
    inspection = draft(world)
    item = items(inspection)[0]
    as_user("officer_a").post(answer_url(inspection, item), {"result": "fail"}, **HX)
    assert Answer.objects.get(item=item).grade == item.default_grade


def test_a_bad_answer_shows_the_error_in_the_card_and_saves_nothing(world, as_user):
    inspection = draft(world)
    item = items(inspection)[0]
    response = as_user("officer_a").post(answer_url(inspection, item), {"note": "x"}, **HX)
    assert response.status_code == 200 and "Choose pass, fail or not applicable." in response.content.decode()
    assert "fq-item-error" in response.content.decode()
    assert not Answer.objects.exists()


def test_an_item_of_another_checklist_is_404(world, as_user):
    inspection = draft(world)
    other = services.inspection_start(user=world.users["officer_a"], house=world.house("甲一网格"))
    foreign = other.template.items.first()
    assert as_user("officer_a").post(answer_url(inspection, foreign), {"result": "pass"}, **HX).status_code == 404


def test_a_photo_saves_the_item_as_failed_and_shows_its_thumbnail(world, as_user):
    inspection = draft(world)
    item = items(inspection)[0]
    response = as_user("officer_a").post(
        photo_url(inspection, item), {"photo": png()}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    assert response.status_code == 200
    photo = Photo.objects.get()
    assert photo.answer.result == Result.FAIL and photo.answer.item == item
    body = response.content.decode()
    assert reverse("inspections:photo_file", args=[photo.pk]) + "?size=thumb" in body and "/media/" not in body


def test_without_javascript_a_photo_form_posts_and_returns_to_the_item(world, as_user):
    inspection = draft(world)
    item = items(inspection)[0]
    response = as_user("officer_a").post(photo_url(inspection, item), {"photo": png()})
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    assert Photo.objects.count() == 1


def test_saving_after_the_other_phone_submitted_says_so_in_the_card(world, as_user):
    inspection = draft(world)
    fill(inspection, fails=0)
    services.inspection_submit(inspection=inspection, user=world.users["officer_a"])
    item = items(inspection)[0]
    response = as_user("officer_a").post(answer_url(inspection, item), {"result": "fail"}, **HX)
    assert "can no longer be changed" in response.content.decode()
    assert Answer.objects.get(inspection=inspection, item=item).result == Result.PASS


# ---- submit ----------------------------------------------------------------------------------------


def test_submit_lists_exactly_what_is_missing_and_keeps_the_draft(world, as_user):
    inspection = draft(world)
    fill(inspection, fails=1, photos=False, skip=2)
    all_items = items(inspection)
    response = as_user("officer_a").post(reverse("inspections:submit", args=[inspection.pk]))
    assert response.status_code == 400
    html = response.content.decode()
    missing = html.split('id="fq-missing"')[1].split("</ul>")[0]
    expected = [
        f"{all_items[0].order}. {all_items[0].text}: a failed item needs a photo.",
        f"{all_items[-2].order}. {all_items[-2].text}: not checked yet.",
        f"{all_items[-1].order}. {all_items[-1].text}: not checked yet.",
    ]
    assert missing.count("<li>") == len(expected)
    for line in expected:
        assert line in missing
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.DRAFT and not Hazard.objects.exists()
    assert Answer.objects.filter(inspection=inspection).count() == len(all_items) - 2
    assert "灭火器过期" in html  # the form comes back with what was saved


def test_submit_makes_one_hazard_per_failed_item_and_a_notice_then_goes_to_signing(world, as_user):
    inspection = draft(world)
    fill(inspection, fails=2)
    response = as_user("officer_a").post(reverse("inspections:submit", args=[inspection.pk]))
    notice = RectificationNotice.objects.get(inspection=inspection)
    assert Hazard.objects.filter(inspection=inspection, notice=notice).count() == 2
    try:
        expected = reverse("notices:sign", args=[notice.pk])
    except NoReverseMatch:
        expected = reverse("inspections:detail", args=[inspection.pk])
    assert response.status_code == 302 and response["Location"] == expected


def test_submit_without_failures_shows_the_passed_inspection(world, as_user):
    inspection = draft(world)
    fill(inspection, fails=0)
    client = as_user("officer_a")
    response = client.post(reverse("inspections:submit", args=[inspection.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("inspections:detail", args=[inspection.pk])
    html = response.content.decode()
    assert "No hazards found: the inspection passed." in html and "fq-answer" not in html
    assert not RectificationNotice.objects.exists()


def test_submitted_inspection_is_read_only_with_results_notes_and_scoped_photos(world, as_user):
    inspection = draft(world)
    fill(inspection, fails=2)
    services.inspection_submit(inspection=inspection, user=world.users["officer_a"])
    html = as_user("chief").get(reverse("inspections:detail", args=[inspection.pk])).content.decode()
    assert "fq-answer" not in html and "fq-photo-input" not in html and "灭火器过期" in html
    notice = inspection.notice
    assert notice.number in html
    for photo in Photo.objects.all():
        assert reverse("inspections:photo_file", args=[photo.pk]) in html
    assert "/media/" not in html


# ---- who may see and change --------------------------------------------------------------------------


def test_others_in_scope_see_the_draft_read_only_and_cannot_change_it(world, as_user):
    inspection = draft(world)
    item = items(inspection)[0]
    chief = as_user("chief")
    html = chief.get(reverse("inspections:detail", args=[inspection.pk])).content.decode()
    assert "fq-answer" not in html and "Only they can change it." in html
    assert chief.post(answer_url(inspection, item), {"result": "pass"}, **HX).status_code == 404
    assert chief.post(photo_url(inspection, item), {"photo": png()}).status_code == 404
    assert chief.post(reverse("inspections:submit", args=[inspection.pk])).status_code == 404
    assert not Answer.objects.exists() and not Photo.objects.exists()


@pytest.mark.parametrize("persona", ["officer_b", "other_station_officer", "other_chief", "grid_worker", "landlord"])
def test_outsiders_get_404_everywhere(world, as_user, persona):
    inspection = draft(world)
    fill(inspection, fails=1)
    item = items(inspection)[0]
    client = as_user(persona)
    assert client.get(reverse("inspections:detail", args=[inspection.pk])).status_code == 404
    assert client.post(answer_url(inspection, item), {"result": "pass"}, **HX).status_code == 404
    assert client.post(reverse("inspections:submit", args=[inspection.pk])).status_code == 404
    assert client.get(reverse("inspections:photo_file", args=[Photo.objects.get().pk])).status_code == 404


def test_photo_file_is_served_to_those_who_see_the_inspection(world, as_user):
    inspection = draft(world)
    fill(inspection, fails=1)
    photo = Photo.objects.get()
    response = as_user("aux_a").get(reverse("inspections:photo_file", args=[photo.pk]) + "?size=thumb")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_my_inspections_lists_drafts_first_then_submitted(world, as_user):
    done = draft(world)
    fill(done, fails=0)
    services.inspection_submit(inspection=done, user=world.users["officer_a"])
    open_one = services.inspection_start(user=world.users["officer_a"], house=world.house("甲一网格"))
    services.inspection_start(user=world.users["officer_b"], venue=venue(world, "乙一网格", name="乙区小旅馆"))
    html = as_user("officer_a").get(reverse("inspections:mine")).content.decode()
    assert html.index(reverse("inspections:detail", args=[open_one.pk])) < html.index(
        reverse("inspections:detail", args=[done.pk])
    )
    assert "乙区小旅馆" not in html


# ---- query counts ------------------------------------------------------------------------------------------


def _count(client, url) -> int:
    client.get(url)  # warm per-process caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_my_inspections_costs_the_same_however_many_rows(world, as_user):
    client = as_user("officer_a")
    first = draft(world)
    fill(first, fails=1)
    services.inspection_submit(inspection=first, user=world.users["officer_a"])
    before = _count(client, reverse("inspections:mine"))
    for n in range(4):
        i = services.inspection_start(user=world.users["officer_a"], venue=venue(world, name=f"小店{n}"))
        fill(i, fails=1)
        services.inspection_submit(inspection=i, user=world.users["officer_a"])
    services.inspection_start(user=world.users["officer_a"], house=world.house("甲一网格"))
    after = _count(client, reverse("inspections:mine"))
    # session, user, scope, count, page (venue, house, template and notice joined, hazards counted)
    assert after == before and after <= 5


def test_the_draft_page_costs_the_same_however_many_items_and_photos(world, as_user):
    client = as_user("officer_a")
    small_venue = venue(world, kind=VenueKind.SHOP, name="小卖部")
    template = services.current_template(VenueKind.SHOP)
    services.checklist_new_version(
        template=template, name="",
        items=[{"text": f"项目{n}", "legal_basis": "《消防法》", "default_grade": "3"} for n in range(2)],
        user=world.users["chief"],
    )  # fmt: skip
    small = services.inspection_start(user=world.users["officer_a"], venue=small_venue)
    fill(small, fails=1)
    big = draft(world)  # the restaurant checklist: ten items
    fill(big, fails=4)
    for a in Answer.objects.filter(inspection=big, result=Result.FAIL):
        services.photo_add(answer=a, upload=png())
    assert len(items(big)) > 3 * len(items(small))
    before = _count(client, reverse("inspections:detail", args=[small.pk]))
    after = _count(client, reverse("inspections:detail", args=[big.pk]))
    # session, user, scope, the inspection (joined), items, answers, photos
    assert after == before and after <= 7
