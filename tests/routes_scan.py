"""Scope matrix rows for the door plates (/q/): the public scan page and the QR label sheets."""

from django.urls import reverse

from residents.models import LabelSheet
from tests.scope import EDITORS_OF_A1, SEES_A1, Route, bldg, page_object


def _scan(p):
    # The plate is public: everyone gets a page; only those working the grid see who lives there.
    return "ok" if p in SEES_A1 else "hidden"


def _post_only(p):
    return "login" if p == "anonymous" else "method_not_allowed"


def _sheet(w):
    return LabelSheet.objects.create(grid=w.a1, building=bldg(w), created_by=w.users["officer_a"], total=3)


ROUTES = {
    "scan:scan": Route(
        lambda w: reverse("scan:scan", args=[w.house("甲一网格").qr_token]), _scan, lambda w: w.person("甲一网格").name
    ),
    "scan:visit": Route(lambda w: reverse("scan:visit", args=[w.house("甲一网格").qr_token]), _post_only),
    "scan:label_create": Route(lambda w: reverse("scan:label_create"), _post_only),
    "scan:label_detail": Route(
        lambda w: reverse("scan:label_detail", args=[_sheet(w).pk]),
        page_object(EDITORS_OF_A1),
        lambda w: bldg(w).address,
    ),
    "scan:label_progress": Route(
        lambda w: reverse("scan:label_progress", args=[_sheet(w).pk]), page_object(EDITORS_OF_A1)
    ),
}

EXEMPT = {
    "scan:label_download": "streams a PDF: tests/residents/test_labels.py::test_only_staff_of_the_grid_may_download",
}
