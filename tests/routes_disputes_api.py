"""Scope matrix rows for the disputes API: a dispute of 甲一网格 with an agreement signed (so it
has a session and follow-ups), assigned to the lawyer whose login is the ``mediator`` persona."""

from django.urls import reverse

from disputes.models import FollowUp
from tests.disputes.helpers import hold_session, make_dispute, roster, sign_all
from tests.scope import Route, api_list, api_object

# Staff in scope of 甲一 and the assigned mediator; grid workers and volunteers see no disputes.
SEES_DISPUTE = {"officer_a", "aux_a", "chief", "admin", "mediator"}
# Station 1's roster: its staff, and the mediator their own entry.
SEES_ROSTER_S1 = {"officer_a", "aux_a", "officer_b", "chief", "admin", "mediator"}


def dispute(w):
    if not hasattr(w, "_api_dispute"):
        d = make_dispute(w)
        session = hold_session(w, d)
        sign_all(w, session.agreement)
        w._api_dispute = d
    return w._api_dispute


def session(w):
    return dispute(w).sessions.get()


def followup(w):
    return FollowUp.objects.filter(dispute=dispute(w)).order_by("day").last()


def lawyer(w):
    return roster(w)["lawyer"]


ROUTES = {
    "dispute-list": Route(lambda w: reverse("dispute-list"), api_list(SEES_DISPUTE), lambda w: dispute(w).reference),
    "dispute-detail": Route(lambda w: reverse("dispute-detail", args=[dispute(w).pk]), api_object(SEES_DISPUTE)),
    "mediator-list": Route(lambda w: reverse("mediator-list"), api_list(SEES_ROSTER_S1), lambda w: lawyer(w).name),
    "mediator-detail": Route(lambda w: reverse("mediator-detail", args=[lawyer(w).pk]), api_object(SEES_ROSTER_S1)),
    "mediationsession-list": Route(
        lambda w: reverse("mediationsession-list"),
        api_list(SEES_DISPUTE),
        lambda w: session(w).agreement.number,
    ),
    "mediationsession-detail": Route(
        lambda w: reverse("mediationsession-detail", args=[session(w).pk]), api_object(SEES_DISPUTE)
    ),
    "followup-list": Route(
        lambda w: reverse("followup-list"), api_list(SEES_DISPUTE), lambda w: followup(w).due_on.isoformat()
    ),
    "followup-detail": Route(lambda w: reverse("followup-detail", args=[followup(w).pk]), api_object(SEES_DISPUTE)),
}
