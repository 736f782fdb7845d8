"""``make load``: the load test of issue 8 — the highest rate this machine sustains for 5 minutes with
p95 ≤ 200 ms and no errors, and the peak resident memory of a gunicorn worker meanwhile.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fengqiao_city REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python scripts/load/run.py --steps 100,200,300,400,500 --confirm-seconds 300

1. Writes the fixture the locust users read (``bench/load/fixture.json``: accounts, door-plate tokens,
   search terms, buildings), from the database, so locust itself never touches it. The city's users
   (``seed_demo --scale city``) are taken when present, else the demo's (``--accounts-from``).
2. Collects the static files if needed and starts gunicorn as the Dockerfile does (3 sync workers;
   ``--workers``, ``--worker-class gthread``) with production settings (``DEBUG=0``, a fresh
   ``SECRET_KEY``, the field keys the data was written with) on 127.0.0.1 and a free port. Nothing in
   the settings is relaxed: the client says ``X-Forwarded-Proto: https`` as the deployment's nginx does
   (see ``locustfile.py``). Big tables without planner statistics are named (``--analyze`` fixes them).
3. Runs locust headless once per step of offered rate (each bounded in time and in requests), until a
   step fails (p95 over the limit, any failure or server error, or less than ``--min-achieved`` of the
   offered rate achieved); then holds the best passing rate for ``--confirm-seconds`` (a lower one if
   it fails).
4. Samples the resident memory of every gunicorn worker each second (``/proc``).
5. Prints the table, writes ``bench/load.json`` (and locust's CSV files and the server logs under
   ``bench/load/``) and stops gunicorn — also on Ctrl-C or an error.

Each step writes: every landlord declaration and volunteer report is a real row, and every officer's
door-plate scan records a visit. Run it on a benchmark database, never on live data.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
LOOPBACK = {"127.0.0.1", "localhost"}
# gunicorn's default access line and the time the request took in the server, in ms
ACCESS_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)s'
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def say(*args):
    print(*args, flush=True)


# --- the fixture ----------------------------------------------------------------------------------------


def build_fixture(path: Path, *, per_role: int, source: str, analyze: bool = False, seed: int = 8) -> dict:
    """Accounts of the three roles with what each may touch, read through the scope mechanism.

    Returns what the server needs to read that data: the field keys it was written with and the
    demo password (``DEMO_PASSWORD``) the seed gave every account.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import check_password, is_password_usable
    from django.db import connection, connections

    from accounts.models import Role, User
    from grid.models import Building, GridMember, MemberStatus, PoliceGrid
    from lib import crypto
    from rentals.models import RentalDeclaration
    from residents.models import House, Person

    if connection.vendor != "postgresql":
        raise SystemExit("DATABASE_URL must point at PostgreSQL.")
    stale = unanalyzed(connection)
    if stale and analyze:
        say(f"ANALYZE {', '.join(stale)} …")
        with connection.cursor() as cursor:
            for table in stale:
                cursor.execute(f'ANALYZE "{table}"')  # a name from pg_stat_user_tables
        stale = unanalyzed(connection)
    rng = random.Random(seed)
    known: dict[str, bool] = {}

    def can_log_in(encoded: str, tries: list[int]) -> bool:
        """The account's password is DEMO_PASSWORD, checked once per distinct hash (the city's accounts share
        one; PBKDF2 costs half a second): a wrong one would count towards the django-axes lockout."""
        if encoded not in known:
            if tries[0] <= 0 or not is_password_usable(encoded):
                return False
            tries[0] -= 1
            known[encoded] = check_password(settings.DEMO_PASSWORD, encoded)
        return known[encoded]

    if source == "auto":
        source = "city" if User.objects.filter(username__startswith="city-officer-").exists() else "demo"

    def ours(qs, field):
        city = qs.filter(**{f"{field}__istartswith": "city-"})  # city-officer-01-01, CITY-S01-P01-G01
        return city if source == "city" else qs.exclude(pk__in=city.values("pk"))

    officers, tries = [], [8]
    grids = ours(PoliceGrid.objects.exclude(officer=None).filter(officer__is_active=True), "officer__username")
    for pg in grids.select_related("officer").order_by("code")[:per_role]:
        user = pg.officer
        if not can_log_in(user.password, tries):
            continue
        # A random sample of the scope (a police grid: some thousands of rows, sorted in a few ms).
        tokens = list(House.objects.visible_to(user).exclude(qr_token="").order_by("?").values_list("qr_token")[:20])
        people = list(
            Person.objects.visible_to(user)
            .exclude(id_number_enc="")
            .order_by("?")
            .values_list("name", "id_number_enc")[:10]
        )
        if not tokens or not people:
            continue
        officers.append(
            {
                "username": user.username,
                "scan": [t for (t,) in tokens],
                "names": sorted({name[:2] for name, _ in people}),
                "ids": [crypto.decrypt(enc) for _, enc in people],
            }
        )

    houses_of: dict[str, list[str]] = {}
    tries = [8]
    landlords = ours(User.objects.filter(role=Role.LANDLORD, is_active=True), "username")
    landlords = landlords.filter(
        username__in=[u for u, pw in landlords.order_by("username").values_list("username", "password")[: per_role * 2]
                      if can_log_in(pw, tries)]
    )  # fmt: skip
    for username, token in (
        RentalDeclaration.objects.filter(landlord__in=landlords)
        .order_by()
        .values_list("landlord__username", "house__qr_token")[: per_role * 40]
    ):
        if token and token not in houses_of.setdefault(username, []) and len(houses_of[username]) < 5:
            houses_of[username].append(token)
    if len(houses_of) < per_role:  # landlords who never declared take any of the area's houses
        spare = list(ours(House.objects.exclude(qr_token=""), "grid__code").values_list("qr_token", flat=True)[:200])
        spare = [t for t in spare if t] or list(House.objects.values_list("qr_token", flat=True)[:200])
        for username in landlords.order_by("username").values_list("username", flat=True)[:per_role]:
            if username not in houses_of and spare:
                houses_of[username] = rng.sample(spare, min(5, len(spare)))
    landlord_rows = [{"username": u, "houses": h} for u, h in sorted(houses_of.items()) if h][:per_role]

    volunteers, tries = [], [8]
    members = ours(
        GridMember.objects.filter(status=MemberStatus.ACTIVE, user__is_active=True, user__role=Role.VOLUNTEER),
        "user__username",
    )
    ids = list(members.order_by("id").values_list("user_id", flat=True)[:per_role])
    for user in User.objects.filter(pk__in=ids).order_by("username"):
        if not can_log_in(user.password, tries):
            continue
        buildings = list(Building.objects.visible_to(user).order_by("?").values_list("id", flat=True)[:5])
        if buildings:
            volunteers.append({"username": user.username, "buildings": buildings})

    fixture = {
        "source": source,
        "database": connection.settings_dict["NAME"],
        "officers": officers,
        "landlords": landlord_rows,
        "volunteers": volunteers,
    }
    for role in ("officers", "landlords", "volunteers"):
        if not fixture[role]:
            raise SystemExit(f"No {role} to load with in {fixture['database']} ({source}): seed it first.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(fixture, ensure_ascii=False, indent=1), encoding="utf-8")
    server = {
        "FIELD_ENCRYPTION_KEY": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "FIELD_HASH_KEY": settings.FIELD_HASH_KEY,
        "STATIC_ROOT": str(settings.STATIC_ROOT),
        "password": settings.DEMO_PASSWORD,
    }
    connections.close_all()
    return {"counts": {r: len(fixture[r]) for r in ("officers", "landlords", "volunteers")}, "source": source,
            "database": fixture["database"], "server": server, "unanalyzed": stale}  # fmt: skip


def unanalyzed(connection) -> list[str]:
    """Big tables PostgreSQL has no statistics for (never analyzed, by hand or by autovacuum): their plans
    are guesses, and a load test on them measures the guesses."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE n_live_tup > 10000 AND last_analyze IS NULL "
            "AND last_autoanalyze IS NULL ORDER BY n_live_tup DESC"
        )
        return [row[0] for row in cursor.fetchall()]


# --- the server ------------------------------------------------------------------------------------------


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def newest_mtime(*roots: Path) -> float:
    newest = 0.0
    for root in roots:
        if root.is_file():
            newest = max(newest, root.stat().st_mtime)
        elif root.is_dir():
            for p in root.rglob("*"):
                if p.is_file():
                    newest = max(newest, p.stat().st_mtime)
    return newest


def collectstatic_if_needed(env: dict, static_root: Path) -> None:
    """``DEBUG=0`` serves hashed names from WhiteNoise's manifest: (re)collect when it is missing or older
    than the sources."""
    manifest = static_root / "staticfiles.json"
    sources = newest_mtime(BASE_DIR / "static", BASE_DIR / "requirements.txt")
    if manifest.exists() and manifest.stat().st_mtime >= sources:
        return
    say("collectstatic (DEBUG=0, manifest storage) …")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=BASE_DIR, env=env,
                   check=True)  # fmt: skip


class Server:
    """gunicorn on loopback, in its own process group so that it is stopped whole, and only it."""

    def __init__(self, *, host, port, env, workers, worker_class, threads, logs: Path):
        self.base = f"http://{host}:{port}"
        self.logs = logs
        self.access_log = logs / "access.log"
        self.error_log = logs / "gunicorn.log"
        for f in (self.access_log, self.error_log):
            f.unlink(missing_ok=True)
        # As the Dockerfile runs it, but on loopback, with the access log in a file and without the control
        # socket (its default path in $HOME would be shared with any other gunicorn on the machine).
        cmd = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"{host}:{port}",
               "--workers", str(workers), "--worker-class", worker_class, "--timeout", "60",
               "--graceful-timeout", "10", "--access-logfile", str(self.access_log),
               "--access-logformat", ACCESS_FORMAT, "--no-control-socket"]  # fmt: skip
        if worker_class == "gthread":
            cmd += ["--threads", str(threads)]
        self._log = open(self.error_log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(  # noqa: S603 - our own command line
            cmd, cwd=BASE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        request = urllib.request.Request(self.base + "/healthz", headers={"X-Forwarded-Proto": "https"})  # noqa: S310
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.proc.returncode}):\n{tail(self.error_log)}")
            with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=5) as r:  # noqa: S310
                if r.status == 200:
                    return
            time.sleep(0.5)
        raise SystemExit(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{tail(self.error_log)}")

    def workers(self) -> list[int]:
        return children(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)  # graceful: workers finish their request
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- /proc: workers, memory, CPU ------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def status_kb(pid: int, key: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    return 0.0


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


class Sampler(threading.Thread):
    """Every second: the resident memory of each gunicorn worker, and the CPU time of gunicorn, of the load
    generator and of the machine. ``window()`` gives the memory peak since the last call, ``cpu(since,
    until)`` the CPU used between two times; ``workers_seen`` counts distinct worker pids (a restart shows
    as more than --workers)."""

    def __init__(self, server: Server):
        super().__init__(daemon=True)
        self.server = server
        self.halt = threading.Event()
        self.lock = threading.Lock()
        self.peak_kb = 0
        self.window_kb = 0
        self.hwm_kb = 0
        self.workers_seen: set[int] = set()
        self.loadgen: int | None = None  # the running locust's pid
        self.cpu_samples: list[tuple[float, float, float, int, int]] = []  # time, gunicorn, locust, busy, total

    def run(self):
        while not self.halt.wait(1.0):
            self.sample()

    def sample(self):
        pids = self.server.workers()
        app = sum(cpu_seconds(pid) for pid in [self.server.proc.pid, *pids])
        loadgen = cpu_seconds(self.loadgen) if self.loadgen else 0.0
        busy, total = machine_cpu()
        with self.lock:
            self.cpu_samples.append((time.time(), app, loadgen, busy, total))
            self.workers_seen.update(pids)
            for pid in pids:
                rss = status_kb(pid, "VmRSS")
                self.window_kb = max(self.window_kb, rss)
                self.peak_kb = max(self.peak_kb, rss)
                self.hwm_kb = max(self.hwm_kb, status_kb(pid, "VmHWM"))  # the kernel's own peak, between samples

    def window(self) -> float:
        with self.lock:
            kb, self.window_kb = self.window_kb, 0
        return round(kb / 1024, 1)

    def cpu(self, since: float, until: float) -> dict | None:
        """Shares of one core used by gunicorn and by locust, and of the whole machine busy, between the
        first sample at or after ``since`` and the last at or before ``until``."""
        with self.lock:
            inside = [x for x in self.cpu_samples if since <= x[0] <= until]
        if len(inside) < 2:
            return None
        (t0, app0, gen0, busy0, total0), (t1, app1, gen1, busy1, total1) = inside[0], inside[-1]
        seconds = t1 - t0
        return {
            "seconds": seconds,
            "app_cpu_s": app1 - app0,
            "app_pct": round(100 * (app1 - app0) / seconds, 1),
            "loadgen_pct": round(100 * (gen1 - gen0) / seconds, 1) if gen0 and gen1 else None,
            "machine_busy_pct": round(100 * (busy1 - busy0) / max(1, total1 - total0), 1),
        }


# --- one step --------------------------------------------------------------------------------------------


ACCESS_LINE = re.compile(r'"([A-Z]+) (\S+) [^"]*" (\d{3}) .* (\d+)$')
RESIDENT_ID = re.compile(r"^\d{17}[\dXx]$")
LOGGED_AT = re.compile(r"\[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\]")


def logged_at(line: str) -> float:
    m = LOGGED_AT.search(line)
    return dt.datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S %z").timestamp() if m else 0.0


def pattern(method: str, target: str) -> str:
    """``GET /q/<token>/``, ``GET /residents/persons/?q=<id>``: one line per kind of request."""
    path, _, query = target.partition("?")
    path = re.sub(r"^/q/[A-Za-z0-9_-]{16,43}/", "/q/<token>/", path)
    path = re.sub(r"/\d+/", "/<n>/", path)
    keys = []
    for part in query.split("&") if query else []:
        key, _, value = part.partition("=")
        if key == "q":
            keys.append("q=<id>" if RESIDENT_ID.match(urllib.parse.unquote(value)) else "q=<text>")
        elif key:
            keys.append(key)
    return f"{method} {path}" + ("?" + "&".join(sorted(keys)) if keys else "")


def server_log(server: Server, access_from: int, error_from: int, window: tuple[float, float]) -> dict:
    """From the server's logs since the offsets: 5xx answers, tracebacks and worker timeouts; and within the
    measured window, its own time per kind of request (the access log's last field, in ms: no client, no
    network)."""
    out = {"5xx": 0, "5xx_paths": {}, "tracebacks": 0, "worker_timeouts": 0, "first_traceback": ""}
    times: dict[str, list[int]] = {}
    with contextlib.suppress(OSError), open(server.access_log, "rb") as f:
        f.seek(access_from)
        for line in f.read().decode(errors="replace").splitlines():
            m = ACCESS_LINE.search(line)
            if not m:
                continue
            kind = pattern(m.group(1), m.group(2))
            if window[0] <= logged_at(line) <= window[1]:
                times.setdefault(kind, []).append(int(m.group(4)))
            if m.group(3).startswith("5"):
                out["5xx"] += 1
                out["5xx_paths"][kind] = out["5xx_paths"].get(kind, 0) + 1
    out["server_ms"] = {
        kind: {"requests": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95), "mean": round(sum(v) / len(v))}
        for kind, v in sorted(times.items(), key=lambda kv: -sum(kv[1]))
    }
    with contextlib.suppress(OSError), open(server.error_log, "rb") as f:
        f.seek(error_from)
        text = f.read().decode(errors="replace")
        out["tracebacks"] = text.count("Traceback (most recent call last)")
        out["worker_timeouts"] = text.count("WORKER TIMEOUT")
        if out["tracebacks"]:
            start = text.index("Traceback (most recent call last)")
            out["first_traceback"] = text[max(0, start - 300) : start + 3000]
    return out


def percentile(values: list[int], p: float) -> int:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def run_step(args, server: Server, sampler: Sampler, *, rate: float, seconds: int, label: str) -> dict:
    users = max(1, math.ceil(rate / args.user_rate))
    offered = users * args.user_rate
    ready_budget = 60 + users  # new users log in (PBKDF2, about half a CPU-second each)
    run_time = math.ceil(ready_budget + args.warmup_seconds + seconds)
    cap = math.ceil(offered * run_time * 1.2) + 1000
    prefix = args.logs / label
    summary_path = prefix.with_name(label + "_summary.json")
    summary_path.unlink(missing_ok=True)
    cmd = [str(Path(sys.executable).with_name("locust")), "-f", str(LOCUSTFILE), "--headless",
           "--host", server.base, "--users", str(users), "--spawn-rate", str(max(5, math.ceil(users / 5))),
           "--run-time", f"{run_time}s", "--stop-timeout", "5", "--csv", str(prefix), "--only-summary",
           "--loglevel", "WARNING", "--exit-code-on-error", "0",
           "--fixture", str(args.fixture), "--user-rate", str(args.user_rate), "--measure-seconds", str(seconds),
           "--warmup-seconds", str(args.warmup_seconds), "--max-requests", str(cap), "--summary", str(summary_path),
           "--sessions", str(args.logs / "sessions.json")]  # fmt: skip
    env = {**os.environ, "FQ_LOAD_PASSWORD": args.password}
    say(f"  {label}: {offered:g} req/s offered ({users} users × {args.user_rate:g}/s), {seconds} s measured …")
    access_from, error_from = size(server.access_log), size(server.error_log)
    sampler.window()
    interrupted = False
    with open(prefix.with_name(label + "_locust.log"), "wb") as out:
        proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        sampler.loadgen = proc.pid
        try:
            while proc.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the figures so far, then the caller stops
            interrupted = True
        finally:
            if proc.poll() is None:  # interrupted: locust stops on SIGTERM, writing its figures first
                with contextlib.suppress(ProcessLookupError):
                    proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            sampler.loadgen = None
    s = json.loads(summary_path.read_text()) if summary_path.exists() else {"ready": False}
    since, until = s.get("window") or (0.0, 0.0)
    errors = server_log(server, access_from, error_from, window=(since, until))
    server_ms = errors.pop("server_ms")
    cpu = sampler.cpu(since, until) or {}
    result = {
        "label": label,
        "offered_rps": round(offered, 1),
        "users": users,
        "seconds": seconds,
        "achieved_rps": s.get("achieved_rps", 0.0),
        "p50_ms": s.get("p50_ms"),
        "p95_ms": s.get("p95_ms"),
        "p99_ms": s.get("p99_ms"),
        "max_ms": s.get("max_ms"),
        "requests": s.get("requests", 0),
        "failures": s.get("failures", 0),
        "login_failures": s.get("login_failures", []),
        "logins": s.get("logins", 0),
        "measured_seconds": s.get("measured_seconds", 0),
        "cap_reached": s.get("cap_reached", False),
        "peak_worker_rss_mb": sampler.window(),
        # CPU within the measured window (100 % = one core): the machine, gunicorn (the app's own Python,
        # not PostgreSQL's) per request, locust
        "cpu_busy_pct": cpu.get("machine_busy_pct"),
        "server_cpu_pct": cpu.get("app_pct"),
        "server_cpu_ms_per_request": round(1000 * cpu["app_cpu_s"] / (s["achieved_rps"] * cpu["seconds"]), 1)
        if cpu and s.get("achieved_rps")
        else None,
        "loadgen_cpu_pct": cpu.get("loadgen_pct"),
        "server_errors": errors,
        "server_ms": server_ms,
        "by_name": s.get("by_name", {}),
        "errors": s.get("errors", []),
        "locust_exit": proc.returncode,
        "interrupted": interrupted,
    }
    why = []
    if interrupted:
        why.append("interrupted")
    if not s.get("ready"):
        why.append("not every user logged in in time" if summary_path.exists() else "locust wrote no figures")
    if result["failures"] or result["login_failures"]:
        why.append(f"{result['failures']} failures" + (", login failures" if result["login_failures"] else ""))
    if errors["5xx"] or errors["tracebacks"] or errors["worker_timeouts"]:
        why.append(f"server: {errors['5xx']} 5xx, {errors['tracebacks']} tracebacks, "
                   f"{errors['worker_timeouts']} worker timeouts")  # fmt: skip
    if result["p95_ms"] is None or result["p95_ms"] > args.p95_ms:
        why.append(f"p95 {result['p95_ms']} ms > {args.p95_ms} ms")
    if result["achieved_rps"] < args.min_achieved * offered:
        why.append(f"achieved {result['achieved_rps']} < {args.min_achieved:.0%} of offered")
    if result["cap_reached"]:
        why.append("request cap reached")
    result["passed"] = not why
    result["why"] = "; ".join(why)
    say("  " + row(result))
    if why:
        say(f"    failed: {result['why']}")
        for e in result["errors"][:5]:
            say(f"    {e['occurrences']}× {e['name']}: {e['error']}")
        if errors["first_traceback"]:
            say("    first server traceback:")
            for line in errors["first_traceback"].splitlines():
                say("      " + line)
    return result


HEADER = (f"{'step':<12} {'offered':>8} {'achieved':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'fail':>5} "
          f"{'worker RSS MB':>14} {'CPU %':>6} {'app CPU ms/req':>15} {'locust CPU %':>13}  verdict")  # fmt: skip


def row(r: dict) -> str:
    def n(v):
        return "—" if v is None else f"{v:g}"

    verdict = "stopped" if r.get("interrupted") else "pass" if r["passed"] else "FAIL"

    return (f"{r['label']:<12} {r['offered_rps']:>8g} {r['achieved_rps']:>9g} {n(r['p50_ms']):>7} {n(r['p95_ms']):>7} "
            f"{n(r['p99_ms']):>7} {r['failures']:>5} {r['peak_worker_rss_mb']:>14g} {r['cpu_busy_pct']:>6g} "
            f"{n(r.get('server_cpu_ms_per_request')):>15} {n(r['loadgen_cpu_pct']):>13}  {verdict}")  # fmt: skip


# --- main ------------------------------------------------------------------------------------------------


def parse(argv=None):
    cores = os.cpu_count() or 1
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--steps", default=os.environ.get("LOAD_STEPS", "100,200,300,400,500"),
                   help="offered rates in requests per second, comma-separated (LOAD_STEPS)")  # fmt: skip
    p.add_argument("--step-seconds", type=int, default=60, help="measured seconds of each step (default 60)")
    p.add_argument("--confirm-seconds", type=int, default=300,
                   help="hold the best passing rate this long (default 300; 0: skip)")  # fmt: skip
    p.add_argument("--warmup-seconds", type=float, default=5, help="after the logins, before measuring")
    p.add_argument("--user-rate", type=float, default=2.0, help="requests per second of one simulated user")
    p.add_argument("--p95-ms", type=float, default=200)
    p.add_argument("--min-achieved", type=float, default=0.95, help="share of the offered rate a step must achieve")
    p.add_argument("--host", default="127.0.0.1", help="loopback only: 127.0.0.1 or localhost")
    p.add_argument("--port", type=int, default=0, help="default: a free one")
    # The Dockerfile's 3: on 2 cores shared with PostgreSQL and locust, 5 sync workers (2 × cores + 1) or
    # 3 gthread workers × 4 threads did no better (the app is CPU-bound; more workers only queue on the CPU).
    p.add_argument(
        "--workers",
        type=int,
        default=2 * cores + 1,
        help=f"gunicorn workers (default 2 × cores + 1 = {2 * cores + 1}, as gunicorn.conf.py in production)",
    )
    p.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    p.add_argument("--threads", type=int, default=4, help="threads per worker with gthread")
    p.add_argument("--accounts", type=int, default=200, help="accounts per role in the fixture (default 200)")
    p.add_argument("--accounts-from", choices=("auto", "city", "demo"), default="auto",
                   help="whose accounts: seed_demo --scale city's, the demo's, or auto (city if present)")  # fmt: skip
    p.add_argument("--out", type=Path, default=BASE_DIR / "bench" / "load.json")
    p.add_argument("--logs", type=Path, default=BASE_DIR / "bench" / "load",
                   help="fixture, locust CSV files, server logs")  # fmt: skip
    p.add_argument("--fixture-only", action="store_true", help="write the fixture and stop")
    p.add_argument("--analyze", action="store_true",
                   help="first ANALYZE the big tables never analyzed (as when autovacuum is off)")  # fmt: skip
    args = p.parse_args(argv)
    if args.host not in LOOPBACK:
        p.error(f"--host {args.host!r}: loopback only (127.0.0.1 or localhost)")
    try:
        args.rates = [float(x) for x in str(args.steps).replace(" ", "").split(",") if x]
    except ValueError:
        p.error(f"--steps {args.steps!r}: comma-separated numbers")
    if not args.rates or min(args.rates) <= 0:
        p.error("--steps: at least one positive rate")
    args.fixture = args.logs / "fixture.json"
    return args


def check_services():
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
        raise SystemExit("DATABASE_URL must point at PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/fengqiao.")
    if not os.environ.get("REDIS_URL", "").startswith(("redis://", "rediss://", "unix://")):
        raise SystemExit("REDIS_URL must point at Redis, e.g. redis://127.0.0.1:6379/0 (the cache and sessions).")


def gunicorn_version() -> str:
    with contextlib.suppress(Exception):
        from importlib.metadata import version

        return version("gunicorn")
    return "?"


def machine() -> dict:
    cpu = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem = int(Path("/proc/meminfo").read_text().splitlines()[0].split()[1]) // 1024
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": mem, "python": platform.python_version()}


def main(argv=None) -> int:
    args = parse(argv)
    check_services()
    args.logs.mkdir(parents=True, exist_ok=True)
    say(f"Fixture from {urlsplit(os.environ['DATABASE_URL']).path.lstrip('/')} …")
    fx = build_fixture(args.fixture, per_role=args.accounts, source=args.accounts_from, analyze=args.analyze)
    say(f"  {fx['source']} accounts: {fx['counts']['officers']} officers, {fx['counts']['landlords']} landlords, "
        f"{fx['counts']['volunteers']} volunteers → {args.fixture}")  # fmt: skip
    if fx["unanalyzed"]:
        say(f"  WARNING: never analyzed (no planner statistics): {', '.join(fx['unanalyzed'])}. "
            "Run with --analyze (or ANALYZE them) for figures that mean something.")  # fmt: skip
    if args.fixture_only:
        return 0
    keys = fx["server"]
    args.password = keys["password"]
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FIELD_ENCRYPTION_KEY": keys["FIELD_ENCRYPTION_KEY"],  # the keys the data was written with
        "FIELD_HASH_KEY": keys["FIELD_HASH_KEY"],
        "STATIC_ROOT": keys["STATIC_ROOT"],
        "PYTHONUNBUFFERED": "1",
        # Simulated officers cannot read an authenticator app: the code is typed once per session,
        # off the measured path, so the load runs without two-step verification.
        "STAFF_OTP_REQUIRED": "0",
    }
    collectstatic_if_needed(env, Path(keys["STATIC_ROOT"]))
    (args.logs / "sessions.json").unlink(missing_ok=True)  # a new SECRET_KEY: yesterday's sessions are void
    for old in [*args.logs.glob("step-*"), *args.logs.glob("confirm-*")]:
        old.unlink()
    port = args.port or free_port(args.host)
    say(f"gunicorn {gunicorn_version()}: {args.workers} {args.worker_class} workers"
        + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
        + f" on http://{args.host}:{port} (DEBUG=0)")  # fmt: skip
    started = time.time()
    server = Server(host=args.host, port=port, env=env, workers=args.workers, worker_class=args.worker_class,
                    threads=args.threads, logs=args.logs)  # fmt: skip
    sampler = Sampler(server)
    steps, confirms, interrupted = [], [], False

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even if started with SIGINT ignored
    try:
        server.wait_ready()
        sampler.start()
        rates = ", ".join(f"{r:g}" for r in args.rates)
        say(f"Steps of {args.step_seconds} s: {rates} req/s; pass: p95 ≤ {args.p95_ms:g} ms, no failure, "
            f"≥ {args.min_achieved:.0%} of the offered rate achieved")  # fmt: skip
        for rate in args.rates:
            result = run_step(args, server, sampler, rate=rate, seconds=args.step_seconds, label=f"step-{rate:g}")
            steps.append(result)
            if result["interrupted"]:
                raise KeyboardInterrupt
            if not result["passed"]:
                break
        passing = [r for r in steps if r["passed"]]
        if args.confirm_seconds and passing:
            for candidate in sorted(passing, key=lambda r: -r["offered_rps"]):
                rate = candidate["offered_rps"]
                say(f"Confirming {rate:g} req/s for {args.confirm_seconds} s …")
                result = run_step(args, server, sampler, rate=rate, seconds=args.confirm_seconds,
                                  label=f"confirm-{rate:g}")  # fmt: skip
                confirms.append(result)
                if result["interrupted"]:
                    raise KeyboardInterrupt
                if result["passed"]:
                    break
    except KeyboardInterrupt:
        interrupted = True
        say("\nInterrupted: stopping gunicorn …")
    finally:
        sampler.halt.set()
        with contextlib.suppress(Exception):
            sampler.sample()
        server.stop()
    best_step = max((r["offered_rps"] for r in steps if r["passed"]), default=None)
    confirmed = next((r["offered_rps"] for r in confirms if r["passed"]), None)
    say("")
    say(HEADER)
    for r in steps + confirms:
        say(row(r))
    last = (confirms or steps or [None])[-1]
    if last and last.get("server_ms"):
        say("")
        say(f"Server time per kind of request in {last['label']} (gunicorn's own, ms; by total time):")
        for kind, t in list(last["server_ms"].items())[:12]:
            say(f"  {kind:<58} {t['requests']:>7}  p50 {t['p50']:>5}  p95 {t['p95']:>5}  mean {t['mean']:>5}")
    say("")
    say(f"best passing step: {'—' if best_step is None else f'{best_step:g}'} req/s; "
        + (f"held for {args.confirm_seconds} s: {'none' if confirmed is None else f'{confirmed:g}'} req/s"
           if args.confirm_seconds else "not confirmed (--confirm-seconds 0)"))  # fmt: skip
    say(f"peak resident memory of a gunicorn worker: {round(sampler.peak_kb / 1024, 1)} MB sampled, "
        f"{round(sampler.hwm_kb / 1024, 1)} MB by the kernel's high-water mark; "
        f"{len(sampler.workers_seen)} worker processes seen for {args.workers} workers")  # fmt: skip
    report = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_s": round(time.time() - started),
        "database": fx["database"],
        "accounts": {"source": fx["source"], **fx["counts"]},
        "server": {
            "gunicorn": gunicorn_version(),
            "worker_class": args.worker_class,
            "workers": args.workers,
            "threads": args.threads if args.worker_class == "gthread" else 1,
            "debug": False,
        },
        "profile": {
            "user_rate": args.user_rate,
            "step_seconds": args.step_seconds,
            "confirm_seconds": args.confirm_seconds,
            "warmup_seconds": args.warmup_seconds,
            "weights": {"officer": 6, "landlord": 2, "volunteer": 2},
        },
        "criteria": {"p95_ms": args.p95_ms, "failures": 0, "min_achieved": args.min_achieved},
        "steps": steps,
        "confirm": confirms,
        "best_step_rps": best_step,
        "sustained_rps": confirmed,
        "peak_worker_rss_mb": round(sampler.peak_kb / 1024, 1),
        "peak_worker_hwm_mb": round(sampler.hwm_kb / 1024, 1),
        "worker_processes_seen": len(sampler.workers_seen),
        "interrupted": interrupted,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    say(f"Written to {args.out} (CSV files and server logs in {args.logs})")
    if interrupted:
        return 130
    return 0 if (confirmed is not None or (not args.confirm_seconds and best_step is not None)) else 1


if __name__ == "__main__":
    for tool in ("gunicorn", "locust"):
        if shutil.which(tool, path=str(Path(sys.executable).parent)) is None:
            raise SystemExit(f"{tool} is not installed beside {sys.executable}: pip install -r requirements-load.txt")
    sys.exit(main())
