"""Schemathesis over the whole OpenAPI schema, as each persona.

The schema drf-spectacular generates is loaded in-process and every operation in it is
called through the Django WSGI application with a persona's API token: a handful of
generated requests per operation (valid ones and ones the schema forbids), and the same
again with the path ``{id}`` of an object that exists in the world. Checks: no 5xx, every
documented response matches its schema, a status the operation does not document is a
client error, and every 4xx carries a JSON body.

Bounded for CI: a fixed number of examples, derandomized, no shrinking, no example
database. Each request runs in a savepoint that is rolled back, so writes (POST, PATCH) go
through the real code path but every request sees the same world.
"""

import importlib
import os
import re
import traceback
from pathlib import Path
from urllib.parse import urlsplit

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from config.api_urls import router

PERSONAS = [
    "officer_a", "volunteer", "chief", "admin", "other_station_officer", "landlord", "mediator", "anonymous",
]  # fmt: skip

# Per operation and persona; twice that where ``{id}`` can name a real object. A longer hunt:
# FQ_SCHEMA_EXAMPLES=200 pytest tests/security/test_api_schema.py
EXAMPLES = int(os.environ.get("FQ_SCHEMA_EXAMPLES", "5"))
CLIENT_ERRORS = {400, 401, 403, 404, 405, 409, 413, 415, 429}

_schema = None


def api_schema():
    """The schema as drf-spectacular serves it, built once per test session."""
    global _schema
    if _schema is None:
        from drf_spectacular.generators import SchemaGenerator

        raw = SchemaGenerator().get_schema(request=None, public=True)
        # Credentials are the persona's, not generated: a random Authorization header would
        # only test the anonymous persona again.
        config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
        _schema = schemathesis.openapi.from_dict(raw, config=config)
    return _schema


@schemathesis.check
def undocumented_status_is_a_client_error(ctx, response, case):
    documented = {int(code) for code in case.operation.responses.status_codes if code.isdigit()}
    if response.status_code not in documented and response.status_code not in CLIENT_ERRORS:
        raise AssertionError(f"{response.status_code} is neither documented ({sorted(documented)}) nor a 4xx")


@schemathesis.check
def client_error_is_json(ctx, response, case):
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), f"{response.status_code} with {content_type!r}"


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    undocumented_status_is_a_client_error,
    client_error_is_json,
]


