"""In Chromium, with the Content-Security-Policy on: the pages whose scripts moved to static/js run
without a violation and behave as before (the header and template scan: tests/security/test_csp.py)."""

import pytest

from tests.conftest import PASSWORD

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " line " + e.lineNumber);
});
"""


class Watched:
    """A browser context whose pages report CSP violations (console and event) and script errors."""

    def __init__(self, browser, base, **options):
        self.base = base
        self.context = browser.new_context(**options)
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.problems = []
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"{self.page.url}: script error {error}"))

    def _console(self, message):
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"{self.page.url}: {message.text}")

    def goto(self, path):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        self.check()

    def check(self):
        for v in self.page.evaluate("window.__cspViolations || []"):
            self.problems.append(f"{self.page.url}: violation {v}")
        self.page.evaluate("window.__cspViolations = []")
        assert self.problems == []

    def login(self, username):
        self.goto("/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("main button[type=submit]")
        assert "/accounts/login/" not in self.page.url
        self.check()


OTHER_SCRIPTED_PAGES = [
    "/grid/map/",
    "/kpi/",
    "/incidents/map/",
    "/incidents/hotspots/",
    "/field/command/",
    "/topics/ledger/",
    "/disputes/",
    "/admin/",
    "/api/v1/",
]
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def reinspection(world):
    from tests.routes_hazards import notice_with_hazards

    return notice_with_hazards(world)


@pytest.mark.browser
def test_pages_whose_scripts_moved_run_without_a_violation_and_behave_as_before(
    world, reinspection, live_server, browser, shot
):
    from inspections.services import current_template
    from residents.models import Residence

    base = live_server.url

    # The policy is enforced and the recorder hears it: an injected inline script does not run.
    anon = Watched(browser, base, **PHONE)
    anon.goto("/accounts/login/")
    anon.page.evaluate(
        "document.body.appendChild(Object.assign(document.createElement('script'), {textContent: 'window.__ran = 1'}))"
    )
    anon.page.wait_for_timeout(300)  # the console message arrives on its own
    assert anon.page.evaluate("window.__ran") is None
    assert len(anon.page.evaluate("window.__cspViolations")) == 1
    assert len(anon.problems) == 1 and "script-src" in anon.problems[0]
    anon.page.evaluate("window.__cspViolations = []")
    anon.problems.clear()

    # The language switch submits itself on change.
    assert anon.page.get_attribute("html", "lang") == "zh-hans"
    with anon.page.expect_navigation():
        anon.page.select_option("#fq-lang-select", "en")
    anon.page.wait_for_load_state("networkidle")
    assert anon.page.get_attribute("html", "lang") == "en"
    anon.check()
    shot(anon.page, "csp-login-english-phone")
    anon.context.close()

    # The landlord's "add another tenant" row.
    landlord = Watched(browser, base, **PHONE)
    landlord.login("landlord")
    landlord.goto(f"/rentals/declare/?house={world.house('甲一网格').qr_token}")
    page = landlord.page
    assert page.locator(".fq-tenant").count() == 1
    page.click("#fq-add-tenant")
    assert page.locator(".fq-tenant").count() == 2
    assert page.locator(".fq-tenant .fq-n").nth(1).text_content() == "2"
    assert page.input_value("#id_t-TOTAL_FORMS") == "2"
    assert page.locator("input[name=t-1-name]").count() == 1
    assert page.evaluate("document.activeElement.name").startswith("t-1-")
    landlord.check()
    shot(page, "csp-declare-phone")
    landlord.context.close()

    chief = Watched(browser, base, **PHONE)
    chief.login("chief")
    page = chief.page

    # Cross-matching: the chosen kind is scrolled into view in the filter strip.
    chief.goto(f"/matching/grid/{world.a1.pk}/?kind=double_declaration")
    strip = ".fq-kind-filter"
    assert page.evaluate(
        f"document.querySelector('{strip}').scrollWidth > document.querySelector('{strip}').clientWidth"
    )
    assert page.evaluate(f"document.querySelector('{strip}').scrollLeft") > 0
    shot(page, "csp-matching-phone")

    # The checklist editor: add an item, remove one, the numbers follow.
    template = current_template("shop")
    chief.goto(f"/inspections/checklists/{template.pk}/edit/")
    items = template.items.count()
    page.click("#fq-add-row")
    assert page.input_value("#id_items-TOTAL_FORMS") == str(items + 1)
    assert page.locator(".fq-row:not(.fq-removed) .fq-n").last.text_content() == str(items + 1)
    page.locator(".fq-row .fq-remove").first.click()
    assert page.locator(".fq-row").first.locator(".fq-delete").is_checked()
    assert not page.locator(".fq-row").first.is_visible()
    assert page.locator(".fq-row:not(.fq-removed) .fq-n").first.text_content() == "1"
    assert page.locator(".fq-row:not(.fq-removed) .fq-n").last.text_content() == str(items)
    chief.check()
    shot(page, "csp-checklist-edit-phone")

    # Re-inspection: the note and photo show only for "not rectified".
    hazard = reinspection.hazards.order_by("id").first()
    chief.goto(f"/inspections/hazards/reinspect/{reinspection.pk}/")
    fail_fields = page.locator(f"#fail_fields_{hazard.pk}")
    page.click(f"label[for=pass_{hazard.pk}]")
    assert fail_fields.is_hidden()
    page.click(f"label[for=fail_{hazard.pk}]")
    assert fail_fields.is_visible()
    chief.check()
    shot(page, "csp-reinspect-phone")

    # The hazard ledger's filters submit on change.
    chief.goto("/inspections/hazards/")
    with page.expect_navigation():
        page.select_option("#id_grid", str(world.a1.pk))
    page.wait_for_load_state("networkidle")
    assert f"grid={world.a1.pk}" in page.url
    assert page.input_value("#id_grid") == str(world.a1.pk)
    chief.check()
    shot(page, "csp-hazard-ledger-phone")

    # The house page asks before recording a move-out: Cancel keeps the resident, OK ends the stay.
    house = world.house("甲一网格")
    chief.goto(f"/residents/houses/{house.pk}/")
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.click("form[data-confirm] button[type=submit]")
    page.wait_for_timeout(300)
    assert questions and Residence.objects.filter(house=house, end__isnull=True).count() == 1
    page.once("dialog", lambda d: answer(d, True))
    with page.expect_navigation():
        page.click("form[data-confirm] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert len(questions) == 2 and questions[0] == questions[1] != ""
    assert Residence.objects.filter(house=house, end__isnull=True).count() == 0
    chief.check()
    shot(page, "csp-house-moved-out-phone")

    # Pages with maps, charts and htmx, the admin and the browsable API: none trips the policy.
    for path in OTHER_SCRIPTED_PAGES:
        response = page.goto(base + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        chief.check()
    chief.context.close()

    # The API docs (Swagger UI) draw their operations under the same policy.
    docs = Watched(browser, base, viewport={"width": 1280, "height": 900})
    docs.login("chief")
    docs.goto("/api/docs/")
    docs.page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    docs.check()
    shot(docs.page, "csp-api-docs")
    docs.context.close()
