"""Scope matrix rows for the grid roster (/grid/members/…) and the public volunteer pages.

An application waiting in 甲一网格. Police staff of that grid and its grid worker read the roster
(others with roster roles get the list without it); volunteers, landlords and mediators get 404;
only police staff decide and add members (the grid worker gets 404 there).
"""

from django.urls import reverse

from grid.models import GridMember
from tests.scope import EDITOR_ROLES, EDITORS_OF_A1, Route, gated_list, gated_object, gated_post, public

NAME = "矩阵申请人"
DECIDERS_OF_A1 = EDITORS_OF_A1 - {"grid_worker"}


def applicant(w):
    if not hasattr(w, "_applicant"):
        m = GridMember(grid=w.a1, name=NAME, member_type="resident", applied=True)
        m.set_phone("13811112222")
        m.save()
        w._applicant = m
    return w._applicant


def _roster_file(p):
    return "login" if p == "anonymous" else ("ok" if p in EDITOR_ROLES else "404")


def _call(p):
    return "login" if p == "anonymous" else ("redirect" if p in EDITORS_OF_A1 else "404")


ROUTES = {
    "grid:member_list": Route(
        lambda w: reverse("grid:member_list"), gated_list(EDITOR_ROLES, EDITORS_OF_A1), lambda w: applicant(w).name
    ),
    "grid:member_export": Route(lambda w: reverse("grid:member_export"), _roster_file),
    "grid:member_detail": Route(
        lambda w: reverse("grid:member_detail", args=[applicant(w).pk]), gated_object(EDITORS_OF_A1), lambda w: NAME
    ),
    "grid:member_decide": Route(
        lambda w: reverse("grid:member_decide", args=[applicant(w).pk]), gated_post(EDITOR_ROLES)
    ),
    "grid:member_call": Route(lambda w: reverse("grid:member_call", args=[applicant(w).pk]), _call),
    "grid:member_add": Route(lambda w: reverse("grid:member_add", args=[w.a1.pk]), gated_object(DECIDERS_OF_A1)),
    "members:apply": Route(lambda w: reverse("members:apply"), public),
    "members:password": Route(lambda w: reverse("members:password"), public),
}
