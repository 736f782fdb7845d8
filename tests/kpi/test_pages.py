"""The KPI pages: the chief's station page and its drill-down (the records listed are exactly those
counted, in the viewer's scope), an officer's own page, who gets what, recomputing a period with
its progress page, and periods that cannot be read never breaking a page."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.context_processors import _menu
from kpi import aggregate
from kpi.models import Run
from residents.services import visit_record
from tests.incidents.helpers import add as add_incident

pytestmark = pytest.mark.django_db

BJ = timezone.get_fixed_timezone(8 * 60)
MAY = "month=2026-05"


@pytest.fixture(autouse=True)
def _pages_in_english(settings):
    """These tests read the pages' English msgids: render them in English (the default is zh-hans)."""
    settings.LANGUAGE_CODE = "en"


def bj(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BJ)


@pytest.fixture
def may(world):
    """In May 2026: two visits in 甲一网格 (officer_a, one with the grid worker), one in 乙一网格
    (officer_b) and one at the other station; the figures computed on 20 May."""
    made = {}
    for key, user, grid, at, notes in (
        ("a1", "officer_a", "甲一网格", "2026-05-03 10:00", "家中无异常"),
        ("a2", "officer_a", "甲一网格", "2026-05-12 15:30", ""),
        ("b", "officer_b", "乙一网格", "2026-05-06 09:00", "家中无异常"),
        ("c", "other_station_officer", "丙一网格", "2026-05-07 11:00", "家中无异常"),
    ):
        with time_machine.travel(bj(at), tick=False):
            participants = [world.users["grid_worker"]] if key == "a1" else []
            made[key] = visit_record(
                user=world.users[user], building=world.building(grid), purpose=f"走访{key}", notes=notes,
                participants=participants,
            )  # fmt: skip
    with time_machine.travel(bj("2026-05-20 09:00"), tick=False):
        aggregate.recompute(dt.date(2026, 5, 1), dt.date(2026, 5, 20))
    return made


def _card(html: str, metric: str) -> tuple[str, str]:
    """(href, value) of the figure card of ``metric``."""
    m = re.search(rf'<a class="[^"]*fq-kpi-card[^"]*" href="([^"]+)" data-metric="{re.escape(metric)}">\s*'
                  r'<div class="card-body">\s*<div class="fq-figure-value">([^<]*)</div>', html)  # fmt: skip
    assert m, f"no card for {metric}"
    return m.group(1).replace("&amp;", "&"), m.group(2)


def _records_text(html: str) -> str:
    return html.split('data-testid="records"', 1)[1].split("</table>", 1)[0]


def _count(html: str) -> int:
    return int(re.search(r'data-testid="count">(\d+) records?<', html).group(1))


def test_the_chief_sees_the_station_figures_each_linked_to_the_records_behind_it(world, as_user, may):
    html = as_user("chief").get(f"/kpi/?{MAY}").content.decode()
    href, visits = _card(html, "visits")
    assert visits == "3"  # officer_a's two and officer_b's one; not the other station's
    assert href == f"{reverse('kpi:records', args=['visits'])}?{MAY}"
    # Per police grid and per officer, linked with the row's subject.
    assert f'href="/kpi/records/visits/?{MAY}&amp;police_grid={world.pg_a.pk}">2</a>' in html
    assert f'href="/kpi/records/visits/?{MAY}&amp;person={world.users["officer_a"].pk}">2</a>' in html
    assert f'href="{reverse("kpi:officer", args=[world.users["officer_a"].pk])}?{MAY}"' in html
    # Quality flags: the visit with nothing recorded.
    assert "Visits with nothing recorded" in html
    assert f'href="/kpi/records/visits_bare/?{MAY}">1</a>' in html
    assert "Figures as of" in html or "Figures up to" in html

    records = as_user("chief").get(href).content.decode()
    listed = _records_text(records)
    assert all(f"走访{k}" in listed for k in ("a1", "a2", "b")) and "走访c" not in listed
    assert _count(records) == 3
    assert re.search(r'data-testid="figure">3<', records)  # the count is the figure
    assert "have changed since the figures" not in records


def test_a_police_grid_and_an_officer_drill_down_to_their_own_records(world, as_user, may):
    chief = as_user("chief")
    grid_a = chief.get(f"/kpi/records/visits/?{MAY}&police_grid={world.pg_a.pk}").content.decode()
    assert _count(grid_a) == 2 and world.pg_a.name in grid_a and "走访b" not in _records_text(grid_a)
    # The grid worker's visit together with officer_a is credited to both.
    worker = world.users["officer_a"]
    mine = chief.get(f"/kpi/records/visits/?{MAY}&person={worker.pk}").content.decode()
    assert _count(mine) == 2 and worker.display_name in mine
    assert chief.get(f"/kpi/records/visits/?{MAY}&police_grid={world.pg_c.pk}").status_code == 404
    assert chief.get(f"/kpi/records/visits/?{MAY}&police_grid=abc").status_code == 404
    assert chief.get(f"/kpi/records/visits/?{MAY}&person=x").status_code == 404
    assert chief.get(f"/kpi/records/residents/?{MAY}").status_code == 404  # a stock: no records behind it
    assert chief.get(f"/kpi/records/nonsense/?{MAY}").status_code == 404


