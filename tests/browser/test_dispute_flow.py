"""officer1 records a neighbours' dispute with two parties (one from the registry, one new) on a
phone, holds a session with mediator1, both parties sign the agreement on the pad, and the 7-day
follow-up shows in the officer's follow-up list."""

import datetime as dt
import hashlib
import random

import pytest
from django.utils import timezone
from faker import Faker

from disputes import services
from disputes.models import AgreementStatus, Dispute, DisputeState, FollowUp, MediatorType
from grid import seed
from residents.models import House, HouseUse, Person, Residence
from tests.disputes.helpers import valid_id

pytestmark = pytest.mark.browser
PASSWORD = "browser-test-password"


@pytest.fixture
def place(transactional_db, settings):
    settings.DEMO_PASSWORD = PASSWORD
    fake = Faker("zh_CN")
    fake.seed_instance(1)
    seed.seed_demo(password=PASSWORD, rng=random.Random(1), fake=fake, out=lambda *a: None)
    from accounts.models import User

    officer = User.objects.get(username="officer1")
    grid = officer.police_grids.get().community_grids.order_by("id").first()
    building = grid.buildings.order_by("id").first()
    house = House.objects.create(building=building, unit="2单元301", floor=3, use=HouseUse.OWNER_OCCUPIED, grid=grid)
    resident = Person(name="丁洋", grid=grid)
    resident.set_id_number(valid_id(123, birth="19750203"))
    resident.save()
    Residence.objects.create(person=resident, house=house, relation="owner", start=dt.date(2020, 1, 1), grid=grid)
    services.mediator_save(
        station=grid.police_grid.station, user_account=User.objects.get(username="mediator1"), name="何律师",
        type=MediatorType.LAWYER, organisation="宁夏某律师事务所",
    )  # fmt: skip
    return building


def _sign(page):
    page.locator("canvas").scroll_into_view_if_needed()
    box = page.locator("canvas").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 30 + step * 25, box["y"] + box["height"] / 2 + (25 if step % 2 else -25))
    page.mouse.up()


def test_officer1_records_mediates_and_the_parties_sign(place, live_server, browser, shot):
    base = live_server.url
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "officer1")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")

    # Intake at the door: the building comes from the address page (?building=).
    page.goto(f"{base}/disputes/new/?building={place.pk}")
    page.select_option("select[name=category]", "neighbour")
    page.fill("textarea[name=description]", "楼上卫生间漏水，楼下天花板受损，双方争执。")
    first = page.locator("[data-party-row]").nth(0)
    first.locator("input[data-search]").fill("丁洋")
    first.locator("[data-pick-person]").first.click()
    assert first.locator("[data-picked-name]").inner_text() == "丁洋"
    second = page.locator("[data-party-row]").nth(1)
    second.locator("select[name$='-role']").select_option("respondent")
    second.locator("input[name$='-name']").fill("李四")
    second.locator("input[name$='-id_number']").fill(valid_id(901))
    shot(page, "dispute-intake-officer1-phone")
    with page.expect_navigation():
        page.click("main form button.btn-primary[type=submit]")
    dispute = Dispute.objects.get(building=place)
    assert page.url.endswith(f"/disputes/{dispute.pk}/")
    parties = list(dispute.parties.order_by("order"))
    assert [p.name for p in parties] == ["丁洋", "李四"] and parties[0].person is not None

    # A session with mediator1 reaches an agreement.
    page.click(f"a[href='/disputes/{dispute.pk}/sessions/new/']")
    page.fill("input[name=place]", "民生茶馆")
    page.locator("label", has_text="何律师").first.click()
    page.locator("label[for=" + page.locator("input[name=outcome][value=agreed]").get_attribute("id") + "]").click()
    page.fill("textarea[name=terms]", "一、丁洋于一周内修复漏水并赔偿维修费2000元。\n二、双方互不追究其他责任。")
    with page.expect_navigation():
        page.click("main form button[type=submit].btn-primary")
    page.wait_for_url("**/disputes/agreements/*/sign/**")
    agreement = dispute.agreements.get()
    assert agreement.session.mediators.filter(user__username="mediator1").exists()

    # Each party signs on the officer's phone.
    for _ in parties:
        _sign(page)
        shot(page, "dispute-sign-phone")
        with page.expect_navigation():
            page.click("main form button.btn-success[type=submit]")
    agreement.refresh_from_db()
    dispute.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNED and dispute.state == DisputeState.AGREED
    with agreement.signed_pdf.open("rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == agreement.sha256
    assert page.url.endswith(f"/disputes/{dispute.pk}/")
    shot(page, "dispute-detail-officer1-phone")

    # The 7-day follow-up is in the officer's list.
    week = FollowUp.objects.get(dispute=dispute, day=7)
    assert week.due_on == timezone.localdate() + dt.timedelta(days=7)
    page.goto(f"{base}/disputes/followups/")
    listed = page.locator("main").inner_text()
    assert dispute.reference in listed and week.due_on.isoformat() in listed
    shot(page, "dispute-followups-officer1-phone")
    context.close()
