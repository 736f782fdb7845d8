"""Take the README's screenshots from a running demo (``make run``) with headless Chromium.

.venv/bin/python scripts/screenshots.py [http://127.0.0.1:8000] [out-dir]
"""

import os
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).resolve().parent.parent / "docs" / "screenshots")
PASSWORD = os.environ.get("DEMO_PASSWORD", "fengqiao-demo")
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}

# (file, user, device, path, wait-for selector)
SHOTS = [
    ("login-phone", None, PHONE, "/accounts/login/", None),
    ("home-officer1-phone", "officer1", PHONE, "/", None),
    ("map-officer1-phone", "officer1", PHONE, "/grid/map/", "#fq-map[data-loaded=all]"),
    ("buildings-officer1-phone", "officer1", PHONE, "/grid/buildings/?q=号楼", None),
    ("building-new-officer1-phone", "officer1", PHONE, "/grid/buildings/new/", None),
    ("home-chief-desktop", "chief", DESKTOP, "/", None),
    ("map-chief-desktop", "chief", DESKTOP, "/grid/map/", "#fq-map[data-loaded=all]"),
    ("policegrids-chief-desktop", "chief", DESKTOP, "/grid/police-grids/", None),
    ("ledger-officer1-phone", "officer1", PHONE, "/residents/buildings/{building}/ledger/", None),
    ("review-officer1-phone", "officer1", PHONE, "/rentals/review/", None),
    ("scan-officer1-phone", "officer1", PHONE, "/q/{house_token}/", None),
    ("scan-public-phone", None, PHONE, "/q/{house_token}/", None),
    ("persons-officer1-phone", "officer1", PHONE, "/residents/persons/", None),
    ("matching-gridworker1-phone", "gridworker1", PHONE, "/matching/", None),
    ("declare-landlord1-phone", "landlord1", PHONE, "/rentals/declare/?house={house_token}", None),
    ("ledgers-officer1-desktop", "officer1", DESKTOP, "/ledgers/import/", None),
    ("inspection-officer1-phone", "officer1", PHONE, "/inspections/start/?venue={venue}", None),
    ("hazards-officer1-phone", "officer1", PHONE, "/inspections/hazards/due/", None),
    ("notice-public-phone", None, PHONE, "/n/{notice_token}/", None),
    ("hazards-chief-desktop", "chief", DESKTOP, "/inspections/hazards/", None),
    ("disputes-chief-desktop", "chief", DESKTOP, "/disputes/", "canvas"),
    ("dispute-new-officer1-phone", "officer1", PHONE, "/disputes/new/?building={building}", None),
    ("dispute-officer1-phone", "officer1", PHONE, "/disputes/{dispute}/", None),
    ("followups-officer1-phone", "officer1", PHONE, "/disputes/followups/", None),
    ("disputes-mediator1-phone", "mediator1", PHONE, "/", None),
    ("event-report-volunteer1-phone", "volunteer1", PHONE, "/events/report/?building={building}", None),
    ("event-tasks-gridworker1-phone", "gridworker1", PHONE, "/events/tasks/", None),
    ("event-officer1-phone", "officer1", PHONE, "/events/{event}/", None),
    ("events-leaderboard-volunteer1-phone", "volunteer1", PHONE, "/events/leaderboard/", None),
    ("events-chief-desktop", "chief", DESKTOP, "/events/", None),
    ("command-chief-desktop", "chief", DESKTOP, "/field/command/", "#fq-command-list li"),
    ("heatmap-chief-desktop", "chief", DESKTOP, "/incidents/map/", None),
    ("field-officer1-phone", "officer1", PHONE, "/field/", None),
    ("noise-officer1-phone", "officer1", PHONE, "/noise/alerts/", None),
    ("topics-chief-desktop", "chief", DESKTOP, "/topics/ledger/", None),
    ("members-officer1-phone", "officer1", PHONE, "/grid/members/", None),
    ("member-apply-public-phone", None, PHONE, "/volunteer/apply/", None),
    ("grid-officer1-desktop", "officer1", DESKTOP, "/grid/community-grids/{grid}/", None),
    ("kpi-chief-desktop", "chief", DESKTOP, "/kpi/?month={last_month}", "canvas"),
    ("kpi-officer1-phone", "officer1", PHONE, "/kpi/me/?month={last_month}", None),
    ("kpi-records-chief-desktop", "chief", DESKTOP, "/kpi/records/visits/?month={last_month}", None),
    ("reports-chief-desktop", "chief", DESKTOP, "/kpi/reports/", None),
    ("command-wall-chief-desktop", "chief", DESKTOP, "/field/command/?wall=1", "#fq-command-list li"),
]


def demo_targets() -> dict:
    """A building with houses and a rented house in officer1's grids, from the demo database."""
    import os

    import django

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    import datetime as dt

    from django.utils import timezone

    from disputes.models import Dispute
    from events.models import Event
    from inspections.models import RectificationNotice
    from residents.models import House, Venue

    house = (
        House.objects.filter(
            grid__police_grid__officer__username="officer1", use="rental", residences__end__isnull=True
        )
        .order_by("building_id", "id")
        .first()
    )
    venue = Venue.objects.filter(grid__police_grid__officer__username="officer1").order_by("id").first()
    notice = (
        RectificationNotice.objects.filter(grid__police_grid__officer__username="officer1", status="issued")
        .order_by("-id")
        .first()
    )
    # A dispute with an archived agreement and a follow-up, in officer1's grids.
    dispute = (
        Dispute.objects.filter(officer__username="officer1", state="agreed", followups__status="done")
        .order_by("-received_at")
        .first()
    )
    event = (
        Event.objects.filter(grid__police_grid__officer__username="officer1", state="closed", photos__isnull=False)
        .order_by("-reported_at")
        .first()
    )
    today = timezone.localdate()
    return {
        "last_month": f"{(today.replace(day=1) - dt.timedelta(days=1)):%Y-%m}",
        "grid": house.grid_id,
        "event": event.pk if event else 0,
        "dispute": dispute.pk if dispute else 0,
        "building": house.building_id,
        "house_token": house.qr_token,
        "venue": venue.pk,
        "notice_token": notice.token if notice else "",
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    targets = demo_targets()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        for name, user, device, path, wait in SHOTS:
            context = browser.new_context(**device)
            page = context.new_page()
            if user:
                page.goto(f"{BASE}/accounts/login/")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
            page.goto(f"{BASE}{path.format(**targets)}")
            page.wait_for_load_state("networkidle")
            if wait:
                page.wait_for_selector(wait, timeout=15000)
                page.wait_for_timeout(300)
            page.screenshot(path=str(OUT / f"{name}.png"))
            print(OUT / f"{name}.png")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