def test_another_station_sees_nothing_of_it(world, as_user, may):
    client = as_user("other_chief")
    html = client.get(f"/kpi/?{MAY}").content.decode()
    assert _card(html, "visits")[1] == "1"  # its own visit only
    assert world.pg_a.name not in html
    records = client.get(f"/kpi/records/visits/?{MAY}").content.decode()
    assert _count(records) == 1 and "走访a1" not in records
    assert client.get(f"/kpi/officers/{world.users['officer_a'].pk}/?{MAY}").status_code == 404
    assert client.get(f"/kpi/records/visits/?{MAY}&person={world.users['officer_a'].pk}").status_code == 404


def test_an_officer_has_their_own_page_and_only_their_own_records(world, as_user, may):
    client = as_user("officer_a")
    response = client.get(f"/kpi/?{MAY}")
    assert response.status_code == 302 and response["Location"] == f"/kpi/me/?{MAY}"
    html = client.get(f"/kpi/me/?{MAY}").content.decode()
    me = world.users["officer_a"].pk
    href, visits = _card(html, "visits")
    assert visits == "2" and href == f"/kpi/records/visits/?{MAY}&person={me}"
    assert 'id="fq-kpi-trend-data"' in html
    assert client.get(f"/kpi/records/visits/?{MAY}").status_code == 404
    assert client.get(f"/kpi/records/visits/?{MAY}&police_grid={world.pg_a.pk}").status_code == 404
    assert client.get(f"/kpi/records/visits/?{MAY}&person={world.users['officer_b'].pk}").status_code == 404
    own = client.get(href)
    assert own.status_code == 200 and _count(own.content.decode()) == 2
    # A chief is sent the other way; the chief reads officer_a's page as officer_a does.
    assert as_user("chief").get("/kpi/me/")["Location"] == "/kpi/"
    theirs = as_user("chief").get(f"/kpi/officers/{me}/?{MAY}").content.decode()
    assert _card(theirs, "visits") == (f"/kpi/records/visits/?{MAY}&person={me}", "2")
    assert as_user("chief").get(f"/kpi/officers/{world.users['other_station_officer'].pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["grid_worker", "volunteer", "landlord", "mediator"])
def test_other_roles_get_404_everywhere(world, as_user, persona, may):
    client = as_user(persona)
    run = Run.objects.create(first_day=dt.date(2026, 5, 1), last_day=dt.date(2026, 5, 20))
    me = world.users[persona].pk
    for url in ("/kpi/", "/kpi/me/", f"/kpi/officers/{world.users['officer_a'].pk}/", f"/kpi/records/visits/?{MAY}",
                f"/kpi/records/visits/?{MAY}&person={me}", f"/kpi/runs/{run.pk}/"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert client.post("/kpi/recompute/", {"month": "2026-05"}).status_code == 404
    assert not Run.objects.exclude(pk=run.pk).exists()


def test_recomputing_a_period_runs_in_the_background_with_a_progress_page(
    world, as_user, may, django_capture_on_commit_callbacks
):
    client = as_user("chief")
    assert client.get("/kpi/recompute/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/kpi/recompute/", {"from": "2026-05-01", "to": "2026-05-10"})
    run = Run.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/kpi/runs/{run.pk}/"
    assert (run.first_day, run.last_day, run.requested_by) == (dt.date(2026, 5, 1), dt.date(2026, 5, 10),
                                                              world.users["chief"])  # fmt: skip
    assert run.finished_at is not None and run.percent == 100
    html = client.get(response["Location"]).content.decode()
    assert "hx-get" not in html and 'value="100"' in html and "Done" in html
    assert "/kpi/?from=2026-05-01&amp;to=2026-05-10" in html  # back to the figures of that period
    assert as_user("other_chief").get(response["Location"]).status_code == 404  # the requester's
    assert as_user("admin").get(response["Location"]).status_code == 200


def test_a_running_recomputation_polls_its_progress(world, as_user):
    run = Run.objects.create(
        first_day=dt.date(2026, 5, 1), last_day=dt.date(2026, 5, 10), days_done=5, requested_by=world.users["chief"]
    )
    url = f"/kpi/runs/{run.pk}/"
    partial = as_user("chief").get(url, headers={"HX-Request": "true"}).content.decode()
    assert f'hx-get="{url}"' in partial and 'value="50"' in partial and "<html" not in partial
    Run.objects.filter(pk=run.pk).update(error="boom", finished_at=timezone.now())
    failed = as_user("chief").get(url).content.decode()
    assert "boom" in failed and "hx-get" not in failed


def test_a_period_in_the_future_is_not_recomputed(world, as_user):
    today = timezone.localdate()
    later = (today.replace(day=1) + dt.timedelta(days=40)).strftime("%Y-%m")
    response = as_user("chief").post("/kpi/recompute/", {"month": later})
    assert response.status_code == 302 and response["Location"] == f"/kpi/?month={later}"
    assert not Run.objects.exists()


@pytest.mark.parametrize(
    "query",
    ["month=2026-13", "month=abc", "month=9999-12", "month=0001-01", "from=2026-05-10&to=2026-05-01",
     "from=2020-01-01&to=2026-01-01", "from=x&to=y", "from=2026-05-01", "page=999"],
)  # fmt: skip
def test_a_period_that_cannot_be_read_never_breaks_a_page(world, as_user, query):
    this_month = timezone.localdate().strftime("%Y-%m")
    for persona, path in (("chief", "/kpi/"), ("chief", "/kpi/records/visits/"), ("officer_a", "/kpi/me/"),
                          ("chief", f"/kpi/officers/{world.users['officer_a'].pk}/")):  # fmt: skip
        response = as_user(persona).get(f"{path}?{query}")
        assert response.status_code == 200, (persona, path)
    html = as_user("chief").get(f"/kpi/?{query}").content.decode()
    if query.startswith("month=2026-13"):
        assert "That period could not be read" in html and f'value="{this_month}"' in html
    assert as_user("chief").post("/kpi/recompute/", {"month": "2026-13"}).status_code == 302


def test_rates_are_formatted_and_missing_ones_are_a_dash(world, as_user, may):
    html = as_user("officer_a").get(f"/kpi/me/?{MAY}").content.decode()
    # officer_a's grids (甲一, 甲二) have a resident each: 2 visits are 1,000 per 1,000 residents.
    assert re.search(r'fq-figure-value">1,000\.0</div>\s*<div class="fq-figure-label">Visits per 1,000 residents', html)
    assert re.search(r'fq-figure-value">—</div>\s*<div class="fq-figure-label">Late declaration rate', html)
    assert re.search(r'fq-figure-value">0\.0</div>\s*<div class="fq-figure-label">Hours in the community', html)


def test_the_menu_leads_each_police_role_to_its_kpi_page(world):
    def kpi_link(name):
        group = next((i for i in _menu(world.users[name]) if str(i["label"]) == "KPIs"), None)
        return None if group is None else group["children"][0]["url"]

    from django.utils import translation

    with translation.override("en"):
        assert kpi_link("chief") == kpi_link("admin") == "/kpi/"
        assert kpi_link("officer_a") == kpi_link("aux_a") == "/kpi/me/"
        assert kpi_link("grid_worker") is kpi_link("volunteer") is kpi_link("landlord") is None


def test_an_officers_incidents_are_those_of_their_grids(world, as_user):
    add_incident("6401062026050001", when="2026-05-04 10:00", grid=world.a1, address="甲一路1号")
    add_incident("6401062026050002", when="2026-05-05 10:00", grid=world.c1, address="丙一路1号")
    with time_machine.travel(bj("2026-05-20 09:00"), tick=False):
        aggregate.recompute(dt.date(2026, 5, 1), dt.date(2026, 5, 20))
    client = as_user("officer_a")
    html = client.get(f"/kpi/me/?{MAY}").content.decode()
    href, value = _card(html, "incidents")
    assert value == "1"
    records = client.get(href).content.decode()
    assert "丙一路1号" not in records and _count(records) == 1


@pytest.mark.parametrize(("persona", "route"), [("chief", "kpi:station"), ("officer_a", "kpi:mine")])
def test_the_kpi_pages_cost_the_same_queries_however_many_figures(world, as_user, persona, route):
    """The pages read the summary table only: more records and more figure rows, same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def grow(day):
        for n in range(3):
            visit_record(user=world.users["officer_a"], building=world.building("甲一网格"), purpose=f"走访{day}{n}")
            add_incident(f"64010620261101{day}{n}", when=f"2026-11-{day:02d} 10:00", grid=world.a1)

    def count(client):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(route), {"month": "2026-11"}).status_code == 200
        return len(ctx.captured_queries)

    with time_machine.travel(bj("2026-11-20 10:00"), tick=False):
        client = as_user(persona)
        grow(3)
        aggregate.recompute(dt.date(2025, 11, 1), dt.date(2026, 11, 20))  # last year's month too (YoY)
        client.get(reverse(route))
        before = count(client)
        grow(5)
        grow(9)
        aggregate.recompute(dt.date(2025, 11, 1), dt.date(2026, 11, 20))
        after = count(client)
    assert after == before <= 30, (before, after)
