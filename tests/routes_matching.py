"""Scope matrix rows for cross-matching (百宝箱). Volunteers, landlords and mediators: 404.

The POST-only routes answer a GET with 405 to the roles that may use them (404 to the rest);
their scope on POST is tested in tests/rentals/test_matching.py.
"""

from django.urls import reverse

from rentals.models import MismatchKind, MismatchTask
from tests.scope import Route

MATCHERS_OF_A1 = {"officer_a", "aux_a", "grid_worker", "chief", "admin"}
MATCHING_PERSONAS = MATCHERS_OF_A1 | {"officer_b", "other_station_officer", "other_chief"}


def matching_list(p):
    if p == "anonymous":
        return "login"
    if p not in MATCHING_PERSONAS:
        return "404"
    return "ok" if p in MATCHERS_OF_A1 else "hidden"


def matching_object(p):
    if p == "anonymous":
        return "login"
    return "ok" if p in MATCHERS_OF_A1 else "404"


def post_only(p):
    if p == "anonymous":
        return "login"
    return "method_not_allowed" if p in MATCHING_PERSONAS else "404"


def _task(w):
    task, _ = MismatchTask.objects.get_or_create(
        kind=MismatchKind.UNDECLARED_RENTAL,
        subject=f"house:{w.house('甲一网格').pk}",
        defaults={"grid": w.a1, "fingerprint": "x", "description": "测试"},
    )
    return task


ROUTES = {
    "matching:index": Route(lambda w: reverse("matching:index"), matching_list, lambda w: w.a1.name),
    "matching:grid": Route(lambda w: reverse("matching:grid", args=[w.a1.pk]), matching_object, lambda w: w.a1.name),
    "matching:sync": Route(lambda w: reverse("matching:sync", args=[w.a1.pk]), post_only),
    "matching:task_close": Route(lambda w: reverse("matching:task_close", args=[_task(w).pk]), post_only),
}
