"""Scope matrix rows for cross-matching (百宝箱). Volunteers, landlords and mediators: 404.

The POST-only routes answer a GET with 405 to the roles that may use them (404 to the rest);
their scope on POST is tested in tests/rentals/test_matching.py.
"""

from django.urls import reverse

from rentals.models import MismatchKind, MismatchTask
from tests.scope import Route, gated_list, gated_object, gated_post

MATCHERS_OF_A1 = {"officer_a", "aux_a", "grid_worker", "chief", "admin"}
MATCHING_PERSONAS = MATCHERS_OF_A1 | {"officer_b", "other_station_officer", "other_chief"}


matching_list = gated_list(MATCHING_PERSONAS, MATCHERS_OF_A1)
matching_object = gated_object(MATCHERS_OF_A1)
post_only = gated_post(MATCHING_PERSONAS)


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
