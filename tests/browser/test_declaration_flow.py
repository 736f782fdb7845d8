"""A landlord declares two tenants on a phone; officer1 approves them from the queue, then scans
the house's door plate and sees the tenants, masked."""

import random

import pytest
from faker import Faker

from grid import seed
from rentals.models import DeclarationStatus, LandlordProfile, RentalDeclaration
from rentals.seed import _profile
from residents.models import House, HouseUse
from tests.factories import resident_id

pytestmark = pytest.mark.browser
PASSWORD = "browser-test-password"


@pytest.fixture
def demo(transactional_db, settings):
    settings.DEMO_PASSWORD = PASSWORD
    fake = Faker("zh_CN")
    fake.seed_instance(1)
    seed.seed_demo(password=PASSWORD, rng=random.Random(1), fake=fake, out=lambda *a: None)
    from accounts.models import User

    _profile(User.objects.get(username="landlord1"), "13895188001")
    grid = User.objects.get(username="officer1").police_grids.get().community_grids.order_by("id").first()
    building = grid.buildings.order_by("id").first()
    return House.objects.create(building=building, unit="2单元302", floor=3, use=HouseUse.RENTAL, grid=grid)


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_landlord_declares_officer_approves_and_the_door_plate_shows_them_masked(demo, live_server, browser, shot):
    house = demo
    base = live_server.url
    ids = [resident_id(811), resident_id(812)]

    landlord = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = landlord.new_page()
    _login(page, base, "13895188001")  # landlords log in with their mobile number
    assert LandlordProfile.objects.filter(user__username="landlord1").exists()
    page.goto(f"{base}/rentals/declare/?house={house.qr_token}")
    assert "2单元302" in page.content()
    page.fill("input[name=t-0-name]", "张租一")
    page.fill("input[name=t-0-id_number]", ids[0])
    page.fill("input[name=t-0-phone]", "13700008811")
    page.fill("input[name=t-0-move_in]", "2026-11-20")
    page.click("#fq-add-tenant")
    page.fill("input[name=t-1-name]", "李租二")
    page.fill("input[name=t-1-id_number]", ids[1])
    page.fill("input[name=t-1-move_in]", "2026-11-21")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "declare-landlord-phone")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_url("**/rentals/declarations/*/")
    assert "张租一" in page.content() and ids[0] not in page.content()
    shot(page, "declared-landlord-phone")
    landlord.close()

    officer = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = officer.new_page()
    _login(page, base, "officer1")
    page.goto(f"{base}/rentals/review/")
    assert "张租一" in page.content() and "李租二" in page.content()
    shot(page, "review-officer1-phone")
    with page.expect_navigation():
        page.locator("form[action$='/approve/'] button").first.click()
    assert RentalDeclaration.objects.get(house=house).status == DeclarationStatus.APPROVED

    page.goto(f"{base}/q/{house.qr_token}/")
    html = page.content()
    assert "张租一" in html and "李租二" in html
    for number in ids:
        assert number not in html
        assert number[:6] + "********" + number[-4:] in html
    shot(page, "scan-officer1-phone")
    officer.close()