@pytest.fixture
def wsgi_app(settings):
    """Django's WSGI handler, kept on the test's connection.

    Django's own test client does the same: ``close_old_connections`` on every request would
    close the connection inside the test's transaction.
    """
    settings.ALLOWED_HOSTS = ["localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def server_errors():
    """Tracebacks of exceptions the views raised, to show with a 500."""
    seen = []

    def record(sender, request, **kwargs):
        seen.append(traceback.format_exc())

    got_request_exception.connect(record, weak=False)
    yield seen
    got_request_exception.disconnect(record)


def seed_objects(world) -> dict[str, list[str]]:
    """Create one object behind every API route and return their ids by schema path.

    The scope matrix (tests/routes_*.py) already knows how to make the object each API route
    shows; its URLs, matched against the schema's paths, give ``{id}`` values that name real
    objects, so detail views, actions and response schemas are exercised on real rows.
    """
    basenames = tuple(f"{basename}-" for _, _, basename in router.registry)
    templates = {
        path: re.compile("^" + re.escape(path).replace(re.escape("{id}"), r"(?P<id>\d+)") + "$")
        for path in api_schema().raw_schema["paths"]
        if "{id}" in path
    }
    ids = {path: set() for path in templates}
    for module_path in sorted(Path(__file__).parent.parent.glob("routes_*.py")):
        module = importlib.import_module(f"tests.{module_path.stem}")
        for name, route in module.ROUTES.items():
            if not name.startswith(basenames):
                continue
            url = urlsplit(route.url(world)).path
            for path, pattern in templates.items():
                if match := pattern.match(url):
                    ids[path].add(match["id"])
    # Objects of the world itself (grids, buildings, houses, persons) of other scopes too.
    ids["/api/v1/grid/buildings/{id}/"] |= {str(b.pk) for bs in world.buildings.values() for b in bs}
    ids["/api/v1/residents/houses/{id}/"] |= {str(h.pk) for hs in world.houses.values() for h in hs}
    ids["/api/v1/residents/persons/{id}/"] |= {str(p.pk) for p in world.persons.values()}
    return {path: sorted(found, key=int) for path, found in ids.items() if found}


def strategy_for(operation, ids: list[str]):
    """Requests the schema allows and requests it forbids; on a real object when there is one.

    A forbidden request needs something to break: an operation with no parameters and no body
    has only allowed ones, and one whose ``{id}`` is pinned to a real object only when it has
    a query or a body (asking for the impossible costs Hypothesis rejected draws).
    """
    others = len(operation.query) + len(operation.headers) + len(operation.body)
    modes = list(GenerationMode) if others or len(operation.path_parameters) else [GenerationMode.POSITIVE]
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    if ids:
        strategies += [
            st.sampled_from(ids).flatmap(
                lambda pk, mode=mode: operation.as_strategy(generation_mode=mode, path_parameters={"id": int(pk)})
            )
            for mode in (list(GenerationMode) if others else [GenerationMode.POSITIVE])
        ]
    return st.one_of(strategies)


BEYOND_BIGINT = 2**63
# Schemathesis reports failed checks as a BaseExceptionGroup, which `except Exception` misses.
FAILURES = (Exception, BaseExceptionGroup)


def _resolve(raw: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = raw["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _hostile(schema: dict, raw: dict, odd: bool = False):
    """The value a database or a JSON encoder chokes on for a field of this type, or None.

    ``odd``: the second set, non-ASCII digits ("²".isdigit() is true, int("²") fails) and
    infinity.
    """
    schema = _resolve(raw, schema)
    kind = schema.get("type")
    if kind == "string":
        return "a\x00b"  # PostgreSQL refuses NUL in text
    if kind == "integer":
        return "²" if odd else BEYOND_BIGINT  # past bigint: SQLite overflows
    if kind == "number":
        return "Infinity" if odd else "NaN"  # float() takes both; JSON can carry neither back
    if kind == "array":
        item = _hostile(schema.get("items", {}), raw, odd)
        return None if item is None else [item]
    return None


def edge_cases(operation, ids: list[str]):
    """Hand-written requests generation may miss: the classic 500s on PostgreSQL.

    An ``{id}`` beyond bigint; in the query and in the JSON body, NUL bytes in every string,
    integers beyond bigint (or "²") and "NaN" (or "Infinity") for every number, on a real
    object when there is one.
    """
    raw = operation.schema.raw_schema
    definition = raw["paths"][operation.path][operation.method.lower()]
    real_id = {"id": int(ids[0])} if ids else {"id": 1} if "{id}" in operation.path else {}
    if "{id}" in operation.path:
        yield "id beyond bigint", operation.Case(path_parameters={"id": BEYOND_BIGINT})
    for odd in (False, True):
        query = {}
        for parameter in definition.get("parameters", []):
            if parameter["in"] == "query" and (value := _hostile(parameter.get("schema", {}), raw, odd)) is not None:
                query[parameter["name"]] = value
        if query:
            yield f"hostile query {query}", operation.Case(path_parameters=real_id, query=query)
    content = definition.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return
    fields = _resolve(raw, content["application/json"]["schema"]).get("properties", {})
    for odd in (False, True):
        body = {name: value for name, field in fields.items() if (value := _hostile(field, raw, odd)) is not None}
        if body:
            yield (
                f"hostile body {body}",
                operation.Case(path_parameters=real_id, body=body, media_type="application/json"),
            )


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_operation_conforms_to_the_schema(persona, world, wsgi_app, server_errors):
    schema = api_schema()
    headers = {}
    if persona != "anonymous":
        token, _ = Token.objects.get_or_create(user=world.users[persona])
        headers["Authorization"] = f"Token {token.key}"
    ids = seed_objects(world)
    failures = []

    def send(case):
        """One request in a savepoint rolled back afterwards; a failure carries the view's traceback."""
        server_errors.clear()
        with transaction.atomic():
            response = case.call(app=wsgi_app, headers=headers)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FAILURES as exc:
                if server_errors:
                    exc.add_note(server_errors[-1])
                raise
            transaction.set_rollback(True)

    def failed(label, exc):
        notes = "\n".join(getattr(exc, "__notes__", []))
        failures.append(f"{persona} {label}:\n{exc}\n{notes}")

    for result in schema.get_all_operations():
        operation = result.ok()
        real = ids.get(operation.path, [])

        for what, case in edge_cases(operation, real):
            try:
                send(case)
            except FAILURES as exc:
                failed(f"{operation.label} ({what})", exc)

        @hypothesis.settings(
            max_examples=EXAMPLES * (2 if real else 1),
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy_for(operation, real))
        def run(case):
            send(case)

        try:
            run()
        except FAILURES as exc:
            failed(operation.label, exc)

    assert not failures, f"{len(failures)} operation(s) failed as {persona}:\n\n" + "\n\n".join(failures)


def test_an_api_url_no_route_matches_is_a_json_404(world, as_user):
    # An id that is not a number misses the router's patterns: still JSON, not the HTML page.
    for url in ("/api/v1/grid/buildings/1.5e-49/", "/api/v1/no-such-thing/"):
        response = as_user("officer_a").get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到。"}
    assert "text/html" in as_user("officer_a").get("/no-such-page/")["Content-Type"]
