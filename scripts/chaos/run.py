"""``make chaos``: the background work and the pages survive killed workers and restarted services.

Everything runs on loopback, on services of its own, and is removed afterwards (also on Ctrl-C):

- a private PostgreSQL cluster (``initdb`` into a temporary folder, as the ``postgres`` user when
  run as root; port ``--pg-port``), a Redis server without persistence (``--redis-port``), media
  and static files in the temporary folder. Nothing touches the machine's own services.
  ``--database-url`` uses an existing server instead (created and migrated if missing); the
  PostgreSQL restart is then skipped: it is not ours to restart.

1. Notices. 1,000 draft inspections with failed items (photos, notes) are submitted through
   ``inspections.services.inspection_submit`` — the real numbering (station row locked) and the
   real on-commit enqueue of ``notice_render`` — at a steady pace, while two Celery workers
   (prefork, one child each: ``celery -A config worker``) render them. Meanwhile, at random
   moments, a worker's whole process group is killed with SIGKILL three times (it is started
   again at once) and Redis is killed and started again once, on the same port, empty.
   Expected losses: the message a killed worker held unacknowledged waits in Redis for its
   visibility timeout (hours), and a Redis restart without persistence loses the queue; a submit
   while Redis is down is saved and its enqueue skipped (``lib.tasks``). The periodic sweeper is
   the guarantee: once the workers are idle, its query (``notices_render_backlog(older_than=…)``,
   what ``inspections.tasks.notices_sweep`` runs every five minutes, here with a cutoff of now)
   renders what is left. Then every notice must have exactly one PDF, on disk, and a unique
   number: 0 missing, 0 duplicates, no stray files.
2. PostgreSQL restarted under load (private cluster only). gunicorn (production settings) on
   loopback, threads requesting ``/healthz`` and an officer's person list; PostgreSQL is stopped
   (``pg_ctl stop -m fast``), kept down ``--pg-down`` seconds and started again. During the outage
   answers must be quick 503s (no 500, nothing over ``--max-latency``); afterwards all 200, from
   the same gunicorn workers (same PIDs).

Prints a report; exits 1 on any failed check. Bounded: ``--timeout`` for the rendering, a few
minutes in all on two cores.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
DEV_FIELD_KEY = "ZmVuZ3FpYW8tZGV2LW9ubHktZmllbGQta2V5LTAwMDA="
T0 = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {text}", flush=True)


def pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(found[-1]) if found else (shutil.which(name) or name)


# --- processes ----------------------------------------------------------------------------------


class Processes:
    """Every process the run starts, each in its own process group, so one kill takes all of it."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.running: dict[str, subprocess.Popen] = {}
        self.closed = False

    def start(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        if self.closed:  # the chaos thread, after an interrupt: start nothing more
            raise RuntimeError("stopping")
        log = (self.logs / f"{name}.log").open("a")
        proc = subprocess.Popen(  # noqa: S603 (fixed arguments)
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running[name] = proc
        return proc

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        proc = self.running.pop(name, None)
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop_all(self) -> None:
        self.closed = True
        for name in list(self.running):
            self.kill(name, signal.SIGTERM)


def as_postgres(argv: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class PrivatePostgres:
    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.data = folder / "data"

    def init(self) -> None:
        self.folder.mkdir(mode=0o755)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        subprocess.run(  # noqa: S603
            as_postgres([pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                         "--no-sync", "--locale=C"]),
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def _ctl(self, *args: str) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")  # fmt: skip
        subprocess.run(  # noqa: S603
            as_postgres([pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "postgres.log"),
                         "-o", options, "-w", "-t", "60", *args]),
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` if it does not exist."""
    import psycopg2
    from psycopg2 import sql

    base, name = url.rsplit("/", 1)
    conn = psycopg2.connect(base + "/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if not cursor.fetchone():
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def wait_for_port(port: int, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}")


# --- the data -----------------------------------------------------------------------------------


def seed(n: int):
    """Officers, grids and venues, and ``n`` complete draft inspections, each failing two items
    (note, photo) and passing the rest: ready for ``inspection_submit``. Returns [(inspection, officer)]."""
    from accounts.models import Role
    from inspections.models import Answer, Inspection, InspectionStatus, Photo, Result
    from inspections.services import current_template
    from kpi.bench_background import stored_photos
    from residents.models import VenueKind
    from tests.factories import (
        BuildingFactory,
        CommunityGridFactory,
        PoliceGridFactory,
        StationFactory,
        UserFactory,
        VenueFactory,
    )

    venues = []
    for s in range(2):
        station = StationFactory(name=f"混沌{s}号派出所")
        for p in range(2):
            officer = UserFactory(username=f"chaos-officer-{s}-{p}", role=Role.OFFICER)
            police_grid = PoliceGridFactory(station=station, officer=officer, name=f"混沌{s}-{p}警务区")
            grid = CommunityGridFactory(police_grid=police_grid, name=f"混沌{s}-{p}网格")
            venues += [VenueFactory(building=BuildingFactory(grid=grid), kind=VenueKind.SHOP) for _ in range(10)]
    template = current_template(VenueKind.SHOP)
    items = list(template.items.order_by("order"))
    (image, thumbnail), *_ = stored_photos(1, size=(1200, 900))
    drafts = [
        Inspection(
            venue=venues[k % len(venues)], template=template, officer=venues[k % len(venues)].grid.police_grid.officer,
            status=InspectionStatus.DRAFT, grid=venues[k % len(venues)].grid,
        )
        for k in range(n)
    ]  # fmt: skip
    Inspection.objects.bulk_create(drafts)
    answers = [
        Answer(
            inspection=i, item=item, result=Result.FAIL if j < 2 else Result.PASS,
            note="通道堆放杂物" if j < 2 else "", grade=item.default_grade,
        )
        for i in drafts
        for j, item in enumerate(items)
    ]  # fmt: skip
    Answer.objects.bulk_create(answers)
    Photo.objects.bulk_create(
        Photo(answer=a, image=image, thumbnail=thumbnail) for a in answers if a.result == Result.FAIL
    )
    return [(i, i.officer) for i in drafts]


# --- 1. notices under killed workers and a Redis restart ------------------------------------------


class CountingHandler(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.counts = Counter()

    def emit(self, record):
        self.counts[record.name] += 1


def notices_phase(args, procs: Processes, env: dict, redis_argv: list[str]) -> list[str]:
    from django.db import close_old_connections

    from inspections.models import NoticeStatus, RectificationNotice
    from inspections.notices import notices_render_backlog
    from inspections.services import inspection_submit

    failures: list[str] = []
    say(f"seeding {args.notices} draft inspections …")
    drafts = seed(args.notices)
    counting = CountingHandler()
    for name in ("fengqiao.tasks", "fengqiao.cache"):  # counted, not printed one by one
        logging.getLogger(name).addHandler(counting)
        logging.getLogger(name).propagate = False

    def worker(k: int) -> None:
        procs.start(
            f"worker{k}",
            [PY, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1", "-n", f"chaos{k}@%h",
             "--without-mingle", "--without-gossip", "-l", "warning"],
            env,
        )  # fmt: skip

    for k in (1, 2):
        worker(k)
    say("2 Celery workers started")

    # The chaos, at random moments while the notices are issued: three kills, one Redis restart.
    rng = random.Random(args.seed)
    span = args.issue_seconds
    # One moment in each quarter of the middle 80 % (a worker restarts between two kills); which
    # quarter has the Redis restart is random too.
    kinds = ["kill", "kill", "kill", "redis"]
    rng.shuffle(kinds)
    quarter = 0.8 * span / 4
    events = [(0.1 * span + q * quarter + rng.uniform(0.1, 0.9) * quarter, kind) for q, kind in enumerate(kinds)]
    log: list[str] = []
    start = time.monotonic()

    def chaos() -> None:
        with contextlib.suppress(KeyError, RuntimeError):  # interrupted: the processes are being stopped
            chaos_events()

    def chaos_events() -> None:
        for at, what in events:
            time.sleep(max(0.0, start + at - time.monotonic()))
            if what == "kill":
                k = rng.choice((1, 2))
                pid = procs.running[f"worker{k}"].pid
                procs.kill(f"worker{k}")
                worker(k)
                log.append(f"{time.monotonic() - start:5.1f}s  SIGKILL worker{k} (process group {pid}), restarted")
            else:
                procs.kill("redis")
                time.sleep(args.redis_down)
                procs.start("redis", redis_argv)
                log.append(
                    f"{time.monotonic() - start:5.1f}s  Redis killed, down {args.redis_down:.0f} s, started again empty"
                )
            say(log[-1].strip())

    thread = threading.Thread(target=chaos, daemon=True)
    thread.start()
    say(f"issuing {len(drafts)} notices over ~{span:.0f} s; chaos at {', '.join(f'{t:.1f}s' for t, _ in events)}")
    issued_at = time.monotonic()
    for k, (inspection, officer) in enumerate(drafts):
        time.sleep(max(0.0, start + span * k / len(drafts) - time.monotonic()))
        inspection_submit(inspection=inspection, user=officer)
    issued_seconds = time.monotonic() - issued_at
    thread.join()
    say(f"issued in {issued_seconds:.1f} s; waiting for the workers (at most {args.timeout:.0f} s)")

    notices = RectificationNotice.objects.filter(inspection__in=[i for i, _ in drafts])
    deadline = time.monotonic() + args.timeout
    left, last_change = None, time.monotonic()
    while time.monotonic() < deadline:
        close_old_connections()
        now_left = notices.filter(pdf="").count()
        if now_left != left:
            left, last_change = now_left, time.monotonic()
        if left == 0 or time.monotonic() - last_change > args.idle:
            break
        for k in (1, 2):
            if procs.running[f"worker{k}"].poll() is not None:
                failures.append(f"worker{k} stopped by itself (see its log)")
                worker(k)
        time.sleep(0.5)
    rendered_by_workers = args.notices - (left or 0)
    swept = 0
    if left:
        say(f"workers idle with {left} notices waiting (their messages were lost): the sweeper renders them")
        from django.utils import timezone

        cutoff = timezone.now()
        while rendered := notices_render_backlog(older_than=cutoff):
            swept += rendered
    elapsed = time.monotonic() - start

    # The checks.
    from django.conf import settings
    from django.db.models import Count

    rows = list(notices.values("pk", "number", "station_id", "year", "seq", "pdf", "status"))
    missing = args.notices - len(rows)
    numbers = Counter(r["number"] for r in rows)
    duplicates = sum(c - 1 for c in numbers.values() if c > 1)
    seq_dupes = notices.values("station", "year", "seq").annotate(c=Count("pk")).filter(c__gt=1).count()
    no_pdf = [r["pk"] for r in rows if not r["pdf"]]
    not_issued = [r["pk"] for r in rows if r["status"] != NoticeStatus.ISSUED]
    media = Path(settings.MEDIA_ROOT)

    def is_pdf(name: str) -> bool:
        path = media / name
        return path.is_file() and path.read_bytes()[:5] == b"%PDF-"

    bad_files = [r["pk"] for r in rows if r["pdf"] and not is_pdf(r["pdf"])]
    expected_files = {r["pdf"] for r in rows if r["pdf"]}
    on_disk = {str(p.relative_to(media)) for p in media.rglob("notice-*.pdf")}
    stray = sorted(on_disk - expected_files)
    print()
    print("Notices")
    for line in log:
        print("  " + line)
    print(f"  issued                 {len(rows):5d} of {args.notices} in {issued_seconds:.1f} s")
    print(f"  rendered by workers    {rendered_by_workers:5d}")
    print(f"  rendered by sweeper    {swept:5d}   (left when the workers fell idle)")
    skipped = counting.counts["fengqiao.tasks"]
    print(f"  enqueue skipped        {skipped:5d}   (broker down at submit: saved, its task never queued)")
    print(f"  missing notices        {missing:5d}")
    print(f"  duplicate numbers      {duplicates + seq_dupes:5d}")
    print(f"  without a PDF          {len(no_pdf):5d}")
    print(f"  not issued             {len(not_issued):5d}")
    print(f"  PDF file bad/missing   {len(bad_files):5d}")
    print(f"  stray notice files     {len(stray):5d}   ({len(on_disk)} files for {len(rows)} notices)")
    print(f"  time                   {elapsed:5.1f} s from the first submit to the last PDF")
    print()
    checks = {
        "missing notices": missing, "duplicate numbers": duplicates + seq_dupes, "notices without a PDF": len(no_pdf),
        "notices not issued": len(not_issued), "PDF files bad or missing": len(bad_files), "stray files": len(stray),
    }  # fmt: skip
    failures += [f"{what}: {n}" for what, n in checks.items() if n]
    for k in (1, 2):
        procs.kill(f"worker{k}", signal.SIGTERM)
    return failures


# --- 2. PostgreSQL restarted under load ----------------------------------------------------------


def officer_cookie() -> str:
    """A logged-in session of a seeded officer, written as a login writes it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User

    user = User.objects.get(username="chaos-officer-0-0")
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def gunicorn_workers(master: int) -> set[int]:
    try:
        return {int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()}
    except OSError:
        return set()


def warm_up(port: int, path: str, cookie: str, *, timeout: float = 60) -> tuple[int | str, str]:
    """Request ``path`` until ten answers in a row are 200 (the workers have booted); the last answer."""
    deadline, good, last = time.monotonic() + timeout, 0, ("no answer", "")
    while good < 10 and time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path, headers={"Cookie": cookie})
            response = conn.getresponse()
            last = (response.status, response.getheader("Location") or "")
            conn.close()
        except OSError as exc:
            last = (type(exc).__name__, "")
        good = good + 1 if last[0] == 200 else 0
        if not good:
            time.sleep(0.2)
    return last


def postgres_phase(args, procs: Processes, env: dict, pg: PrivatePostgres) -> list[str]:
    from django.db import connections

    failures: list[str] = []
    cookie = officer_cookie()
    connections.close_all()
    web_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{args.web_port}", "WEB_CONCURRENCY": "3"}
    master = procs.start(
        "gunicorn", [str(Path(PY).parent / "gunicorn"), "config.wsgi", "-c", "gunicorn.conf.py"], web_env
    )
    wait_for_port(args.web_port)
    for path in ("/healthz", "/residents/persons/"):  # every worker up, the session accepted
        status, location = warm_up(args.web_port, path, cookie)
        if status != 200:
            failures.append(f"{path} answers {status} {location} before anything happened: see logs/gunicorn.log")
            procs.kill("gunicorn", signal.SIGTERM)
            return failures
    before = gunicorn_workers(master.pid)
    say(f"gunicorn up (master {master.pid}, workers {sorted(before)}); load from {args.threads} threads")

    results: list[tuple[float, float, int | str, str]] = []  # (start, seconds, status, path)
    stop = threading.Event()
    paths = ["/healthz", "/residents/persons/"]

    def load(k: int) -> None:
        n = k
        while not stop.is_set():
            path = paths[n % len(paths)]
            n += 1
            started = time.monotonic()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.web_port, timeout=args.max_latency + 5)
                conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
                status = conn.getresponse().status
                conn.close()
            except OSError as exc:
                status = type(exc).__name__
            results.append((started, time.monotonic() - started, status, path))
            time.sleep(0.02)

    threads = [threading.Thread(target=load, args=(k,), daemon=True) for k in range(args.threads)]
    for t in threads:
        t.start()
    time.sleep(args.pg_before)
    down_at = time.monotonic()
    pg.stop()
    say(f"PostgreSQL stopped (fast); down for {args.pg_down:.0f} s")
    time.sleep(args.pg_down)
    pg.start()
    up_at = time.monotonic()
    say(f"PostgreSQL started again ({up_at - down_at:.1f} s after the stop)")
    time.sleep(args.pg_after)
    stop.set()
    for t in threads:
        t.join(timeout=args.max_latency + 10)
    after = gunicorn_workers(master.pid)

    grace = 1.0
    phases = {  # by when a request ended (before the stop), else when it started
        "before": [r for r in results if r[0] + r[1] < down_at],
        "outage": [r for r in results if r[0] + r[1] >= down_at and r[0] < up_at + grace],
        "after": [r for r in results if r[0] >= up_at + grace],
    }
    print()
    print("PostgreSQL restart under load")
    for name, rs in phases.items():
        statuses = Counter(r[2] for r in rs)
        slowest = max((r[1] for r in rs), default=0)
        print(f"  {name:8s} {len(rs):5d} requests  {dict(sorted(statuses.items(), key=str))}  slowest {slowest:.2f} s")
    print(f"  gunicorn workers before {sorted(before)}, after {sorted(after)}")
    print()
    if any(r[2] != 200 for r in phases["before"]):
        failures.append("requests failed before the restart")
    outage = phases["outage"]
    if not any(r[2] == 503 for r in outage):
        failures.append("no request saw the outage (no 503): the restart was not observed")
    if bad := [r for r in outage if r[2] not in (200, 503)]:
        failures.append(f"{len(bad)} answers during the outage were not 200/503: {Counter(r[2] for r in bad)}")
    if slow := [r for r in outage if r[1] > args.max_latency]:
        failures.append(f"{len(slow)} requests during the outage took over {args.max_latency} s")
    if not phases["after"] or any(r[2] != 200 for r in phases["after"]):
        failures.append(f"not all requests succeeded after the restart: {Counter(r[2] for r in phases['after'])}")
    if not before or before != after:
        failures.append(f"gunicorn workers changed: {sorted(before)} → {sorted(after)}")
    procs.kill("gunicorn", signal.SIGTERM)
    return failures


# --- main -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--issue-seconds", type=float, default=40, help="spread the submits over this long")
    parser.add_argument("--timeout", type=float, default=300, help="longest wait for the rendering")
    parser.add_argument("--idle", type=float, default=10, help="seconds without progress: the workers are idle")
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--redis-down", type=float, default=2)
    parser.add_argument("--pg-port", type=int, default=5441)
    parser.add_argument("--database-url", default="", help="an existing PostgreSQL instead of a private cluster")
    parser.add_argument("--web-port", type=int, default=8391)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--pg-before", type=float, default=4)
    parser.add_argument("--pg-down", type=float, default=3)
    parser.add_argument("--pg-after", type=float, default=6)
    parser.add_argument("--max-latency", type=float, default=3, help="longest acceptable answer during the outage")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the chaos moments")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, database files)")
    args = parser.parse_args()
    args.seed = args.seed if args.seed is not None else random.randrange(10**6)

    work = Path(tempfile.mkdtemp(prefix="fq-chaos-"))
    work.chmod(0o755)  # the postgres user reaches its folder inside
    (work / "logs").mkdir()
    procs = Processes(work / "logs")
    pg = None
    failures: list[str] = []

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)  # also when started in the background (SIGINT ignored there)
    try:
        if args.database_url:
            database_url = args.database_url
        else:
            pg = PrivatePostgres(work / "pg", args.pg_port)
            pg.init()
            pg.start()
            database_url = pg.url("fengqiao_chaos")
            say(f"private PostgreSQL on 127.0.0.1:{args.pg_port}")
        ensure_database(database_url)
        redis_argv = ["redis-server", "--port", str(args.redis_port), "--bind", "127.0.0.1", "--save", "",
                      "--appendonly", "no", "--dir", str(work)]  # fmt: skip
        procs.start("redis", redis_argv)
        wait_for_port(args.redis_port)
        say(f"private Redis on 127.0.0.1:{args.redis_port} (no persistence); work folder {work}; seed {args.seed}")
        env = {
            **os.environ, "DATABASE_URL": database_url, "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/0",
            "MEDIA_ROOT": str(work / "media"), "STATIC_ROOT": str(work / "static"), "S3_BUCKET": "",
            "DEBUG": "0", "SECRET_KEY": "chaos-only-not-a-secret", "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0", "FIELD_ENCRYPTION_KEY": os.environ.get("FIELD_ENCRYPTION_KEY", DEV_FIELD_KEY),
            "FIELD_HASH_KEY": os.environ.get("FIELD_HASH_KEY", "dev-only-hash-key"), "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings", "STAFF_OTP_REQUIRED": "0",
        }  # fmt: skip
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        say("migrating, collecting static files …")
        call_command("migrate", "--noinput", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)
        failures += notices_phase(args, procs, env, redis_argv)
        if pg is not None:
            failures += postgres_phase(args, procs, env, pg)
        else:
            print("PostgreSQL restart: skipped (--database-url: not our server to restart)\n")
    except KeyboardInterrupt:
        failures.append("interrupted")
    finally:
        procs.stop_all()
        if pg is not None:
            from django.db import connections

            with contextlib.suppress(Exception):  # Django may not be set up yet
                connections.close_all()
            with contextlib.suppress(subprocess.CalledProcessError):
                pg.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    total = time.monotonic() - T0
    if failures:
        print(f"CHAOS FAILED in {total:.0f} s:")
        for f in failures:
            print(f"  - {f}")
        return 1
    print(f"chaos passed in {total:.0f} s (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
