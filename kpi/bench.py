"""``make bench``: time the requests people make, through Django's whole request path, against
whatever data the database holds (the city: ``seed_demo --scale city`` on PostgreSQL).

Each request is made ``repeat`` times after a warm-up, as the user who makes it, inside a
transaction that is rolled back (a scan records a visit, a submit writes a declaration: the
data stays as it was). For each: p50 and p95 in ms, the query count of one request, and the
rows of its main table (PostgreSQL's estimate). Beside them the floor (a trivial view through
the same middleware) and the naive alternative (the Django admin's changelist of the same table
at the same depth), with the ratios. Results go to ``bench/results.json`` (not committed).
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
                c.force_login(User.objects.get(username=username))
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
            response = getattr(c, m.method)(url, **kwargs)
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
        result = {
            "name": m.name,
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(_percentile(times, 95), 2),
            "queries": queries,
            "rows_in_table": rows_in(m.table),
        }
        self.out(f"  {m.name:<26} p50 {result['p50_ms']:>8.1f} ms   p95 {result['p95_ms']:>8.1f} ms   "
                 f"{queries:>3} queries   {result['rows_in_table'] or '':>10}")  # fmt: skip
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


def write(results: list[dict], extra: dict) -> Path:
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": machine(), "results": results, **extra}, ensure_ascii=False, indent=2))
    return RESULTS


def ratio(results: list[dict], a: str, b: str) -> float | None:
    by = {r["name"]: r for r in results}
    if a in by and b in by and by[a]["p95_ms"]:
        return round(by[b]["p95_ms"] / by[a]["p95_ms"], 1)
    return None


def url(name: str, *args, query: str = "") -> Callable[[], str]:
    return lambda: reverse(name, args=args) + (f"?{query}" if query else "")
