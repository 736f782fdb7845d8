"""officer1 inspects a venue on a phone, fails two items with photos, the merchant signs on the
pad, and the signed notice is archived (SHA-256) and downloadable."""

import hashlib
import random

import pytest
from faker import Faker
from PIL import Image

from grid import seed
from inspections.models import Hazard, NoticeStatus, RectificationNotice
from residents.models import Venue, VenueKind

pytestmark = pytest.mark.browser
PASSWORD = "browser-test-password"


@pytest.fixture
def venue(transactional_db, settings):
    settings.DEMO_PASSWORD = PASSWORD
    fake = Faker("zh_CN")
    fake.seed_instance(1)
    seed.seed_demo(password=PASSWORD, rng=random.Random(1), fake=fake, out=lambda *a: None)
    from accounts.models import User

    grid = User.objects.get(username="officer1").police_grids.get().community_grids.order_by("id").first()
    building = grid.buildings.order_by("id").first()
    return Venue.objects.create(
        name="老马家牛肉面", kind=VenueKind.RESTAURANT, responsible_name="马老板", building=building, grid=grid
    )


def _photo(tmp_path, name, colour):
    path = tmp_path / name
    Image.new("RGB", (1200, 900), colour).save(path, format="JPEG")
    return str(path)


def test_officer1_inspects_fails_two_items_and_the_merchant_signs(venue, live_server, browser, shot, tmp_path):
    base = live_server.url
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "officer1")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")

    page.goto(f"{base}/inspections/start/?venue={venue.pk}")
    page.wait_for_url("**/inspections/*/")
    cards = page.locator(".fq-item")
    n = cards.count()
    assert n >= 10
    for i in range(n):
        card = page.locator(".fq-item").nth(i)
        if i < 2:
            card.locator("label[for$='-fail']").click()
            page.wait_for_load_state("networkidle")
            card = page.locator(".fq-item").nth(i)
            card.locator("textarea[name=note]").fill(f"第{i + 1}项隐患：灭火器过期")
            card.locator("textarea[name=note]").dispatch_event("change")
            page.wait_for_load_state("networkidle")
            card = page.locator(".fq-item").nth(i)
            card.locator("input.fq-photo-input").set_input_files(_photo(tmp_path, f"h{i}.jpg", (200, 40 * i, 40)))
            page.wait_for_function(
                f"() => document.querySelectorAll('.fq-item')[{i}].querySelector('img.fq-thumb') !== null"
            )
        else:
            card.locator("label[for$='-pass']").click()
            page.wait_for_load_state("networkidle")
    shot(page, "inspection-officer1-phone")
    page.wait_for_load_state("networkidle")
    with page.expect_navigation(timeout=5000):  # saves have finished: the submit goes at once
        page.click("#fq-submit button[type=submit]")
    page.wait_for_url("**/inspections/notices/*/sign/")
    notice = RectificationNotice.objects.get(inspection__venue=venue)
    assert Hazard.objects.filter(notice=notice).count() == 2

    # The merchant signs on the officer's phone.
    page.fill("#id_signer_name", "马老板")
    page.locator("canvas").scroll_into_view_if_needed()
    box = page.locator("canvas").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 100)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 30 + step * 25, box["y"] + 100 + (30 if step % 2 else -30))
    page.mouse.up()
    shot(page, "notice-sign-phone")
    with page.expect_navigation():
        page.click("main form button.btn-success[type=submit]")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SIGNED and notice.signer_name == "马老板"
    with notice.signed_pdf.open("rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == notice.sha256

    # The archived PDF downloads from the notice page.
    page.goto(f"{base}/inspections/notices/{notice.pk}/")
    href = page.locator(f"a[href='/inspections/notices/{notice.pk}/pdf/']").first.get_attribute("href")
    pdf = page.request.get(f"{base}{href}").body()  # with the officer's session, as the link would
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == notice.sha256
    shot(page, "notice-detail-phone")
    context.close()
