"""Scope matrix rows for the dispute ledger's list pages: the ledger, its Excel export, my
follow-ups and the mediator roster.

The world: a dispute of 甲一网格 (officer_a responsible) with the lawyer — whose login is the
``mediator`` persona — assigned, and its 7-day follow-up due today; station 1's roster (the
lawyer, a judge) and station 2's (a people's mediator).
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import Outcome
from tests.disputes.helpers import hold_session, make_dispute, roster
from tests.scope import Route, gated_list, gated_object

STAFF = {"officer_a", "aux_a", "officer_b", "chief", "admin", "other_station_officer", "other_chief"}
# The ledger: staff see their grids' disputes, the mediator the one assigned to them.
LEDGER_ROLES = STAFF | {"mediator"}
SEES_DISPUTE = {"officer_a", "aux_a", "chief", "admin", "mediator"}
# My follow-ups: an officer's or auxiliary's own disputes; a chief's or admin's whole area.
SEES_FOLLOWUP = {"officer_a", "chief", "admin"}
# The roster: the staff of station 1 (officers by their police grids) see station 1's.
SEES_ROSTER_S1 = {"officer_a", "aux_a", "officer_b", "chief", "admin"}
ROSTER_EDITORS = {"chief", "other_chief", "admin"}


def dispute(w):
    """Agreed five days ago with the lawyer; the follow-ups scheduled as if signed 7 days ago."""
    if not hasattr(w, "_ledger_dispute"):
        received = timezone.now() - dt.timedelta(days=8)
        d = make_dispute(w, received_at=received)
        session = hold_session(w, d, held_at=received + dt.timedelta(days=1), mediators=[roster(w)["lawyer"]])
        assert session.outcome == Outcome.AGREED
        services.schedule_followups(session.agreement, start=timezone.localdate() - dt.timedelta(days=7))
        w._ledger_dispute = d
    return w._ledger_dispute


def lawyer(w):
    return roster(w)["lawyer"]


def _export(p):
    return "login" if p == "anonymous" else ("ok" if p in STAFF else "404")


ROUTES = {
    "disputes:ledger": Route(
        lambda w: reverse("disputes:ledger"), gated_list(LEDGER_ROLES, SEES_DISPUTE), lambda w: dispute(w).reference
    ),
    # A binary file: no marker (the scope of its rows is tested in tests/disputes/test_ledger.py).
    "disputes:export": Route(lambda w: reverse("disputes:export"), _export),
    "disputes:followups": Route(
        lambda w: reverse("disputes:followups"), gated_list(STAFF, SEES_FOLLOWUP), lambda w: dispute(w).reference
    ),
    "disputes:mediators": Route(
        lambda w: reverse("disputes:mediators"), gated_list(STAFF, SEES_ROSTER_S1), lambda w: lawyer(w).name
    ),
    "disputes:mediator_create": Route(lambda w: reverse("disputes:mediator_create"), gated_object(ROSTER_EDITORS)),
    "disputes:mediator_edit": Route(
        lambda w: reverse("disputes:mediator_edit", args=[lawyer(w).pk]),
        gated_object({"chief", "admin"}),
        lambda w: lawyer(w).name,
    ),
}
