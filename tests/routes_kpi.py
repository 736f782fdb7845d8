"""Scope matrix rows for the KPI pages (/kpi/): a visit in 甲一网格 by officer_a this month, and a
recomputation asked for by the chief.

Chiefs and admins read the station page (another station's chief gets it without station S1's
police grids), the records behind a figure and any officer of their station; officers and
auxiliaries are sent from the station page to their own page, and chiefs the other way; the records
without ``person`` are for chiefs only. Grid workers, volunteers, landlords and mediators: 404.
Recomputing is POST-only for chiefs and admins; a run's page is its requester's (and admins').
"""

from django.urls import reverse

from kpi.models import Run
from residents.services import visit_record
from tests.scope import Route, gated_object, gated_post

CHIEFS = {"chief", "admin", "other_chief"}
OWN = {"officer_a", "aux_a", "officer_b", "other_station_officer"}
PURPOSE = "矩阵KPI走访"


def visit_in(w):
    if not hasattr(w, "_kpi_visit"):
        w._kpi_visit = visit_record(user=w.users["officer_a"], building=w.building("甲一网格"), purpose=PURPOSE)
    return w._kpi_visit


def run_of(w):
    if not hasattr(w, "_kpi_run"):
        today = visit_in(w).at.date()
        w._kpi_run = Run.objects.create(first_day=today, last_day=today, requested_by=w.users["chief"])
    return w._kpi_run


def _station(p):
    if p == "anonymous":
        return "login"
    if p in OWN:
        return "redirect"
    if p in CHIEFS:
        return "hidden" if p == "other_chief" else "ok"
    return "404"


def _mine(p):
    if p == "anonymous":
        return "login"
    if p in OWN:
        return "ok"
    return "redirect" if p in CHIEFS else "404"


def _records(p):
    if p == "anonymous":
        return "login"
    if p in CHIEFS:
        return "hidden" if p == "other_chief" else "ok"
    return "404"  # officers only with person=<themselves>; everyone else never


def _marker(w):
    visit_in(w)
    return PURPOSE


ROUTES = {
    # The per-police-grid table names station S1's police grids.
    "kpi:station": Route(lambda w: reverse("kpi:station"), _station, lambda w: w.pg_a.name),
    "kpi:mine": Route(lambda w: reverse("kpi:mine"), _mine),
    "kpi:officer": Route(
        lambda w: reverse("kpi:officer", args=[w.users["officer_a"].pk]),
        gated_object({"chief", "admin"}),
        lambda w: w.users["officer_a"].display_name,
    ),
    "kpi:records": Route(lambda w: reverse("kpi:records", args=["visits"]), _records, _marker),
    "kpi:recompute": Route(lambda w: reverse("kpi:recompute"), gated_post(CHIEFS)),
    "kpi:run": Route(lambda w: reverse("kpi:run", args=[run_of(w).pk]), gated_object({"chief", "admin"})),
}


# Reports: a performance list of officer_a for last month, asked for by the chief (not rendered:
# the pages are about who may see it). The chief and admin see the station's reports, officer_a
# their own; downloads of a report that is not ready are 404 even for them.
def report_of(w):
    if not hasattr(w, "_kpi_report"):
        from kpi.models import Report

        today = visit_in(w).at.date()
        w._kpi_report = Report.objects.create(kind="officer_month", station=w.s1, officer=w.users["officer_a"],
                                              first_day=today.replace(day=1), last_day=today,
                                              requested_by=w.users["chief"])  # fmt: skip
    return w._kpi_report


READERS = CHIEFS | OWN


def _reports(p):
    if p == "anonymous":
        return "login"
    if p not in READERS:
        return "404"
    return "ok" if p in {"chief", "admin", "officer_a"} else "hidden"


def _api(visible):
    return lambda p: "401" if p == "anonymous" else ("ok" if p in visible else "404")


ROUTES |= {
    "kpi:reports": Route(lambda w: reverse("kpi:reports"), _reports, lambda w: str(report_of(w).officer.display_name)),
    "kpi:report": Route(
        lambda w: reverse("kpi:report", args=[report_of(w).pk]), gated_object({"chief", "admin", "officer_a"})
    ),
    "kpi:report_pdf": Route(lambda w: reverse("kpi:report_pdf", args=[report_of(w).pk]), gated_object(set())),
    "kpi:report_xlsx": Route(lambda w: reverse("kpi:report_xlsx", args=[report_of(w).pk]), gated_object(set())),
    "kpi-station": Route(lambda w: reverse("kpi-station"), _api(CHIEFS)),
    "kpi-me": Route(lambda w: reverse("kpi-me"), _api(OWN)),
}
