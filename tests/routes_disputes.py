"""Scope matrix rows for the pages of one dispute (intake, the dispute page, mediators, sessions,
signing, the agreement PDF, follow-ups).

Staff of grid 甲一 (officer, auxiliary, chief, admin) may do everything; the mediator assigned
(the lawyer of station 1's roster, login ``mediator``) opens the dispute, records its sessions and
downloads the agreement; everyone else gets 404, anonymous users are sent to log in. The searches
of the intake form answer every staff member, with results from their own area only.
"""

from django.urls import reverse

from disputes import services
from disputes.models import FollowUp
from tests.disputes.helpers import hold_session, make_dispute, roster, sign_all
from tests.scope import Route, gated_list, gated_object

STAFF_A1 = {"officer_a", "aux_a", "chief", "admin"}
STAFF = STAFF_A1 | {"officer_b", "other_station_officer", "other_chief"}
WITH_MEDIATOR = STAFF_A1 | {"mediator"}


def disputes_in(w) -> dict:
    """Three disputes in 甲一, made once per world: ``open`` (received, the lawyer assigned),
    ``unsigned`` (an agreement waiting for signatures) and ``signed`` (its follow-ups scheduled)."""
    cache = w.__dict__.setdefault("_dispute_pages", {})
    if not cache:
        lawyer = roster(w)["lawyer"]
        dispute = make_dispute(w)
        services.dispute_assign(dispute=dispute, user=w.users["officer_a"], mediators=[lawyer])
        cache["open"] = dispute
        cache["unsigned"] = hold_session(w, make_dispute(w)).agreement
        cache["signed"] = sign_all(w, hold_session(w, make_dispute(w)).agreement)
        cache["followup"] = FollowUp.objects.get(agreement=cache["signed"], day=7)
    return cache


def _open(w):
    return disputes_in(w)["open"]


def _ref(key):
    def marker(w):
        obj = disputes_in(w)[key]
        return getattr(obj, "reference", None) or obj.dispute.reference

    return marker


ROUTES = {
    "disputes:create": Route(
        lambda w: reverse("disputes:create") + f"?building={w.building('甲一网格').pk}",
        gated_object(STAFF_A1),
        lambda w: w.building("甲一网格").address,
    ),
    "disputes:building_search": Route(
        lambda w: reverse("disputes:building_search") + f"?q={w.building('甲一网格').address}",
        gated_list(STAFF, STAFF_A1),
        lambda w: w.building("甲一网格").address,
    ),
    "disputes:person_search": Route(
        lambda w: reverse("disputes:person_search") + f"?q={w.person('甲一网格').name}",
        gated_list(STAFF, STAFF_A1),
        lambda w: w.person("甲一网格").name,
    ),
    "disputes:detail": Route(
        lambda w: reverse("disputes:detail", args=[_open(w).pk]), gated_object(WITH_MEDIATOR), _ref("open")
    ),
    "disputes:assign": Route(
        lambda w: reverse("disputes:assign", args=[_open(w).pk]), gated_object(STAFF_A1), _ref("open")
    ),
    "disputes:session_create": Route(
        lambda w: reverse("disputes:session_create", args=[_open(w).pk]), gated_object(WITH_MEDIATOR), _ref("open")
    ),
    "disputes:agreement_sign": Route(
        lambda w: reverse("disputes:agreement_sign", args=[disputes_in(w)["unsigned"].pk]),
        gated_object(STAFF_A1),
        lambda w: disputes_in(w)["unsigned"].number,
    ),
    "disputes:agreement_pdf": Route(
        lambda w: reverse("disputes:agreement_pdf", args=[disputes_in(w)["signed"].pk]), gated_object(WITH_MEDIATOR)
    ),
    "disputes:followup_record": Route(
        lambda w: reverse("disputes:followup_record", args=[disputes_in(w)["followup"].pk]),
        gated_object(STAFF_A1),
        _ref("followup"),
    ),
}
