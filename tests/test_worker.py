"""A real Celery worker, in its own process, against Redis and the PostgreSQL test database.

The test commits a misplaced building, enqueues the re-placement task through Redis and waits
for the worker's change to appear in PostgreSQL. It needs both services: skipped with a reason
on a machine without them, required in CI.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from grid.models import Building
from grid.tasks import grid_reassign_buildings
from tests.conftest import need, postgres_available, redis_available
from tests.factories import BuildingFactory, CommunityGridFactory, centre

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.worker


def _test_database_url() -> str:
    """DATABASE_URL with the database name swapped for pytest-django's test database."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture
def worker_queue():
    need(postgres_available(), "needs PostgreSQL (set DATABASE_URL=postgres://…)")
    need(redis_available(), "needs Redis (set REDIS_URL=redis://…)")
    queue = f"fq-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": _test_database_url(), "REDIS_URL": settings.REDIS_URL}
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
         "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "info"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield queue, proc
    finally:
        celery_app.conf.task_always_eager = eager
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_real_worker_replaces_a_building_and_the_change_lands_in_postgres(transactional_db, worker_queue):
    queue, proc = worker_queue
    here, there = CommunityGridFactory(), CommunityGridFactory()
    lat, lng = centre(here)
    building = BuildingFactory(grid=here, lat=lat, lng=lng)
    Building.objects.filter(pk=building.pk).update(grid=there)  # as if a boundary moved under it

    grid_reassign_buildings.apply_async(args=[there.id], queue=queue)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Building.objects.get(pk=building.pk).grid_id == here.id:
            break
        assert proc.poll() is None, f"worker died:\n{proc.stdout.read()}"
        time.sleep(0.25)
    else:
        proc.terminate()
        pytest.fail(f"the worker did not re-place the building in time; its log:\n{proc.communicate()[0]}")


def test_a_real_worker_escalates_an_event_past_its_time_limit(transactional_db, worker_queue):
    """The beat task, run by a worker: an event not accepted in time moves up a tier in PostgreSQL."""
    import datetime as dt

    from django.utils import timezone

    from accounts.models import Role
    from events import dispatch
    from events.models import Event, Tier
    from events.tasks import escalate_due
    from tests.factories import PoliceGridFactory, UserFactory

    queue, proc = worker_queue
    officer = UserFactory(role=Role.OFFICER)
    worker = UserFactory(role=Role.GRID_WORKER)
    grid = CommunityGridFactory(police_grid=PoliceGridFactory(officer=officer), grid_worker=worker)
    lat, lng = centre(grid)
    event = dispatch.event_report(
        user=UserFactory(role=Role.VOLUNTEER), category="facility", description="路灯不亮", lat=lat, lng=lng
    )
    assert event.tier == Tier.GRID
    Event.objects.filter(pk=event.pk).update(accept_by=timezone.now() - dt.timedelta(minutes=1))

    escalate_due.apply_async(queue=queue)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Event.objects.get(pk=event.pk).tier == Tier.POLICE_GRID:
            break
        assert proc.poll() is None, f"worker died:\n{proc.stdout.read()}"
        time.sleep(0.25)
    else:
        proc.terminate()
        pytest.fail(f"the worker did not escalate the event in time; its log:\n{proc.communicate()[0]}")
    assert Event.objects.get(pk=event.pk).log.filter(action="auto_escalated").exists()
