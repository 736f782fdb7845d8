"""Scope matrix rows for the incident pages (/incidents/) and API (/api/v1/grid/incidents/).

Police work: officers, auxiliaries, chiefs and admins; grid workers, volunteers, landlords and
mediators get 404 on the pages (an empty list from the API). One incident lies in 甲一网格 at a
known address and cell: those whose scope covers 甲一 see it, other police staff get the page
without it. An import job is its creator's (officer_a) only.
"""

import json

from django.urls import reverse

from incidents.models import IncidentImport, cell_centre, cell_index
from tests.factories import centre
from tests.incidents.helpers import add
from tests.scope import SEES_A1, Route, api_list, api_object, gated_list, gated_object

STAFF = {"officer_a", "aux_a", "chief", "admin", "officer_b", "other_station_officer", "other_chief"}
STAFF_A1 = SEES_A1 & STAFF
NUMBER = "6401062026990001"
ADDRESS = "矩阵测试路9号"


def incident(w):
    if not hasattr(w, "_incident"):
        w._incident = add(NUMBER, when="2026-01-05 10:00", grid=w.a1, address=ADDRESS)
    return w._incident


def number(w):
    return incident(w).number


def address(w):
    return incident(w).address


def cell(w):
    """The heat cell as the JSON shows it: ``[lat, lng`` of its centre."""
    incident(w)
    lat, lng = centre(w.a1)
    return json.dumps([cell_centre(cell_index(lat)), cell_centre(cell_index(lng))])[:-1]


def job(w):
    if not hasattr(w, "_incident_job"):
        w._incident_job = IncidentImport.objects.create(
            created_by=w.users["officer_a"], file="incident-imports/x.csv", original_name="矩阵.csv", total=1
        )
    return w._incident_job


PERIOD = "?start=2026-01-01&end=2026-01-31"

ROUTES = {
    "incidents:list": Route(lambda w: reverse("incidents:list"), gated_list(STAFF, STAFF_A1), number),
    "incidents:import": Route(lambda w: reverse("incidents:import"), gated_object(STAFF)),
    "incidents:import_template": Route(lambda w: reverse("incidents:import_template"), gated_object(STAFF)),
    "incidents:import_job": Route(
        lambda w: reverse("incidents:import_job", args=[job(w).pk]), gated_object({"officer_a"}), lambda w: "矩阵.csv"
    ),
    "incidents:import_job_progress": Route(
        lambda w: reverse("incidents:import_job_progress", args=[job(w).pk]), gated_object({"officer_a"})
    ),
    "incidents:map": Route(lambda w: reverse("incidents:map"), gated_object(STAFF)),
    "incidents:heat_cells": Route(
        lambda w: reverse("incidents:heat_cells") + PERIOD, gated_list(STAFF, STAFF_A1), cell
    ),
    "incidents:hotspots": Route(lambda w: reverse("incidents:hotspots") + PERIOD, gated_list(STAFF, STAFF_A1), address),
    "incident-list": Route(lambda w: reverse("incident-list"), api_list(STAFF_A1), number),
    "incident-detail": Route(lambda w: reverse("incident-detail", args=[incident(w).pk]), api_object(STAFF_A1)),
    "incident-heat": Route(lambda w: reverse("incident-heat") + PERIOD, api_list(STAFF_A1), cell),
}
