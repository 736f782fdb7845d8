"""The permission matrix: every route × every persona, and a walk of the URLconf that fails
on a route no ``tests/routes_*.py`` module covers. See tests/scope.py for the outcomes."""

import importlib
import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.scope import PERSONAS

ROUTES, EXEMPT = {}, {}
for _path in sorted(Path(__file__).parent.glob("routes_*.py")):
    _module = importlib.import_module(f"tests.{_path.stem}")
    ROUTES.update(_module.ROUTES)
    EXEMPT.update(getattr(_module, "EXEMPT", {}))


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield f"{prefix}{p.name}" if p.name else f"{prefix}<unnamed {p.pattern}>"


def test_every_route_is_covered_by_the_scope_matrix():
    names = set(_walk(get_resolver().url_patterns))
    uncovered = sorted(n for n in names if n not in ROUTES and n not in EXEMPT and n.split(":")[0] not in EXEMPT)
    assert not uncovered, f"routes without a scope test: {uncovered}"


def _outcome(response, marker) -> str:
    """What a persona got: the same vocabulary as the expectations."""
    code = response.status_code
    if code == 200:
        if not marker:
            return "ok"
        if response.get("Content-Type", "").startswith("application/json"):
            body = json.dumps(response.json(), ensure_ascii=False)
        else:
            body = response.content.decode()
        return "ok" if marker in body else "hidden"
    if code == 302:
        return "login" if response["Location"].startswith(reverse("accounts:login")) else "redirect"
    return {401: "401", 403: "403", 404: "404", 405: "method_not_allowed"}.get(code, str(code))


# Tables of more than 100,000 rows in the city data (``seed_demo --scale city``: pg_class.reltuples).
BIG_TABLES = {
    "residents_person", "residents_house", "residents_residence", "residents_visit", "residents_visit_participants",
    "residents_changelog", "grid_building", "rentals_rentaldeclaration", "rentals_tenant", "inspections_inspection",
    "inspections_answer", "inspections_hazard", "inspections_rectificationnotice", "events_event", "events_eventlog",
    "events_pointaward", "events_supporter", "incidents_incident", "field_check", "noise_reading", "kpi_figure",
    "disputes_party", "disputes_disputelog", "accounts_auditevent",
}  # fmt: skip
_FROM = re.compile(r'\b(?:FROM|JOIN)\s+"?(\w+)"?', re.IGNORECASE)


def unbounded_counts(queries) -> list[str]:
    """COUNTs that read a big table with no WHERE and no LIMIT: a full scan of a city's table."""
    found = []
    for q in queries:
        sql = q["sql"]
        if "COUNT(" not in sql.upper() or not BIG_TABLES.intersection(_FROM.findall(sql)):
            continue
        if not re.search(r"\b(WHERE|LIMIT)\b", sql, re.IGNORECASE):
            found.append(sql[:300])
    return found


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_route_answers_each_persona_as_its_scope_allows(route, world, as_user):
    """One world per route, every persona against it; all mismatches reported together. On the way:
    no page counts a whole big table (the chief's and the administrator's scope is the city)."""
    spec = ROUTES[route]
    marker = spec.marker(world)  # may create the object it names: before the requests
    url = spec.url(world)
    wrong = []
    for persona in PERSONAS:
        expected = spec.expect(persona)
        with CaptureQueriesContext(connection) as ctx:
            response = as_user(persona).get(url)
        got = _outcome(response, marker)
        wrong += [f"{persona}: unfiltered count: {sql}" for sql in unbounded_counts(ctx.captured_queries)]
        if expected == "redirect" and got == "login":
            got = "redirect"
        if got != expected:
            wrong.append(f"{persona}: expected {expected}, got {got}")
    assert not wrong, f"{route} {url}\n" + "\n".join(wrong)
