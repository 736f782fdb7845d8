"""``python manage.py bench [--repeat 50] [--only NAME …] [--no-background]``: time the requests
people make and the background work (see ``kpi.bench`` and ``kpi.bench_background``), each figure
beside its target; write ``bench/results.json``.

Run it against PostgreSQL with the city data (``seed_demo --scale city``); on the demo's SQLite it
works too, as a smoke test, and says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import time
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import Count
from django.urls import clear_url_caches
from django.utils import timezone

from kpi import bench
from kpi import bench_background as bg


def _register_naive_admins():
    """The naive alternative: a plain ModelAdmin changelist for the tables that have none (the
    registries are kept out of the admin on purpose; here only, for comparison)."""
    from residents.models import House, Person

    for model in (Person, House):
        if not admin.site.is_registered(model):
            admin.site.register(model)
    clear_url_caches()


class Command(BaseCommand):
    help = (
        "Time the main requests through Django's request path and the background work, each beside its target; "
        "print a table, write bench/results.json."
    )
    requires_system_checks = []  # the admin gets two more models first, before the URLconf is loaded

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=50)
        parser.add_argument("--warmup", type=int, default=3, help="untimed requests before each measure")
        parser.add_argument(
            "--only", nargs="*", help="names of the measures to run (the floor comes with any request); 'background'"
            " for all of the background work"
        )  # fmt: skip
        parser.add_argument(
            "--background", action=argparse.BooleanOptionalAction, default=True,
            help="also measure notices, label sheets, the monthly KPI aggregation and a worker's memory (default)",
        )  # fmt: skip
        parser.add_argument("--notices", type=int, default=200, help="notices without photos to render")
        parser.add_argument("--notices-with-photos", type=int, default=60, help="notices with two photos to render")
        parser.add_argument("--worker-notices", type=int, default=200, help="notices the Celery worker renders")
        parser.add_argument("--label-houses", type=int, default=1000, help="houses on the label sheets")
        parser.add_argument("--out", type=Path, default=bench.RESULTS, help="where to write the results")

    def handle(self, *args, repeat, warmup, only, background: bool, out: Path, **options):
        started = time.monotonic()
        wanted = set(only or ())
        if "background" in wanted:
            wanted = (wanted - {"background"}) | set(bg.NAMES)
        if connection.vendor != "postgresql":
            self.stdout.write(
                self.style.WARNING("Not PostgreSQL: the figures below are a smoke test, not the benchmark.")
            )
        if settings.DEBUG:
            self.stdout.write(
                self.style.WARNING(
                    "DEBUG is on (templates re-read, queries logged): `make bench` runs in production mode."
                )
            )
        entries = []
        if not wanted or wanted - set(bg.NAMES):
            entries = self._requests(repeat=repeat, warmup=warmup, wanted=wanted)
            if entries is None:
                return
        names = [n for n in bg.NAMES if n in wanted] if wanted else list(bg.NAMES) if background else []
        if names:
            entries += self._background(names, options)
        entries.append(bench.memory_entry())
        self.stdout.write("")
        self.stdout.write(bench.value_line(entries[-1]))
        checked = [e for e in entries if e.get("ok") is not None]
        missed = [e["name"] for e in checked if not e["ok"]]
        self.stdout.write(f"  {len(checked) - len(missed)} of {len(checked)} targets met"
                          + (f"; missed: {', '.join(missed)}" if missed else "")
                          + f"; {time.monotonic() - started:.0f} s in all")  # fmt: skip
        path = bench.write(entries, out)
        self.stdout.write(self.style.SUCCESS(f"Written to {path}"))

    def _requests(self, *, repeat: int, warmup: int, wanted: set[str]) -> list[dict] | None:
        """The requests (those ``--only`` names, with the floor), then the ratios; None without data."""
        _register_naive_admins()
        from accounts.models import Role, User
        from grid.models import Building, PoliceGrid
        from rentals.models import LandlordProfile
        from residents.models import House, Person

        officer_grid = (
            PoliceGrid.objects.exclude(officer=None)
            .annotate(n=Count("community_grids__buildings"))
            .order_by("-n")
            .first()
        )
        if officer_grid is None:
            self.stderr.write("No data: seed first (seed_demo --scale city).")
            return None
        officer = officer_grid.officer
        chief = User.objects.filter(role=Role.CHIEF, station=officer_grid.station).first()
        superuser = User.objects.filter(is_superuser=True, is_active=True).first()
        landlord = LandlordProfile.objects.select_related("user").first()
        person = Person.objects.filter(grid__police_grid=officer_grid).exclude(id_number_enc="").order_by("pk").first()
        house = House.objects.filter(grid__police_grid=officer_grid).order_by("pk").first()
        building = (
            Building.objects.filter(grid__police_grid=officer_grid).annotate(n=Count("houses")).order_by("-n").first()
        )
        per_page = 50
        officer_persons = Person.objects.filter(grid__police_grid=officer_grid).count()
        deep = max(1, min(200, math.ceil(officer_persons / per_page)))
        all_persons = bench.rows_in("residents_person") or 0
        admin_deep = max(1, min(deep, math.ceil(all_persons / 100)))

        from lib import crypto

        id_number = crypto.decrypt(person.id_number_enc) if person else ""
        surname = person.name[:2] if person else "王"
        m = bench.Measure
        measures = [
            m("floor", officer.username, bench.url("healthz")),
            m("qr_scan", officer.username, bench.url("scan:scan", house.qr_token), "residents_visit"),
            m("search_id", officer.username, bench.url("residents:person_list", query=f"q={id_number}"),
              "residents_person"),
            m("search_name", officer.username, bench.url("residents:person_list", query=f"q={surname}"),
              "residents_person"),
            m("list_first", officer.username, bench.url("residents:person_list"), "residents_person"),
            m("list_deep", officer.username, bench.url("residents:person_list", query=f"page={deep}"),
              "residents_person"),
            m("list_houses", officer.username, bench.url("residents:house_list"), "residents_house"),
            m("list_declarations", officer.username, bench.url("rentals:declaration_list"),
              "rentals_rentaldeclaration"),
            m("list_hazards", officer.username, bench.url("hazards:ledger"), "inspections_hazard"),
            m("list_disputes", officer.username, bench.url("disputes:ledger"), "disputes_dispute"),
            m("list_events", officer.username, bench.url("events:list"), "events_event"),
            m("ledger_four_colour", officer.username, bench.url("residents:building_ledger", building.pk),
              "residents_house"),
            m("review_queue", officer.username, bench.url("rentals:review"), "rentals_rentaldeclaration"),
            m("map_geojson", officer.username, bench.url("grid:buildings_geojson"), "grid_building"),
            m("api_list", officer.username, bench.url("person-list"), "residents_person"),
        ]  # fmt: skip
        if chief is not None:
            measures += [
                m("heat_cells", chief.username, bench.url("incidents:heat_cells"), "incidents_heatcell"),
                m("kpi_chief", chief.username, bench.url("kpi:station"), "kpi_figure"),
            ]
        if superuser is not None:
            measures += [
                m("admin_changelist_first", superuser.username, bench.url("admin:residents_person_changelist"),
                  "residents_person"),
                m("admin_changelist_deep", superuser.username,
                  bench.url("admin:residents_person_changelist", query=f"p={admin_deep}"), "residents_person"),
            ]  # fmt: skip
        if landlord is not None and house is not None:
            from lib import gb11643

            tenant_id = gb11643.make("640104", dt.date(1990, 5, 17), 321)
            payload = {
                "house_token": house.qr_token, "kind": "move_in", "rental_type": "long",
                "tenants": [{"name": "测试租客", "id_number": tenant_id, "phone": "13912345678",
                             "move_in": timezone.localdate().isoformat()}],
            }  # fmt: skip
            measures.append(
                m("declaration_submit", landlord.user.username, bench.url("declaration-list"),
                  "rentals_rentaldeclaration", method="post", data=lambda: json.dumps(payload),
                  content_type="application/json", expect=201)
            )  # fmt: skip
        if wanted:
            measures = [x for x in measures if x.name in wanted]
            if measures and measures[0].name != "floor":
                measures.insert(0, m("floor", officer.username, bench.url("healthz")))

        self.stdout.write(f"Timing {len(measures)} requests, {repeat} times each (officer {officer.username}, "
                          f"{officer_persons:,} persons in scope) …")  # fmt: skip
        self.stdout.write(bench.REQUEST_HEADER)
        runner = bench.Runner(repeat=repeat, warmup=warmup, out=self.stdout.write)
        results = [runner.run(x) for x in measures]
        ratios = [
            bench.ratio_entry(results, "ratio_list_first_vs_admin", "list_first", "admin_changelist_first"),
            bench.ratio_entry(results, "ratio_list_deep_vs_admin", "list_deep", "admin_changelist_deep"),
            bench.ratio_entry(results, "ratio_list_first_vs_floor", "floor", "list_first"),
        ]
        ratios = [r for r in ratios if r["value"] is not None]
        if ratios:
            self.stdout.write("")
            self.stdout.write(bench.VALUE_HEADER)
            for r in ratios:
                self.stdout.write(bench.value_line(r))
        return results + ratios

    def _background(self, names: list[str], options) -> list[dict]:
        """The background work, each measure in turn (the worker last: it is a second process)."""
        self.stdout.write("")
        self.stdout.write("Background work …")
        self.stdout.write(bench.VALUE_HEADER)
        runs = {
            bg.NOTICES: lambda: bg.notices_per_second(options["notices"], photos=0),
            bg.NOTICES_PHOTOS: lambda: bg.notices_per_second(options["notices_with_photos"], photos=2),
            bg.NOTICES_ONE: lambda: bg.notices_per_second(options["notices"], photos=0, one_by_one=True),
            bg.LABELS: lambda: bg.label_sheet(options["label_houses"]),
            bg.KPI_MONTH: bg.kpi_month,
            bg.WORKER_RSS: lambda: bg.worker_peak_rss(options["worker_notices"], out=self.stdout.write),
        }
        entries = []
        for name in names:
            entry = bench.check(runs[name]())
            self.stdout.write(bench.value_line(entry))
            entries.append(entry)
        return entries
