"""The load profile of issue 8: officers, landlords and volunteers on one Fengqiao server, on loopback.

``scripts/load/run.py`` (``make load``) writes the fixture, starts gunicorn and steps the rate; this file
is the traffic. Each simulated user is one person on a phone, paced with ``constant_throughput`` so the
offered rate is exactly ``users × --user-rate`` requests per second (every task is one request):

- officers (weight 6) log in through the login form, then open their person and house lists, scan the
  door plate of a house in their scope (``scan:scan``, recorded as a visit) and search a person by name
  and by resident ID number;
- landlords (weight 2) take an API token (``/api/v1/auth/token/``, what a phone app does) and declare a
  tenant moving in (``POST /api/v1/rentals/declarations/``, a real declaration is written each time) or
  list their declarations;
- volunteers (weight 2) log in through the form, open the report page, ask for similar open events
  (htmx) and report an event (a real event is filed each time) or look at their own reports.

The server runs with production settings (``DEBUG=0``: secure cookies, HTTPS redirect). As behind the
TLS-terminating nginx of the deployment, every request says ``X-Forwarded-Proto: https``; the client
keeps ``Secure`` cookies over the plain-http loopback connection (a browser does the same for
localhost) and sends the ``Origin`` a browser would with each POST.

Logins (PBKDF2, about half a second of CPU each) are not what is measured: each run waits until every
user has logged in, lets ``--warmup-seconds`` pass, resets the statistics and measures
``--measure-seconds``; the sessions are kept in ``--sessions`` so the next run of the driver reuses
them. By hand (the fixture comes from ``run.py --fixture-only``):

    locust -f scripts/load/locustfile.py --headless --host http://127.0.0.1:8001 -u 50 -r 10 -t 120s \\
        --fixture bench/load/fixture.json --user-rate 2 --measure-seconds 60 --summary /tmp/summary.json
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import itertools
import json
import logging
import os
import random
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import gevent
from locust import events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser
from locust.user.wait_time import constant_throughput

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from lib import gb11643  # noqa: E402 - pure Python, no Django

log = logging.getLogger("fengqiao.load")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SHANGHAI = ZoneInfo("Asia/Shanghai")
AREAS = ("640104", "640105", "640106", "640121", "110101", "310104", "420106", "510107")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
CATEGORIES = ("safety", "fire", "dispute", "noise", "rental", "facility", "environment", "traffic", "other")
WHAT = ("楼道堆放杂物", "路灯不亮", "电动车楼内充电", "井盖松动", "夜间施工噪声", "车辆占用消防通道", "垃圾未清运")


class Run:
    """What one locust process shares between its users: the fixture, the pacing, the measuring window."""

    environment = None
    fixture: dict = {}
    password = os.environ.get("FQ_LOAD_PASSWORD", "fengqiao-demo")
    origin = ""
    sessions_path: Path | None = None
    sessions: dict = {}
    users: dict = {}  # slot → the live user, to save its session at the end
    slots = {}  # role → itertools.count()
    ready = 0
    logins = 0
    login_failures: list = []
    measuring_since: float | None = None
    measuring_until: float | None = None
    requests = 0
    cap = 0
    cap_reached = False


def _pace(user):  # replaced at init by constant_throughput(--user-rate)
    return 0.5


# --- options, start, end ---------------------------------------------------------------------------


@events.init_command_line_parser.add_listener
def _options(parser):
    group = parser.add_argument_group("Fengqiao", "The load profile of issue 8 (scripts/load/)")
    group.add_argument("--fixture", default="bench/load/fixture.json", help="accounts, door plates, search terms")
    group.add_argument("--user-rate", type=float, default=2.0, help="requests per second of each simulated user")
    group.add_argument("--measure-seconds", type=float, default=0, help="measure this long, then stop (0: --run-time)")
    group.add_argument("--warmup-seconds", type=float, default=5, help="after all users logged in, before measuring")
    group.add_argument("--max-requests", type=int, default=0, help="stop after this many requests in all (0: no cap)")
    group.add_argument("--summary", default="", help="write the measured window's figures to this JSON file")
    group.add_argument("--sessions", default="", help="keep logged-in sessions in this JSON file between runs")


@events.init.add_listener
def _init(environment, **_kwargs):
    global _pace
    options = environment.parsed_options
    if options is None:  # imported by something else than the locust command
        return
    Run.environment = environment
    host = urlsplit(environment.host or "")
    if host.hostname not in LOOPBACK:
        raise SystemExit(f"Loopback only: --host {environment.host!r} is not 127.0.0.1 or localhost.")
    Run.origin = f"https://{host.netloc}"  # what a browser sends behind TLS: the scheme the server sees
    Run.fixture = json.loads(Path(options.fixture).read_text(encoding="utf-8"))
    for role in ("officers", "landlords", "volunteers"):
        if not Run.fixture.get(role):
            raise SystemExit(f"The fixture {options.fixture} has no {role}.")
    Run.slots = {role: itertools.count() for role in ("officers", "landlords", "volunteers")}
    _pace = constant_throughput(options.user_rate)
    Run.cap = options.max_requests
    if options.sessions:
        Run.sessions_path = Path(options.sessions)
        if Run.sessions_path.exists():
            Run.sessions = json.loads(Run.sessions_path.read_text(encoding="utf-8"))
    environment.events.request.add_listener(_count)
    gevent.spawn(_conduct, environment)


def _count(**_kwargs):
    Run.requests += 1
    if Run.cap and Run.requests >= Run.cap and not Run.cap_reached:
        Run.cap_reached = True
        log.warning("--max-requests %d reached: stopping", Run.cap)
        gevent.spawn(_stop)


def _stop():
    if Run.measuring_since is not None and Run.measuring_until is None:
        Run.measuring_until = time.time()
    Run.environment.runner.quit()


def _conduct(environment):
    """Wait for every user to be logged in, warm up, reset the statistics, measure, stop."""
    options = environment.parsed_options
    runner = environment.runner
    while runner.state not in ("running", "spawning") or Run.ready < (runner.target_user_count or 0):
        gevent.sleep(0.2)
    log.info("all %d users ready (%d logins); warming up %.0f s", Run.ready, Run.logins, options.warmup_seconds)
    gevent.sleep(options.warmup_seconds)
    runner.stats.reset_all()
    Run.measuring_since = time.time()
    if options.measure_seconds:
        gevent.sleep(options.measure_seconds)
        _stop()


def _percentile(entry, p: float) -> float | None:
    return entry.get_response_time_percentile(p) if entry.num_requests else None


@events.quitting.add_listener
def _quitting(environment, **_kwargs):
    options = environment.parsed_options
    if options is None:
        return
    _save_sessions()
    if not options.summary:
        return
    stats = environment.runner.stats
    total = stats.total
    started = Run.measuring_since
    ended = Run.measuring_until or time.time()
    seconds = (ended - started) if started else 0.0
    users = environment.runner.target_user_count or 0
    summary = {
        "ready": started is not None,
        "users": users,
        "user_rate": options.user_rate,
        "offered_rps": round(users * options.user_rate, 1),
        "measured_seconds": round(seconds, 1),
        "window": [started, ended] if started else None,
        "requests": total.num_requests,
        "failures": total.num_failures,
        "achieved_rps": round(total.num_requests / seconds, 1) if seconds else 0.0,
        "p50_ms": _percentile(total, 0.5),
        "p95_ms": _percentile(total, 0.95),
        "p99_ms": _percentile(total, 0.99),
        "max_ms": round(total.max_response_time) if total.num_requests else None,
        "logins": Run.logins,
        "login_failures": Run.login_failures[:20],
        "requests_in_all": Run.requests,
        "cap_reached": Run.cap_reached,
        "by_name": {
            name: {
                "requests": e.num_requests,
                "failures": e.num_failures,
                "p50_ms": _percentile(e, 0.5),
                "p95_ms": _percentile(e, 0.95),
                "avg_ms": round(e.avg_response_time, 1),
            }
            for (name, _method), e in sorted(stats.entries.items())
            if e.num_requests
        },
        "errors": [
            {"name": e.name, "error": str(e.error)[:300], "occurrences": e.occurrences}
            for e in sorted(stats.errors.values(), key=lambda e: -e.occurrences)[:20]
        ],
    }
    Path(options.summary).write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")


# --- sessions kept between runs -----------------------------------------------------------------------


def _cookie(name, value, domain, path="/", secure=True, expires=None):
    return http.cookiejar.Cookie(
        0, name, value, None, False, domain, False, False, path, True, secure, expires, False, None, None, {}
    )


def _save_sessions():
    if Run.sessions_path is None:
        return
    for slot, user in Run.users.items():
        Run.sessions[slot] = {
            "username": user.account["username"],
            "token": user.token,
            "cookies": [[c.name, c.value, c.domain, c.path, c.secure, c.expires] for c in user.client.cookiejar],
        }
    Run.sessions_path.parent.mkdir(parents=True, exist_ok=True)
    Run.sessions_path.write_text(json.dumps(Run.sessions), encoding="utf-8")


# --- users -----------------------------------------------------------------------------------------------


class FengqiaoUser(FastHttpUser):
    abstract = True
    role = ""  # the fixture's key
    default_headers = {"X-Forwarded-Proto": "https", "User-Agent": "fengqiao-load/1 (locust)"}
    network_timeout = 30.0
    connection_timeout = 10.0

    def wait_time(self):
        return _pace(self)

    def on_start(self):
        self.client.cookiejar.set_policy(http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))
        self.token = ""
        self.rng = random.Random()
        number = next(Run.slots[self.role])
        accounts = Run.fixture[self.role]
        self.account = accounts[number % len(accounts)]
        self.slot = f"{self.role}:{number}"
        try:
            if not (self._resume() and self.check_session()):
                self.client.cookiejar.clear()
                self.token = ""
                if not self.log_in():
                    raise StopUser
            Run.users[self.slot] = self
        finally:
            Run.ready += 1
        # Users whose kept sessions let them start together would fire in step, every 1/rate seconds, in
        # bursts a person never makes: each starts at a random point of its period instead.
        gevent.sleep(self.rng.uniform(0, 1 / Run.environment.parsed_options.user_rate))

    def _resume(self) -> bool:
        kept = Run.sessions.get(self.slot)
        if not kept or kept.get("username") != self.account["username"]:
            return False
        for name, value, domain, path, secure, expires in kept["cookies"]:
            self.client.cookiejar.set_cookie(_cookie(name, value, domain, path, secure, expires))
        self.token = kept.get("token") or ""
        return True

    def csrf(self) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def _login_failed(self, status, why: str) -> bool:
        Run.login_failures.append({"username": self.account["username"], "status": status, "why": why[:200]})
        log.error("login of %s failed: %s %s", self.account["username"], status, why[:200])
        return False

    def log_in(self) -> bool:
        """The login form, as a browser fills it: GET (CSRF cookie and field), POST, a redirect home."""
        Run.logins += 1
        with self.client.get("/accounts/login/", name="login form", catch_response=True) as r:
            found = CSRF_FIELD.search(r.text or "")
            if r.status_code != 200 or not found:
                r.failure(f"login page: {r.status_code}")
                return self._login_failed(r.status_code, "no login form")
        body = {"csrfmiddlewaretoken": found.group(1), "next": "", "username": self.account["username"],
                "password": Run.password}  # fmt: skip
        with self.client.post(
            "/accounts/login/", data=urlencode(body), name="login", allow_redirects=False, catch_response=True,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": Run.origin,
                     "Referer": f"{Run.origin}/accounts/login/"},
        ) as r:  # fmt: skip
            where = r.headers.get("Location", "") if r.headers else ""
            if r.status_code != 302 or "/accounts/login" in where:
                # A wrong password counts towards the django-axes lockout: never retried here.
                r.failure(f"login: {r.status_code}")
                return self._login_failed(r.status_code, "wrong password or locked out (not retried)")
        return True

    def check_session(self) -> bool:
        """A kept session still works (the idle logout has not ended it)."""
        url = self.check_url()
        with self.client.get(url, name="session check", allow_redirects=False, catch_response=True) as r:
            r.success()
            return r.status_code == 200

    def check_url(self) -> str:
        raise NotImplementedError

    # one request, judged: the expected status or a failure that says what came instead
    def page(self, url: str, name: str, *, expect: int = 200, headers: dict | None = None):
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True, headers=headers) as r:
            lost = self._judge(r, expect)
        if lost:
            self._log_in_again()

    def _judge(self, r, expect: int) -> bool:
        """Mark the response; True if it sent us to the login page (the session was lost)."""
        if r.status_code == expect:
            r.success()
            return False
        where = r.headers.get("Location", "") if r.headers else ""
        if r.status_code == 302 and "/accounts/login" in where:
            r.failure("302 to the login page: the session was lost")
            return True
        r.failure(f"{r.status_code} (expected {expect}) {where}".strip())
        return False

    def _log_in_again(self):
        self.client.cookiejar.clear()
        if not self.log_in():
            raise StopUser

    def form_post(self, url: str, name: str, data: dict, *, expect: int = 302, check=None):
        body = {"csrfmiddlewaretoken": self.csrf(), **data}
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": Run.origin,
                   "Referer": Run.origin + url}  # fmt: skip
        with self.client.post(
            url, data=urlencode(body), name=name, allow_redirects=False, catch_response=True, headers=headers
        ) as r:
            if r.status_code == expect and check is not None and not check(r):
                r.failure(f"{r.status_code} but not the expected answer")
                return
            lost = self._judge(r, expect)
        if lost:
            self._log_in_again()


class Officer(FengqiaoUser):
    """社区民警: the lists, the door-plate scan and the search."""

    weight = 6
    role = "officers"

    def check_url(self):
        return "/residents/persons/"

    @task(3)
    def person_list(self):
        self.page("/residents/persons/", "officer: person list")

    @task(2)
    def house_list(self):
        self.page("/residents/houses/", "officer: house list")

    @task(3)
    def scan(self):
        self.page(f"/q/{self.rng.choice(self.account['scan'])}/", "officer: door-plate scan")

    @task(2)
    def search_name(self):
        q = urlencode({"q": self.rng.choice(self.account["names"])})
        self.page(f"/residents/persons/?{q}", "officer: search by name")

    @task(2)
    def search_id(self):
        q = urlencode({"q": self.rng.choice(self.account["ids"])})
        self.page(f"/residents/persons/?{q}", "officer: search by ID number")


def _tenant(rng: random.Random) -> dict:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(45 * 365))
    return {
        "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
        "id_number": gb11643.make(rng.choice(AREAS), birth, rng.randrange(1000)),
        "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
        "move_in": dt.datetime.now(SHANGHAI).date().isoformat(),
    }


class Landlord(FengqiaoUser):
    """房东: the API, as a phone app uses it — a token, then declarations."""

    weight = 2
    role = "landlords"

    def check_url(self):
        return "/api/v1/rentals/declarations/?status=submitted"

    def check_session(self) -> bool:
        if not self.token:
            return False
        with self.client.get(
            self.check_url(), name="session check", headers=self.auth(), catch_response=True, allow_redirects=False
        ) as r:
            r.success()
            return r.status_code == 200

    def auth(self) -> dict:
        return {"Authorization": f"Token {self.token}"}

    def log_in(self) -> bool:
        Run.logins += 1
        with self.client.post(
            "/api/v1/auth/token/", json={"username": self.account["username"], "password": Run.password},
            name="login (API token)", catch_response=True,
        ) as r:  # fmt: skip
            token = (r.json() or {}).get("token") if r.status_code == 200 else None
            if not token:
                r.failure(f"token: {r.status_code}")
                return self._login_failed(r.status_code, "no token: wrong password or locked out (not retried)")
        self.token = token
        return True

    @task(1)
    def declare(self):
        payload = {"house_token": self.rng.choice(self.account["houses"]), "kind": "move_in", "rental_type": "long",
                   "tenants": [_tenant(self.rng)]}  # fmt: skip
        with self.client.post(
            "/api/v1/rentals/declarations/", json=payload, headers=self.auth(), name="landlord: declare (API)",
            catch_response=True, allow_redirects=False,
        ) as r:  # fmt: skip
            if r.status_code == 201:
                r.success()
            else:
                r.failure(f"{r.status_code} (expected 201) {(r.text or '')[:200]}")

    @task(1)
    def declarations(self):
        self.page("/api/v1/rentals/declarations/", "landlord: my declarations (API)", headers=self.auth())


class Volunteer(FengqiaoUser):
    """编外网格员: reports an event from the phone, after looking for similar ones."""

    weight = 2
    role = "volunteers"

    def check_url(self):
        return "/events/mine/"

    @task(1)
    def report_form(self):
        self.page(f"/events/report/?building={self.rng.choice(self.account['buildings'])}", "volunteer: report form")

    @task(1)
    def similar(self):
        q = urlencode({"category": self.rng.choice(CATEGORIES), "building": self.rng.choice(self.account["buildings"])})
        self.page(f"/events/report/similar/?{q}", "volunteer: similar events (htmx)", headers={"HX-Request": "true"})

    @task(1)
    def report(self):
        data = {"category": self.rng.choice(CATEGORIES), "description": self.rng.choice(WHAT) + "（压力测试）",
                "building": self.rng.choice(self.account["buildings"]), "lat": "", "lng": ""}  # fmt: skip
        self.form_post(
            "/events/report/", "volunteer: report event", data,
            check=lambda r: re.search(r"/events/\d+/$", r.headers.get("Location", "")) is not None,
        )  # fmt: skip

    @task(1)
    def mine(self):
        self.page("/events/mine/", "volunteer: my reports")
