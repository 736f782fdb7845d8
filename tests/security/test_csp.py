"""Content-Security-Policy: scripts run only from our own files, on every page.

The header is checked on pages of each kind; every template is scanned for an inline script, an
on…= handler or a javascript: URL, so a new one fails here rather than in a browser's console;
and Chromium walks the pages whose scripts moved to static/js, recording every CSP violation.
"""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from config.middleware import ContentSecurityPolicyMiddleware
from tests.browser import conftest as browser_conftest
from tests.conftest import PASSWORD

REQUIRED = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def policy(response) -> dict[str, list[str]]:
    parsed = (directive.split() for directive in response["Content-Security-Policy"].split(";"))
    return {words[0]: words[1:] for words in parsed if words}


def assert_strict(response):
    directives = policy(response)
    for name, sources in REQUIRED.items():
        assert directives.get(name) == sources, (name, directives.get(name))
    assert {"'self'", "data:", "blob:"} <= set(directives["img-src"])
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]


# ---- the header ---------------------------------------------------------------------------------


def test_the_login_page_sends_the_policy(db, client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert_strict(response)
    assert inline_script_problems(response.content.decode()) == []


def test_a_logged_in_page_sends_the_policy(as_user):
    response = as_user("officer_a").get(reverse("home"))
    assert response.status_code == 200
    assert_strict(response)
    assert inline_script_problems(response.content.decode()) == []


def test_the_api_docs_page_sends_the_policy_and_loads_its_start_up_script_as_a_file(as_user):
    client = as_user("officer_a")
    response = client.get(reverse("swagger-ui"))
    assert response.status_code == 200
    assert_strict(response)
    html = response.content.decode()
    assert inline_script_problems(html) == []
    start_up = re.search(r'<script src="([^"]*\?[^"]*script=[^"]*)"', html).group(1)
    script = client.get(start_up.replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_map_tile_server_may_serve_images(db, client, settings):
    settings.MAP_TILE_URL = "https://{s}.tiles.example:8443/{z}/{x}/{y}.png"
    assert "https://*.tiles.example:8443" in policy(client.get(reverse("accounts:login")))["img-src"]
    settings.MAP_TILE_URL = "/tiles/{z}/{x}/{y}.png"  # our own host: 'self' already covers it
    assert policy(client.get(reverse("accounts:login")))["img-src"] == ["'self'", "data:", "blob:"]


def test_the_policy_may_be_written_as_one_string(db, client, settings):
    settings.CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; img-src 'self'"
    settings.MAP_TILE_URL = "http://10.1.2.3:8080/{z}/{x}/{y}.png"
    response = client.get(reverse("accounts:login"))
    assert response["Content-Security-Policy"] == (
        "default-src 'self'; script-src 'self'; img-src 'self' http://10.1.2.3:8080"
    )


def test_a_view_that_sets_its_own_policy_keeps_it():
    own = HttpResponse("<p>hi</p>", headers={"Content-Security-Policy": "default-src 'none'"})
    response = ContentSecurityPolicyMiddleware(lambda request: own)(RequestFactory().get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_pdfs_get_no_policy_so_the_browsers_viewer_still_shows_them():
    pdf = HttpResponse(b"%PDF-1.7", content_type="application/pdf")
    response = ContentSecurityPolicyMiddleware(lambda request: pdf)(RequestFactory().get("/"))
    assert "Content-Security-Policy" not in response


# ---- no inline script in any template -----------------------------------------------------------

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
DATA_SCRIPT = re.compile(r"""\btype\s*=\s*["']?application/(ld\+)?json\b""", re.IGNORECASE)
# An on…= attribute inside a tag (template tags carry no < or >), or htmx's hx-on, which evaluates code.
HANDLER = re.compile(r"<[a-zA-Z][^<>]*?\s((?:data-)?hx-on[:\-][^\s=>]*|on[a-zA-Z]+)\s*=", re.IGNORECASE)
JS_URL = re.compile(r"javascript\s*:", re.IGNORECASE)


def inline_script_problems(text: str) -> list[str]:
    """What in ``text`` (a template or a page) the policy would refuse to run, one line each."""

    def line(pos):
        return text.count("\n", 0, pos) + 1

    problems = []
    for m in SCRIPT_TAG.finditer(text):
        attrs = m.group(1)
        if not re.search(r"\bsrc\s*=", attrs, re.IGNORECASE) and not DATA_SCRIPT.search(attrs):
            problems.append(f"line {line(m.start())}: inline <script{attrs}>")
    problems += [f"line {line(m.start(1))}: handler attribute {m.group(1)}=" for m in HANDLER.finditer(text)]
    problems += [f"line {line(m.start())}: javascript: URL" for m in JS_URL.finditer(text)]
    return problems


def template_dirs() -> list[Path]:
    """The project's template folders: TEMPLATES DIRS and our apps' templates/ (not installed packages)."""
    base = Path(settings.BASE_DIR).resolve()
    dirs = [Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", [])]
    for app in apps.get_app_configs():
        path = Path(app.path).resolve()
        if path.is_relative_to(base) and ".venv" not in path.parts and (path / "templates").is_dir():
            dirs.append(path / "templates")
    return [d for d in dirs if d.is_dir()]


def template_files() -> list[Path]:
    return sorted(p for d in template_dirs() for p in d.rglob("*") if p.is_file())


def test_the_scan_finds_the_templates():
    files = template_files()
    assert Path(settings.BASE_DIR) / "templates" / "base.html" in files
    assert len(files) > 100


def test_no_template_has_an_inline_script_a_handler_attribute_or_a_javascript_url():
    found = {}
    for path in template_files():
        problems = inline_script_problems(path.read_text(encoding="utf-8", errors="replace"))
        if problems:
            found[str(path.relative_to(settings.BASE_DIR))] = problems
    assert found == {}, "Move the code to static/js (values through data- attributes or json_script): " + repr(found)


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="text/javascript">\nx()\n</script>',
        '<script type="module">import "x";</script>',
        '<select name="grid" onchange="this.form.submit()">',
        "<form method=post onSubmit='return confirm(\"?\")'>",
        '<a class="btn"{% if x %} active{% endif %} onclick="go()">',
        '<button hx-on:click="go()">',
        '<div hx-on::after-request="go()">',
        '<a href="javascript:void(0)">',
        '<a href="JavaScript:go()">',
    ],
)
def test_the_scan_catches(snippet):
    assert inline_script_problems(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "<script src=\"{% static 'js/declare.js' %}\"></script>",
        '<script type="application/json" id="fq-chart">{"a": 1}</script>',
        '{{ chart|json_script:"fq-chart" }}',
        '<select name="language" data-autosubmit>',
        '<form method="post" data-confirm="Record that this person moved out today?">',
        "<p>The person moved on=Monday</p>",
        '<input name="online" value="1">',
    ],
)
def test_the_scan_lets_through(snippet):
    assert inline_script_problems(snippet) == []


# ---- in Chromium: no violation, and the moved behaviour still works ----------------------------

browser = browser_conftest.browser
shot = browser_conftest.shot

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
