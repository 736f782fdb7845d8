"""Scope matrix rows for the noise pages (/noise/) and API (/api/v1/grid/noise/…): a class-1
sensor on 甲一's first building whose property contact is ``landlord``, with one night alert.

The sensor list is for staff (officer, auxiliary, chief, admin); registering a sensor for
officers, chiefs and admins. A sensor's page and its alerts are seen by the staff whose scope
covers 甲一 and by the contact; the alert page is for staff and for property contacts (the other
landlord, a mediator, grid workers and volunteers get 404). Readings are posted with a sensor key,
never a login: a GET is 405 for everyone.
"""

from django.urls import reverse

from tests.noise.helpers import NAME, night_alert
from tests.scope import Route, api_list, api_object, gated_list, gated_object

STAFF = {"officer_a", "aux_a", "chief", "admin", "officer_b", "other_station_officer", "other_chief"}
STAFF_OF_A1 = {"officer_a", "aux_a", "chief", "admin"}
SEES_SENSOR = STAFF_OF_A1 | {"landlord"}


def alert(w):
    if not hasattr(w, "_noise"):
        w._noise = night_alert(w)
    return w._noise[1]


def sensor_pk(w):
    return alert(w).sensor_id


def marker(w):
    alert(w)
    return NAME


def post_only(p):
    """GET is 405 for anyone logged in: the method check comes before the alert is fetched (the
    POST's scope is tested in tests/noise/test_pages.py)."""
    return "login" if p == "anonymous" else "method_not_allowed"


ROUTES = {
    "noise:sensors": Route(lambda w: reverse("noise:sensors"), gated_list(STAFF, STAFF_OF_A1), marker),
    "noise:sensor_create": Route(
        lambda w: reverse("noise:sensor_create"),
        gated_object({"officer_a", "chief", "admin", "officer_b", "other_station_officer", "other_chief"}),
    ),
    "noise:sensor": Route(lambda w: reverse("noise:sensor", args=[sensor_pk(w)]), gated_object(SEES_SENSOR), marker),
    "noise:alerts": Route(lambda w: reverse("noise:alerts"), gated_list(STAFF | {"landlord"}, SEES_SENSOR), marker),
    "noise:acknowledge": Route(lambda w: reverse("noise:acknowledge", args=[alert(w).pk]), post_only),
    "noisereading-list": Route(lambda w: reverse("noisereading-list"), lambda p: "method_not_allowed"),
    "noisesensor-list": Route(lambda w: reverse("noisesensor-list"), api_list(SEES_SENSOR), marker),
    "noisesensor-detail": Route(lambda w: reverse("noisesensor-detail", args=[sensor_pk(w)]), api_object(SEES_SENSOR)),
    "noisealert-list": Route(lambda w: reverse("noisealert-list"), api_list(SEES_SENSOR), marker),
    "noisealert-detail": Route(lambda w: reverse("noisealert-detail", args=[alert(w).pk]), api_object(SEES_SENSOR)),
}
