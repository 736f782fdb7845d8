"""volunteer1 reports a broken street lamp with a photo from a phone, located by the phone's position;
gridworker1, about to report the same lamp, is offered the volunteer's event instead, and escalates
it to the police grid; officer1 (上海西路警务区, which covers 阅海社区第1网格) accepts it and reports
back with a photo; volunteer1 rates the result 5 stars and the event is closed."""

import random

import pytest
from faker import Faker
from PIL import Image

from events.models import Event, EventPhoto, PhotoKind, State, Tier
from grid import seed

pytestmark = pytest.mark.browser
PASSWORD = "browser-test-password"
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def place(transactional_db, settings):
    """A building of volunteer1's grid, 阅海社区第1网格 (police grid 上海西路警务区, officer1)."""
    settings.DEMO_PASSWORD = PASSWORD
    fake = Faker("zh_CN")
    fake.seed_instance(1)
    seed.seed_demo(password=PASSWORD, rng=random.Random(1), fake=fake, out=lambda *a: None)
    from accounts.models import User

    grid = User.objects.get(username="volunteer1").memberships.get().grid
    assert grid.grid_worker.username == "gridworker1" and grid.police_grid.officer.username == "officer1"
    return grid.buildings.order_by("id").first()


def _photo(tmp_path, name, colour):
    path = tmp_path / name
    Image.new("RGB", (1600, 1200), colour).save(path, format="JPEG")
    return str(path)


def _phone(browser, base, username, *, at=None):
    """A logged-in phone; ``at`` (lat, lng) grants it that position."""
    options = dict(PHONE)
    if at is not None:
        options |= {"permissions": ["geolocation"], "geolocation": {"latitude": at[0], "longitude": at[1]}}
    context = browser.new_context(**options)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    return context, page


def _timeline(page) -> list[str]:
    return page.locator("[data-testid=timeline] li .fw-semibold").all_inner_texts()


def test_volunteer1_reports_gridworker1_escalates_officer1_handles_volunteer1_rates(
    place, live_server, browser, shot, tmp_path
):
    base = live_server.url
    lamp = (place.lat + 0.0002, place.lng)  # ~20 m from the building

    # volunteer1 reports from the phone: category, the phone's position, a description, a photo.
    context, page = _phone(browser, base, "volunteer1", at=lamp)
    page.goto(f"{base}/events/report/")
    page.click("label[for=id_category_facility]")
    page.click("#fq-locate")
    # A function, not an expression: Playwright evaluates an expression with eval, which the CSP forbids.
    page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
    assert abs(float(page.input_value("#id_lat")) - lamp[0]) < 1e-5
    page.fill("#id_description", "3号楼门口路灯连续三晚不亮，晚上出入很黑。")
    page.set_input_files("#id_photos_1", _photo(tmp_path, "lamp.jpg", (40, 40, 60)))
    assert page.locator("#id_photos_2").is_visible()  # the next photo slot opens
    page.locator("#fq-photos").scroll_into_view_if_needed()
    shot(page, "event-report-volunteer1-phone")
    with page.expect_navigation():
        page.click("#fq-report-submit")
    event = Event.objects.get()
    assert page.url.endswith(f"/events/{event.pk}/")
    assert event.state == State.REPORTED and event.tier == Tier.GRID and event.grid_id == place.grid_id
    photo = EventPhoto.objects.get(event=event)
    assert photo.kind == PhotoKind.REPORT and max(Image.open(photo.image.path).size) <= 2000
    assert event.reference in page.locator(".alert-success").inner_text()
    assert page.locator(f"img[src$='/events/photos/{photo.pk}/?size=thumb']").is_visible()
    shot(page, "event-detail-reported-phone")
    context.close()

    # gridworker1 starts reporting the same lamp and is offered the volunteer's event.
    context, page = _phone(browser, base, "gridworker1", at=lamp)
    page.goto(f"{base}/events/report/")
    page.click("#fq-locate")
    page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
    page.click("label[for=id_category_facility]")
    similar = page.locator(f"#fq-similar form[action='/events/{event.pk}/join/']")
    similar.wait_for()
    assert "路灯连续三晚不亮" in page.locator("#fq-similar").inner_text()
    page.locator("#fq-similar").scroll_into_view_if_needed()
    shot(page, "event-similar-gridworker1-phone")

    # It is in gridworker1's tasks; gridworker1 escalates it to the police grid.
    page.goto(f"{base}/events/tasks/")
    with page.expect_navigation():
        page.click(f"a[href='/events/{event.pk}/']")
    page.click("details summary")
    page.fill("textarea[name=reason]", "灯杆线路老化，需要民警协调供电部门。")
    with page.expect_navigation():
        page.click("form[action$='/escalate/'] button[type=submit]")
    event.refresh_from_db()
    assert event.tier == Tier.POLICE_GRID and event.state == State.REPORTED and event.escalations == 1
    assert page.locator("form[action$='/accept/']").count() == 0  # no longer gridworker1's tier
    context.close()

    # officer1 accepts it from the task list and reports back with a photo.
    context, page = _phone(browser, base, "officer1")
    page.goto(f"{base}/events/tasks/")
    with page.expect_navigation():
        page.click(f"a[href='/events/{event.pk}/']")
    with page.expect_navigation():
        page.click("form[action$='/accept/'] button[type=submit]")
    event.refresh_from_db()
    assert event.state == State.ACCEPTED and event.handler.username == "officer1"
    page.fill("textarea[name=note]", "已联系供电所更换线路和灯具，今晚恢复照明。")
    page.set_input_files("#id_handle_photos", _photo(tmp_path, "fixed.jpg", (240, 220, 120)))
    shot(page, "event-handle-officer1-phone")
    with page.expect_navigation():
        page.click("form[action$='/handle/'] button[type=submit]")
    event.refresh_from_db()
    assert event.state == State.HANDLED
    assert event.photos.filter(kind=PhotoKind.FEEDBACK).count() == 1
    context.close()

    # volunteer1 finds it waiting for a rating and gives 5 stars.
    context, page = _phone(browser, base, "volunteer1")
    page.goto(f"{base}/events/mine/")
    with page.expect_navigation():
        page.click(f"[data-testid=to-rate] a[href='/events/{event.pk}/']")
    page.click("label[for=id_rating_5]")
    page.fill("input[name=comment]", "修得很快，谢谢！")
    shot(page, "event-rate-volunteer1-phone")
    with page.expect_navigation():
        page.click("form[action$='/rate/'] button[type=submit]")
    event.refresh_from_db()
    assert event.state == State.CLOSED and event.rating == 5 and event.rating_comment == "修得很快，谢谢！"
    assert page.locator("[data-testid=rating] .bi-star-fill").count() == 5
    assert [row.action for row in event.log.all()] == ["reported", "escalated", "accepted", "handled", "rated"]
    assert [row.tier for row in event.log.all()] == [Tier.GRID, Tier.POLICE_GRID, Tier.POLICE_GRID,
                                                      Tier.POLICE_GRID, Tier.POLICE_GRID]  # fmt: skip
    assert len(_timeline(page)) == 5
    timeline = page.locator("[data-testid=timeline]").inner_text()
    assert "需要民警协调供电部门" in timeline and "今晚恢复照明" in timeline and "★★★★★" in timeline
    page.locator("[data-testid=timeline]").scroll_into_view_if_needed()
    shot(page, "event-closed-volunteer1-phone")
    context.close()
