"""Project-level pages and the promise that nothing is loaded from the internet."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)


def test_the_404_page_is_in_chinese_and_does_not_confirm_anything(world, as_user):
    response = as_user("officer_a").get("/grid/buildings/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert reverse("home") in html


def test_the_500_page_renders_without_a_request_context():
    from config.views import server_error

    response = server_error(None)
    assert response.status_code == 500
    assert "500" in response.content.decode()


def test_the_language_switch_changes_to_english_and_back(world, as_user):
    client = as_user("officer_a")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_browser_language_does_not_override_the_chinese_default(db):
    html = Client().get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html


def test_the_web_app_manifest_names_icons_that_exist(client):
    manifest = client.get(reverse("manifest")).json()
    assert manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        path = icon["src"].removeprefix(settings.STATIC_URL)
        assert finders.find(path), icon["src"]


def test_health_check_answers_ok(client, db):
    assert client.get(reverse("healthz")).content == b"ok"


def test_no_template_or_script_loads_anything_from_another_host():
    offenders = []
    pattern = re.compile(r"""(src|href)\s*=\s*["'](https?:)?//""")
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("static/js/*.js"), *ROOT.glob("static/css/*.css")]:
        if pattern.search(path.read_text()):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def test_vendored_assets_are_all_present():
    for asset in [
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "vendor/htmx/htmx.min.js",
        "vendor/bootstrap-icons/bootstrap-icons.min.css",
        "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "js/grid-map.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
    ]:
        assert finders.find(asset), asset
