"""The permission matrix: every route × every persona, and a walk of the URLconf that fails
on a route no ``tests/routes_*.py`` module covers. See tests/scope.py for the outcomes."""

import importlib
import json
from pathlib import Path

import pytest
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


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("persona", PERSONAS)
def test_route_answers_each_persona_as_its_scope_allows(route, persona, world, as_user):
    spec = ROUTES[route]
    expected = spec.expect(persona)
    response = as_user(persona).get(spec.url(world))
    marker = spec.marker(world)
    body = response.content.decode() if response.status_code == 200 else ""
    if response.get("Content-Type", "").startswith("application/json"):
        body = json.dumps(response.json(), ensure_ascii=False)
    if expected == "ok":
        assert response.status_code == 200, response.status_code
        if marker:
            assert marker in body
    elif expected == "hidden":
        assert response.status_code == 200, response.status_code
        assert marker not in body
    elif expected == "404":
        assert response.status_code == 404
    elif expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif expected == "redirect":
        assert response.status_code == 302
    elif expected == "401":
        assert response.status_code == 401
    elif expected == "method_not_allowed":
        assert response.status_code == 405
    else:  # pragma: no cover
        raise AssertionError(expected)
