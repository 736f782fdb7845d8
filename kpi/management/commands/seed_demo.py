"""``python manage.py seed_demo --scale demo|city``: deterministic, idempotent demo data."""

import random
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from faker import Faker

from disputes import seed as disputes_seed
from events import seed as events_seed
from field import seed as field_seed
from grid import seed as grid_seed
from incidents import seed as incidents_seed
from inspections import seed as inspections_seed
from kpi import seed as kpi_seed
from lib import bulk
from noise import seed as noise_seed
from rentals import seed as rentals_seed
from residents import seed as residents_seed
from topics import seed as topics_seed

SEED = 20261122
# The city's big tables, per step: loaded without their secondary indexes and foreign keys, which
# are built again after the step (lib.bulk.indexes_after). The incidents step does so itself.
BIG = {
    "residents": ("residents_house", "residents_person", "residents_residence"),
    "rentals": ("rentals_rentaldeclaration", "rentals_declaredtenant"),
    "inspections": ("inspections_inspection", "inspections_answer", "inspections_hazard", "inspections_hazardevent"),
    "events": ("events_event", "events_eventlog", "events_pointaward", "events_supporter"),
    "field": ("field_check", "residents_visit", "residents_visit_participants"),
}
DEMO_USERS = [
    ("admin", "系统管理员 (Django admin)"),
    ("chief", "所长 — the whole station"),
    ("officer1", "社区民警 — 上海西路警务区"),
    ("officer2", "社区民警 — 阅海警务区"),
    ("aux1", "辅警 — 上海西路警务区's grids"),
    ("gridworker1", "网格员 — 阅海社区第1网格"),
    ("volunteer1", "编外网格员 — 阅海社区第1网格"),
    ("landlord1", "房东"),
    ("landlord2", "房东"),
    ("mediator1", "调解员"),
]


class Command(BaseCommand):
    help = "Seed demo data (one station) or a whole city. Same data every run; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["demo", "city"], default="demo")
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, scale, quiet_logins, **options):
        rng = random.Random(SEED)
        fake = Faker("zh_CN")
        fake.seed_instance(SEED)
        started = time.monotonic()
        self.stdout.write(f"Seeding {scale} data …")
        with transaction.atomic():
            if scale == "demo":
                grid_seed.seed_demo(password=settings.DEMO_PASSWORD, rng=rng, fake=fake, out=self.stdout.write)
                residents_seed.seed_demo(rng=rng, fake=fake, out=self.stdout.write)
                rentals_seed.seed_demo(password=settings.DEMO_PASSWORD, rng=rng, fake=fake, out=self.stdout.write)
                inspections_seed.seed_demo(rng=rng, out=self.stdout.write)
                disputes_seed.seed_demo(rng=rng, out=self.stdout.write)
                events_seed.seed_demo(rng=rng, out=self.stdout.write)
                field_seed.seed_demo(rng=rng, out=self.stdout.write)
                noise_seed.seed_demo(rng=rng, out=self.stdout.write)
                topics_seed.seed_demo(rng=rng, out=self.stdout.write)
                incidents_seed.seed_demo(rng=rng, out=self.stdout.write)
                kpi_seed.seed(out=self.stdout.write)
            else:
                self._city(rng, fake)
        if scale == "city" and connection.vendor == "postgresql":
            # What autovacuum would have done by the time anyone reads the data (it may be off, or
            # behind a load this size): statistics for the KPI figures written last, and visibility
            # maps, without which an index-only scan still reads every row from the table.
            t0 = time.monotonic()
            with connection.cursor() as c:
                c.execute("VACUUM (ANALYZE)")  # not in a transaction: after the seed's has committed
            self.stdout.write(f"  VACUUM (ANALYZE)\n    ({time.monotonic() - t0:.0f} s)")
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s."))
        if scale == "demo" and not quiet_logins:
            self.stdout.write("")
            self.stdout.write(f"Demo logins (password: {settings.DEMO_PASSWORD}):")
            for username, what in DEMO_USERS:
                self.stdout.write(f"  {username:<12} {what}")

    def _city(self, rng, fake):
        """The city, step by step, each step's time printed (the README's figures come from here)."""
        out, progress = self.stdout.write, self._progress

        def step(fn, tables=(), **kwargs):
            t0 = time.monotonic()
            with bulk.indexes_after(*tables):
                result = fn(rng=rng, out=out, **kwargs)
            out(f"    ({time.monotonic() - t0:.0f} s)")
            return result

        step(grid_seed.seed_city, password=settings.DEMO_PASSWORD, fake=fake, progress=progress)
        step(residents_seed.seed_city, progress=progress, tables=BIG["residents"])
        step(rentals_seed.seed_city, password=settings.DEMO_PASSWORD, tables=BIG["rentals"])
        for seed in (inspections_seed, disputes_seed, events_seed, noise_seed, topics_seed, incidents_seed):
            step(seed.seed_city, tables=BIG.get(seed.__name__.split(".")[0], ()))
        step(field_seed.seed_city, progress=progress, tables=BIG["field"])
        if connection.vendor == "postgresql":  # statistics for the KPI step's reads (autovacuum may be off, or late)
            with connection.cursor() as c:
                c.execute("ANALYZE")
        t0 = time.monotonic()
        kpi_seed.seed(out=out, make_reports=False)
        out(f"    ({time.monotonic() - t0:.0f} s)")

    def _progress(self, done, total):
        width = 30
        filled = int(width * done / total)
        sys.stdout.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}")
        if done >= total:
            sys.stdout.write("\n")
        sys.stdout.flush()
