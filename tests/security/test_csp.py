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


# The browser half (no violation in Chromium, the moved behaviour still works) is
# tests/browser/test_csp_flow.py: it shares the browser session of tests/browser.
