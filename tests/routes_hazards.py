"""Scope matrix rows for the loop (/inspections/hazards/) and the inspections API, plus
``notice_with_hazards``: a submitted inspection with failed items, made through the services."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from PIL import Image

from tests.scope import SEES_A1, Route, api_list, api_object, gated_list, gated_object

POLICE = {"officer_a", "aux_a", "chief", "admin", "officer_b", "other_station_officer", "other_chief"}
POLICE_A1 = SEES_A1 & POLICE  # officer_a, aux_a, chief, admin


def photo(name="hazard.png", colour=(200, 40, 40)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def notice_with_hazards(world, *, grid_name="甲一网格", officer="officer_a", fails=2, grades=None, venue=None):
    """A venue in ``grid_name`` inspected by ``officer``: the first ``fails`` items fail."""
    from inspections import services
    from inspections.models import Result
    from tests.factories import VenueFactory

    user = world.users[officer]
    venue = venue or VenueFactory(building=world.building(grid_name), name=f"隐患测试超市{grid_name}")
    inspection = services.inspection_start(user=user, venue=venue)
    for n, item in enumerate(inspection.template.items.all()):
        if n < fails:
            grade = (grades or {}).get(n, "")
            a = services.answer_save(inspection=inspection, item=item, result=Result.FAIL, note=f"问题{n}", grade=grade)
            services.photo_add(answer=a, upload=photo())
        else:
            services.answer_save(inspection=inspection, item=item, result=Result.PASS)
    inspection = services.inspection_submit(inspection=inspection, user=user)
    return inspection.notice


def _notice(w):
    if not hasattr(w, "_hz_notice"):
        w._hz_notice = notice_with_hazards(w)
    return w._hz_notice


def _hazard(w):
    return _notice(w).hazards.order_by("id").first()


def _due_hazard(w):
    """A hazard whose deadline is today: on the due page."""
    from inspections.loop import today
    from inspections.models import Hazard

    h = _hazard(w)
    Hazard.objects.filter(pk=h.pk).update(deadline=today())
    return h


def _api(name):
    """API rows only once the lead has registered the routes."""
    try:
        reverse(name) if name.endswith("-list") else reverse(name, args=[1])
    except NoReverseMatch:
        return False
    return True


ROUTES = {
    "hazards:ledger": Route(
        lambda w: reverse("hazards:ledger"), gated_list(POLICE, POLICE_A1), lambda w: _hazard(w).text
    ),
    "hazards:due": Route(
        lambda w: reverse("hazards:due"), gated_list(POLICE, POLICE_A1), lambda w: _due_hazard(w).text
    ),
    "hazards:detail": Route(lambda w: reverse("hazards:detail", args=[_hazard(w).pk]), gated_object(POLICE_A1)),
    "hazards:reinspect": Route(lambda w: reverse("hazards:reinspect", args=[_notice(w).pk]), gated_object(POLICE_A1)),
}

_API = {
    "checklisttemplate-list": Route(
        lambda w: reverse("checklisttemplate-list"),
        lambda p: "401" if p == "anonymous" else ("ok" if p in POLICE else "403"),
        lambda w: _notice(w).inspection.template.name,
    ),
    "checklisttemplate-detail": Route(
        lambda w: reverse("checklisttemplate-detail", args=[_notice(w).inspection.template_id]),
        lambda p: "401" if p == "anonymous" else ("ok" if p in POLICE else "403"),
    ),
    "inspection-list": Route(
        lambda w: reverse("inspection-list"),
        lambda p: _api_police(p, api_list),
        lambda w: _notice(w).inspection.venue.name,
    ),
    "inspection-detail": Route(
        lambda w: reverse("inspection-detail", args=[_notice(w).inspection_id]), lambda p: _api_police(p, api_object)
    ),
    "hazard-list": Route(
        lambda w: reverse("hazard-list"), lambda p: _api_police(p, api_list), lambda w: _hazard(w).text
    ),
    "hazard-detail": Route(
        lambda w: reverse("hazard-detail", args=[_hazard(w).pk]), lambda p: _api_police(p, api_object)
    ),
    "notice-list": Route(
        lambda w: reverse("notice-list"), lambda p: _api_police(p, api_list), lambda w: _notice(w).number
    ),
    "notice-detail": Route(
        lambda w: reverse("notice-detail", args=[_notice(w).pk]), lambda p: _api_police(p, api_object)
    ),
}


def _api_police(p, shape):
    """Police roles: scoped like pages (list hides, detail 404s); other roles are refused (403)."""
    if p != "anonymous" and p not in POLICE:
        return "403"
    return shape(POLICE_A1)(p)


ROUTES.update({name: route for name, route in _API.items() if _api(name)})
