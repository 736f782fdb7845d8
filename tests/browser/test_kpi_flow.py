"""The chief opens the KPI page, drills from the visits figure to the visits behind it, then asks
for the monthly station report and downloads its PDF — all in headless Chromium at 1280 px."""

import random

import pytest
from django.utils import timezone
from faker import Faker

from grid import seed
from kpi import aggregate
from residents.services import visit_record
from tests.disputes.helpers import pdf_text

pytestmark = pytest.mark.browser
PASSWORD = "browser-test-password"


@pytest.fixture
def month(transactional_db, settings):
    """The demo station with three visits by officer1 this month, aggregated."""
    settings.DEMO_PASSWORD = PASSWORD
    fake = Faker("zh_CN")
    fake.seed_instance(1)
    seed.seed_demo(password=PASSWORD, rng=random.Random(1), fake=fake, out=lambda *a: None)
    from accounts.models import User
    from grid.models import Building

    officer = User.objects.get(username="officer1")
    buildings = Building.objects.filter(grid__police_grid__officer=officer).order_by("id")[:3]
    for n, b in enumerate(buildings):
        visit_record(user=officer, building=b, purpose=f"入户走访{n}", notes="登记无变化")
    today = timezone.localdate()
    aggregate.recompute(today.replace(day=1), today)
    return today


def test_the_chief_drills_from_a_figure_to_its_records_and_downloads_the_monthly_report(
    month, live_server, browser, shot, tmp_path
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "chief")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")

    page.goto(f"{live_server.url}/kpi/?month={month:%Y-%m}")
    page.wait_for_selector("canvas")
    shot(page, "kpi-chief-desktop")
    visits = page.locator("a[href*='/kpi/records/visits/']").first
    assert visits.inner_text().split()[0] == "3"  # the card: the figure, then its label
    visits.click()
    page.wait_for_url("**/kpi/records/visits/**")
    rows = page.locator("main").inner_text()
    assert all(f"入户走访{n}" in rows for n in range(3))
    shot(page, "kpi-records-desktop")

    page.goto(f"{live_server.url}/kpi/reports/")
    page.select_option("#id_kind", "station_month")
    page.fill("#id_month", f"{month:%Y-%m}")
    page.click("[data-testid=report-request] button[type=submit]")
    page.wait_for_selector("#fq-report[data-status=done]", timeout=30000)
    with page.expect_download() as info:
        page.click("[data-testid=download-pdf]")
    path = tmp_path / "report.pdf"
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "社区警务工作月报" in text and f"{month.year}年{month.month:02d}月" in text
    context.close()
