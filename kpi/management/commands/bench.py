"""``python manage.py bench [--repeat 50]``: time the requests people make (see ``kpi.bench``).

Run it against PostgreSQL with the city data (``seed_demo --scale city``); on the demo's SQLite it
works too, as a smoke test, and says so.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time

from django.contrib import admin
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import Count
from django.urls import clear_url_caches
from django.utils import timezone

from kpi import bench


def _register_naive_admins():
    """The naive alternative: a plain ModelAdmin changelist for the tables that have none (the
    registries are kept out of the admin on purpose; here only, for comparison)."""
    from residents.models import House, Person

    for model in (Person, House):
        if not admin.site.is_registered(model):
            admin.site.register(model)
    clear_url_caches()


class Command(BaseCommand):
    help = "Time the main requests through Django's request path; print a table, write bench/results.json."
    requires_system_checks = []  # the admin gets two more models first, before the URLconf is loaded

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=50)
        parser.add_argument("--only", nargs="*", help="names of the measures to run")

    def handle(self, *args, repeat, only, **options):
        _register_naive_admins()
        from accounts.models import Role, User
        from grid.models import Building, PoliceGrid
        from rentals.models import LandlordProfile
        from residents.models import House, Person

        if connection.vendor != "postgresql":
            self.stdout.write(
                self.style.WARNING("Not PostgreSQL: the figures below are a smoke test, not the benchmark.")
            )
        officer_grid = (
            PoliceGrid.objects.exclude(officer=None)
            .annotate(n=Count("community_grids__buildings"))
            .order_by("-n")
            .first()
        )
        if officer_grid is None:
            self.stderr.write("No data: seed first (seed_demo --scale city).")
            return
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
        if only:
            measures = [x for x in measures if x.name in only or x.name == "floor"]

        self.stdout.write(f"Timing {len(measures)} requests, {repeat} times each (officer {officer.username}, "
                          f"{officer_persons:,} persons in scope) …")  # fmt: skip
        runner = bench.Runner(repeat=repeat, out=self.stdout.write)
        started = time.monotonic()
        results = [runner.run(x) for x in measures]
        ratios = {
            "list_first_vs_admin": bench.ratio(results, "list_first", "admin_changelist_first"),
            "list_deep_vs_admin": bench.ratio(results, "list_deep", "admin_changelist_deep"),
            "list_first_vs_floor": bench.ratio(results, "floor", "list_first"),
        }
        self.stdout.write("")
        for key, value in ratios.items():
            self.stdout.write(f"  {key:<26} {value if value is not None else '—'}×")
        self.stdout.write(f"  peak memory of this process {bench.peak_rss_mb()} MB; {time.monotonic() - started:.0f} s")
        path = bench.write(results, {"ratios": ratios, "peak_rss_mb": bench.peak_rss_mb()})
        self.stdout.write(self.style.SUCCESS(f"Written to {path}"))
