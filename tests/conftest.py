"""Personas and the small world they live in, plus switches for services CI must have.

World: station S1 has police grid A (officer_a; community grids A1, A2) and police grid B
(officer_b; community grid B1). Station S2 has police grid C (other_station_officer; grid C1).
A1 has a grid worker, an auxiliary and a volunteer; B1 another volunteer. Every community
grid has two buildings.
"""

import os
import shutil
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from shapely.geometry import shape
from shapely.ops import unary_union

from accounts.models import Role
from config.celery import app as celery_app
from grid import members
from grid.models import MemberType
from grid.seed import geojson
from residents.models import HouseUse
from tests.factories import (
    BuildingFactory,
    CommunityGridFactory,
    HouseFactory,
    PersonFactory,
    PoliceGridFactory,
    ResidenceFactory,
    StationFactory,
    UserFactory,
    centre,
)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PASSWORD = "correct-horse-battery"


def need(condition: bool, reason: str):
    """Skip with ``reason`` when a service is missing on a developer's machine; fail in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI requires this: {reason}")
    pytest.skip(reason)


def decode_qr_codes(pdf: bytes, tmp_path) -> list[str]:
    """Every QR code on every page of ``pdf``, rendered at 150 dpi as a printer would, read by ZXing."""
    import subprocess

    import zxingcpp
    from PIL import Image

    need(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    (tmp_path / "qr.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", tmp_path / "qr.pdf", tmp_path / "qr-page"], check=True)
    texts = []
    for png in sorted(tmp_path.glob("qr-page-*.png")):
        with Image.open(png) as image:
            texts.extend(r.text for r in zxingcpp.read_barcodes(image))
    return texts


def postgres_available() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def redis_available() -> bool:
    return bool(settings.REDIS_URL)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def _fast_and_eager(settings):
    # Hashing cost is not under test; eager tasks unless a test starts a real worker.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded photos and generated PDFs go to a per-test folder, never into the work tree.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    # Axes keeps lockouts in the database, sessions in the cache: start every test clean.
    from django.core.cache import cache

    cache.clear()
    yield


@dataclass
class World:
    s1: object
    s2: object
    pg_a: object
    pg_b: object
    pg_c: object
    a1: object
    a2: object
    b1: object
    c1: object
    buildings: dict
    users: dict
    houses: dict
    persons: dict

    def building(self, grid_name: str):
        return self.buildings[grid_name][0]

    def house(self, grid_name: str):
        """The rental house in that grid (``unit`` 1单元101); a second, owner-occupied one is 1单元102."""
        return self.houses[grid_name][0]

    def person(self, grid_name: str):
        """The tenant living in that grid's rental house."""
        return self.persons[grid_name]


def _building(grid, dx):
    lat, lng = centre(grid, dx)
    return BuildingFactory(grid=grid, lat=lat, lng=lng)


@pytest.fixture
def world(db) -> World:
    u = {
        "officer_a": UserFactory(username="officer_a", role=Role.OFFICER),
        "officer_b": UserFactory(username="officer_b", role=Role.OFFICER),
        "other_station_officer": UserFactory(username="other_station_officer", role=Role.OFFICER),
        "aux_a": UserFactory(username="aux_a", role=Role.AUXILIARY),
        "grid_worker": UserFactory(username="grid_worker", role=Role.GRID_WORKER),
        "volunteer": UserFactory(username="volunteer", role=Role.VOLUNTEER),
        "volunteer_b": UserFactory(username="volunteer_b", role=Role.VOLUNTEER),
        "landlord": UserFactory(username="landlord", role=Role.LANDLORD),
        "landlord2": UserFactory(username="landlord2", role=Role.LANDLORD),
        "mediator": UserFactory(username="mediator", role=Role.MEDIATOR),
        "admin": UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True),
    }
    s1, s2 = StationFactory(name="上海西路派出所"), StationFactory(name="北京路派出所")
    u["chief"] = UserFactory(username="chief", role=Role.CHIEF, station=s1)
    u["other_chief"] = UserFactory(username="other_chief", role=Role.CHIEF, station=s2)
    pg_a = PoliceGridFactory(station=s1, officer=u["officer_a"], name="甲警务区")
    pg_b = PoliceGridFactory(station=s1, officer=u["officer_b"], name="乙警务区")
    pg_c = PoliceGridFactory(station=s2, officer=u["other_station_officer"], name="丙警务区")
    a1 = CommunityGridFactory(police_grid=pg_a, name="甲一网格", grid_worker=u["grid_worker"], auxiliary=u["aux_a"])
    members.enrol([(a1.pk, u["volunteer"], MemberType.RESIDENT, "13900000001")])
    a2 = CommunityGridFactory(police_grid=pg_a, name="甲二网格")
    b1 = CommunityGridFactory(police_grid=pg_b, name="乙一网格")
    members.enrol([(b1.pk, u["volunteer_b"], MemberType.RESIDENT, "13900000002")])
    c1 = CommunityGridFactory(police_grid=pg_c, name="丙一网格")
    for pg, grids in ((pg_a, [a1, a2]), (pg_b, [b1]), (pg_c, [c1])):
        pg.boundary = geojson(unary_union([shape(g.boundary) for g in grids]))
        pg.save()
    buildings = {g.name: [_building(g, -0.2), _building(g, 0.2)] for g in (a1, a2, b1, c1)}
    houses, persons = {}, {}
    for n, g in enumerate((a1, a2, b1, c1)):
        b = buildings[g.name][0]
        rental = HouseFactory(building=b, unit="1单元101", use=HouseUse.RENTAL)
        own = HouseFactory(building=b, unit="1单元102", use=HouseUse.OWNER_OCCUPIED)
        houses[g.name] = [rental, own]
        person = PersonFactory(name=f"住户{g.name}", id_seq=n * 2 + 1, grid=g)
        ResidenceFactory(person=person, house=rental)
        persons[g.name] = person
    return World(s1, s2, pg_a, pg_b, pg_c, a1, a2, b1, c1, buildings, u, houses, persons)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def otp_verified(client: Client, user) -> Client:
    """The client's session verified by a second factor, as after typing a code."""
    from accounts import otp

    otp.mark_verified(client.session, user)
    return client


@pytest.fixture
def as_user(world):
    """``as_user("officer_a")`` → a logged-in test client for that persona."""

    def _client(name: str) -> Client:
        if name == "anonymous":
            return Client()
        return login(world.users[name])

    return _client


@pytest.fixture
def as_user_en(as_user, settings):
    """``as_user`` with the pages in English (the language cookie): for tests that match messages by
    their (English) msgid."""

    def _client(name: str) -> Client:
        client = as_user(name)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _client


@pytest.fixture
def english():
    """Run in English: for tests that match messages by their (English) msgid."""
    from django.utils import translation

    with translation.override("en"):
        yield
