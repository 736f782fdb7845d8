"""``make bench``: time the requests people make, through Django's whole request path, and the
work done in the background, against whatever data the database holds (the city:
``seed_demo --scale city`` on PostgreSQL).

Each request is made ``repeat`` times after a warm-up, as the user who makes it, inside a
transaction that is rolled back (a scan records a visit, a submit writes a declaration: the
data stays as it was). For each: p50 and p95 in ms, the query count of one request, and the
rows of its main table (PostgreSQL's estimate). Beside them the floor (a trivial view through
the same middleware) and the naive alternative (the Django admin's changelist of the same table
at the same depth), with the ratios. The background work (notices, label sheets, the monthly
KPI aggregation, a worker's memory) is in ``kpi.bench_background``.

Every figure is checked against its target in :data:`TARGETS` (the issue's numbers) and printed
with ``ok`` or ``MISS``. Results go to ``bench/results.json`` (not committed): a list of entries,
one per figure, each carrying the machine (CPU, cores) and the date, so that runs compare.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

RESULTS = Path(settings.BASE_DIR) / "bench" / "results.json"


@dataclass(frozen=True)
class Target:
    """A figure of an entry (``p95_ms``, ``queries`` or ``value``) against a limit: at most, or
    at least (throughputs, ratios)."""

    field: str
    limit: float
    at_least: bool = False

    def met(self, entry: dict) -> bool | None:
        figure = entry.get(self.field)
        if figure is None:
            return None
        return figure >= self.limit if self.at_least else figure <= self.limit

    def text(self, unit: str = "") -> str:
        sign = "≥" if self.at_least else "≤"
        limit = f"{self.limit:g}"
        if self.field == "p95_ms":
            return f"p95 {sign} {limit} ms"
        if self.field == "queries":
            return f"{sign} {limit} queries"
        return f"{sign} {limit} {unit}".rstrip()


def _ms(limit: float) -> tuple[Target, ...]:
    return (Target("p95_ms", limit),)


# The targets, one table: requests (p95 on the city data), the lists against the admin,
# the background work and the memory of a worker rendering notices.
TARGETS: dict[str, tuple[Target, ...]] = {
    "qr_scan": (Target("p95_ms", 30), Target("queries", 8)),
    "search_id": _ms(20),
    "search_name": _ms(100),
    "list_first": _ms(100),
    "list_deep": _ms(100),
    "list_houses": _ms(100),
    "list_declarations": _ms(100),
    "list_hazards": _ms(100),
    "list_disputes": _ms(100),
    "list_events": _ms(100),
    "ledger_four_colour": _ms(60),
    "kpi_chief": _ms(150),
    "heat_cells": _ms(300),
    "declaration_submit": _ms(80),
    "ratio_list_first_vs_admin": (Target("value", 20, at_least=True),),
    "ratio_list_deep_vs_admin": (Target("value", 20, at_least=True),),
    "notices_per_s": (Target("value", 100, at_least=True),),
    "notices_2_photos_per_s": (Target("value", 30, at_least=True),),
    "label_sheet_1000_s": (Target("value", 20),),
    "kpi_month_s": (Target("value", 120),),
    "peak_rss_worker_mb": (Target("value", 300),),
}


def check(entry: dict) -> dict:
    """Add the entry's targets (``target`` for its main figure, ``target_<field>`` for others)
    and ``ok`` (None: no target, or no figure)."""
    targets = TARGETS.get(entry["name"], ())
    main = "p95_ms" if "p95_ms" in entry else "value"
    verdicts = []
    for t in targets:
        entry["target" if t.field == main else f"target_{t.field}"] = t.limit
        verdicts.append(t.met(entry))
    entry["ok"] = None if not targets or None in verdicts else all(verdicts)
    return entry


def target_text(entry: dict) -> str:
    return ", ".join(t.text(entry.get("unit", "")) for t in TARGETS.get(entry["name"], ()))


def verdict(entry: dict) -> str:
    if entry.get("skipped"):
        return "skip"
    return {True: "ok", False: "MISS", None: ""}[entry.get("ok")]


REQUEST_HEADER = f"  {'name':<26} {'p50 ms':>9} {'p95 ms':>9} {'queries':>7} {'rows':>11}  {'target':<28} ok"
VALUE_HEADER = f"  {'name':<26} {'value':>12} {'unit':<10} {'target':<22} {'ok':<4}  detail"


def request_line(entry: dict) -> str:
    rows = "" if entry["rows_in_table"] is None else f"{entry['rows_in_table']:,}"
    return (f"  {entry['name']:<26} {entry['p50_ms']:>9.1f} {entry['p95_ms']:>9.1f} {entry['queries']:>7} "
            f"{rows:>11}  {target_text(entry):<28} {verdict(entry)}").rstrip()  # fmt: skip


DETAIL_SKIP = {"name", "value", "unit", "target", "ok", "skipped", "cpu", "cores", "python", "database", "date"}


def value_line(entry: dict) -> str:
    value = entry.get("value")
    shown = "—" if value is None else f"{value:,}"
    detail = entry.get("skipped") or ", ".join(
        f"{k} {v:,}" if isinstance(v, int | float) else f"{k} {v}"
        for k, v in entry.items()
        if k not in DETAIL_SKIP and not k.startswith("target")
    )
    return (f"  {entry['name']:<26} {shown:>12} {entry.get('unit', ''):<10} {target_text(entry):<22} "
            f"{verdict(entry):<4}  {detail}").rstrip()  # fmt: skip


@dataclass
class Measure:
    name: str
    user: str | None  # username; None: anonymous
    url: Callable[[], str]
    table: str = ""
    method: str = "get"
    data: Callable[[], dict] | None = None
    content_type: str | None = None
    expect: int = 200


def rows_in(table: str) -> int | None:
    if not table:
        return None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            row = cursor.fetchone()
            if row and row[0] and row[0] > 0:
                return int(row[0])
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (a table name from this file)
        return cursor.fetchone()[0]


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _second_factor(client: Client, user) -> None:
    """Police staff's sessions count as verified by a code, as in production after typing one (the
    device lookup django-otp then makes is part of every measured request)."""
    from accounts import otp

    if otp.needs_second_factor(user):
        otp.mark_verified(client.session, user, name="bench")


class Runner:
    def __init__(self, *, repeat: int = 50, warmup: int = 3, out=print):
        self.repeat, self.warmup, self.out = repeat, warmup, out
        self.clients: dict[str | None, Client] = {}

    def client(self, username: str | None) -> Client:
        if username not in self.clients:
            from accounts.models import User

            hosts = [h for h in settings.ALLOWED_HOSTS if h and h[0] not in ".*"] or ["localhost"]
            c = Client(HTTP_HOST=hosts[0])
            if username is not None:
                user = User.objects.get(username=username)
                c.force_login(user)
                _second_factor(c, user)
            self.clients[username] = c
        return self.clients[username]

    def _once(self, m: Measure):
        c = self.client(m.user)
        url = m.url()
        kwargs = {}
        if m.data is not None:
            kwargs["data"] = m.data()
        if m.content_type:
            kwargs["content_type"] = m.content_type
        with transaction.atomic():
            response = getattr(c, m.method)(url, secure=True, **kwargs)  # as behind the HTTPS proxy
            transaction.set_rollback(True)
        if response.status_code != m.expect:
            raise RuntimeError(f"{m.name}: {url} answered {response.status_code}, not {m.expect}")
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        return response

    def run(self, m: Measure) -> dict:
        for _ in range(self.warmup):
            self._once(m)
        with CaptureQueriesContext(connection) as ctx:
            self._once(m)
        queries = len(
            [q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]
        )
        times = []
        for _ in range(self.repeat):
            t0 = time.perf_counter()
            self._once(m)
            times.append((time.perf_counter() - t0) * 1000)
        result = check(
            {
                "name": m.name,
                "p50_ms": round(statistics.median(times), 2),
                "p95_ms": round(_percentile(times, 95), 2),
                "queries": queries,
                "rows_in_table": rows_in(m.table),
            }
        )
        self.out(request_line(result))
        return result


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "database": connection.vendor,
        "date": timezone.now().isoformat(timespec="seconds"),
    }


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write(entries: list[dict], path: Path = RESULTS) -> Path:
    """The entries as a JSON list, each with the machine and the date."""
    here = machine()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([{**e, **here} for e in entries], ensure_ascii=False, indent=2))
    return path


def ratio(results: list[dict], a: str, b: str) -> float | None:
    """How many times faster ``a`` is than ``b`` (their p95)."""
    by = {r["name"]: r for r in results}
    if a in by and b in by and by[a]["p95_ms"]:
        return round(by[b]["p95_ms"] / by[a]["p95_ms"], 1)
    return None


def ratio_entry(results: list[dict], name: str, a: str, b: str) -> dict:
    return check({"name": name, "value": ratio(results, a, b), "unit": "×", "of": f"{b} / {a} (p95)"})


def memory_entry() -> dict:
    return {"name": "peak_rss_bench_mb", "value": peak_rss_mb(), "unit": "MB", "of": "this process"}


def url(name: str, *args, query: str = "") -> Callable[[], str]:
    return lambda: reverse(name, args=args) + (f"?{query}" if query else "")
